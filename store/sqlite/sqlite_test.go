package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/storetest"
	"github.com/google/uuid"
)

func open(t *testing.T, path string, opt sqlite.Options) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		// NORMAL still commits through the WAL; it only skips the fsync
		// per commit, which keeps the suite fast on slow disks.
		return open(t, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	})
}

func TestMigrationsRecordedAndIdempotent(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) == 0 {
		t.Fatal("MigrationStatus lists no migrations")
	}
	for _, m := range first {
		if m.AppliedAt == nil {
			t.Errorf("migration %04d %s not applied after Open", m.Version, m.Name)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Re-opening applies nothing again (a re-run of 0001 would fail on
	// CREATE TABLE) and keeps the recorded times.
	s2 := open(t, path, sqlite.Options{})
	if err := s2.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated database: %v", err)
	}
	second, err := s2.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != len(first) {
		t.Fatalf("MigrationStatus after re-open lists %d migrations, want %d", len(second), len(first))
	}
	for i := range second {
		if second[i].AppliedAt == nil || !second[i].AppliedAt.Equal(*first[i].AppliedAt) {
			t.Errorf("migration %s applied at %v after re-open, want %v", second[i].Name, second[i].AppliedAt, first[i].AppliedAt)
		}
	}
}

func TestSkipMigrateShowsPending(t *testing.T) {
	storetest.SkipMigrateShowsPending(t, open(t, filepath.Join(t.TempDir(), "db"), sqlite.Options{SkipMigrate: true}), "file")
}

func TestIntegrityCheck(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	res, err := s.IntegrityCheck(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("IntegrityCheck = %q, want ok", res)
	}
}

func TestBadSynchronous(t *testing.T) {
	if _, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "OFF"}); err == nil {
		t.Fatal("Open with synchronous OFF succeeded")
	}
}

// TestForeignKeysEnforced sets an MFA setting of an organization that does
// not exist: only the foreign key refuses it (SetMfaSetting is one INSERT;
// the creates an admin makes read or lock their owner's row first).
func TestForeignKeysEnforced(t *testing.T) {
	ctx := t.Context()
	s := open(t, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	orgID := uuid.NewString()
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := s.SetMfaSetting(ctx, orgID, "totp", &now)
	if err == nil {
		t.Fatal("SetMfaSetting for an unknown organization succeeded: foreign keys are off")
	}
	var e *errs.E
	if !errors.As(err, &e) {
		t.Fatalf("SetMfaSetting for an unknown organization: %T %v, want an *errs.E", err, err)
	}
	if e.Kind != errs.KindNotFound {
		t.Errorf("SetMfaSetting for an unknown organization: kind %d (%v), want not found", e.Kind, err)
	}
	got, err := s.ListMfaSettings(ctx, orgID)
	if err != nil || len(got) != 0 {
		t.Errorf("ListMfaSettings after the refused insert: %v, %v, want none", got, err)
	}
}
