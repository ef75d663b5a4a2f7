package sqlite_test

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/storetest"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestStoreContractInMemory: ":memory:" is one migrated database that the
// writer and the reader pool share, and two stores opened on it are two
// databases.
func TestStoreContractInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, ":memory:", sqlite.Options{}) })
	a, b := open(t, ":memory:", sqlite.Options{}), open(t, ":memory:", sqlite.Options{})
	if _, _, _, err := tenantService(a).Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if seeded, err := tenantService(b).Seeded(t.Context()); err != nil || seeded {
		t.Fatalf("a second in-memory store sees the first one's seed (%v)", err)
	}
}

func tenantService(st *sqlite.Store) *tenant.Service {
	keys, err := secrets.New(make([]byte, 32))
	if err != nil {
		panic(err)
	}
	return tenant.NewService(st, keys, nil)
}
