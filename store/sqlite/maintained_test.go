package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/storetest"
)

// TestRetentionBackfill: migration 0043's backfill writes the retention
// counters the triggers write.
func TestRetentionBackfill(t *testing.T) {
	sql, err := os.ReadFile("migrations/0043_analytics_retention_days.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	storetest.RetentionBackfill(t, s, storetest.Backfill(t, string(sql)))
}

// TestListAnchorsAcrossRestart: the users list's anchors are kept in the
// file across a restart.
func TestListAnchorsAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	storetest.ListAnchorsAcrossRestart(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{Synchronous: "NORMAL"})
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
		return open(t, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	})
}
