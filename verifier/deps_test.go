package verifier

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependsOnNothingHeavy keeps verifier importable by any backend: a
// service that only checks tokens must not link the chain code or a
// database driver through it.
func TestDependsOnNothingHeavy(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	banned := []string{"github.com/ethereum/", "modernc.org/sqlite", "github.com/jackc/pgx", "database/sql",
		"github.com/dynamicauth/dynamicauth/store", "github.com/dynamicauth/dynamicauth/users",
		"github.com/dynamicauth/dynamicauth/wallets"}
	for _, pkg := range strings.Fields(string(out)) {
		for _, b := range banned {
			if strings.HasPrefix(pkg, b) {
				t.Errorf("verifier depends on %s", pkg)
			}
		}
	}
}
