package verifier

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/internal/golist"
)

// TestDependsOnNothingHeavy keeps verifier importable by any backend: a
// service that only checks tokens must not link the chain code or a
// database driver through it.
func TestDependsOnNothingHeavy(t *testing.T) {
	golist.Forbid(t, "github.com/ethereum/", "modernc.org/sqlite", "github.com/jackc/pgx", "database/sql",
		"github.com/dynamicauth/dynamicauth/store", "github.com/dynamicauth/dynamicauth/users",
		"github.com/dynamicauth/dynamicauth/wallets")
}
