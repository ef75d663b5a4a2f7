package postgres_test

import (
	"os"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/postgres/pgtest"
	"github.com/dynamicauth/dynamicauth/store/storetest"
)

// TestRetentionBackfill: migration 0043's backfill writes the retention
// counters the triggers write.
func TestRetentionBackfill(t *testing.T) {
	pgtest.BaseURL(t)
	sql, err := os.ReadFile("migrations/0043_analytics_retention_days.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, freshSchema(t), postgres.Options{})
	storetest.RetentionBackfill(t, s, storetest.Backfill(t, string(sql)))
}

// TestListAnchorsAcrossRestart: the users list's anchors are kept in the
// schema across a restart.
func TestListAnchorsAcrossRestart(t *testing.T) {
	pgtest.BaseURL(t)
	dsn := freshSchema(t)
	storetest.ListAnchorsAcrossRestart(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestListAnchorsWarmed: the anchors of a large environment are made
// without a page asked for (sqlstore/keyset_warm.go).
func TestListAnchorsWarmed(t *testing.T) {
	storetest.ListAnchorsWarmed(t, func(t *testing.T) store.Store {
		return open(t, freshSchema(t), postgres.Options{})
	})
}
