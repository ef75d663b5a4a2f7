package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
)

// testDriver checks the driver promises sqlstore code relies on, on the
// meta table: a failed savepoint undoes its own writes only, deferred
// writes are seen after Flush and fail their transaction, and errors are
// classified alike on both backends.
func testDriver(t *testing.T, s store.Store) {
	ds, ok := s.(interface{ Driver() sqlstore.Driver })
	if !ok {
		t.Skip("not a sqlstore backend")
	}
	db, ctx := ds.Driver(), context.Background()
	put := func(tx sqlstore.Tx, k string) error {
		_, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, 'v')`, k)
		return err
	}
	has := func(k string) bool {
		var n int
		must(t, "count "+k, db.Reader().QueryRow(ctx, `SELECT count(*) FROM meta WHERE key = $1`, k).Scan(&n))
		return n == 1
	}
	refused := errors.New("refused")
	must(t, "Write with savepoints", db.Write(ctx, func(tx sqlstore.Tx) error {
		if err := put(tx, "t-kept"); err != nil {
			return err
		}
		if err := tx.Savepoint(ctx, func(tx sqlstore.Tx) error {
			if err := put(tx, "t-undone"); err != nil {
				return err
			}
			return refused
		}); err != refused {
			t.Errorf("failed savepoint returned %v, want its own error", err)
		}
		return tx.Savepoint(ctx, func(tx sqlstore.Tx) error { return put(tx, "t-saved") })
	}))
	eq(t, "write before a failed savepoint kept", has("t-kept"), true)
	eq(t, "write inside a failed savepoint undone", has("t-undone"), false)
	eq(t, "write inside a released savepoint kept", has("t-saved"), true)

	must(t, "Write with deferred writes", db.Write(ctx, func(tx sqlstore.Tx) error {
		if err := tx.Defer(ctx, `INSERT INTO meta (key, value) VALUES ($1, 'v')`, "t-deferred"); err != nil {
			return err
		}
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		var v string
		return tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, "t-deferred").Scan(&v)
	}))
	err := db.Write(ctx, func(tx sqlstore.Tx) error {
		if err := put(tx, "t-rolled-back"); err != nil {
			return err
		}
		return tx.Defer(ctx, `INSERT INTO meta (key, value) VALUES ($1, 'v')`, "t-kept")
	})
	eq(t, "a failed deferred write's classification", db.Classify(err).Kind, sqlstore.FaultUnique)
	eq(t, "write of a transaction whose deferred write failed", has("t-rolled-back"), false)

	var v string
	err = db.Reader().QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, "t-missing").Scan(&v)
	eq(t, "no row's classification", db.Classify(err).Kind, sqlstore.FaultNoRows)
	n, err := db.Exec(ctx, `DELETE FROM meta WHERE key LIKE 't-%'`)
	must(t, "Exec", err)
	eq(t, "rows Exec deleted", n, int64(3))
}
