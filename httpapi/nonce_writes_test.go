package httpapi_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// TestNonceIssuanceWritesNothing: GET /nonce and /nonces commit nothing
// to the database (nonces are MACed, not stored), while a sign-in does.
// A second connection to the database file watches PRAGMA data_version,
// which changes whenever another connection commits.
func TestNonceIssuanceWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nonces.db")
	h := newHarnessWith(t, "sqlite", func(cfg *dynamicauth.Config) {
		st, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.Store = st
	})
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	version := func() int64 {
		t.Helper()
		var v int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	env := h.ids.EnvironmentID
	h.do(t, "GET", "/sdk/"+env+"/nonce", "", nil) // warm anything lazily read
	before := version()
	for range 20 {
		st, res := h.do(t, "GET", "/sdk/"+env+"/nonce", "", nil)
		wantStatus(t, "nonce", st, 200, res)
		st, res = h.do(t, "GET", "/sdk/"+env+"/nonces?count=5", "", nil)
		wantStatus(t, "nonces", st, 200, res)
	}
	if after := version(); after != before {
		t.Fatalf("issuing nonces committed to the database (data_version %d -> %d)", before, after)
	}
	// The watch sees writes: a sign-in commits.
	h.signIn(t, env, newEVMWallet(t))
	if after := version(); after == before {
		t.Fatal("data_version did not change after a sign-in: the test cannot see writes")
	}
}
