package storetest

import (
	"context"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/migration"
)

// Migrator is a backend that reports and applies its migrations.
type Migrator interface {
	store.Store
	MigrationStatus(ctx context.Context) ([]migration.Migration, error)
	Migrate(ctx context.Context) error
}

// SkipMigrateShowsPending checks a fresh database opened with SkipMigrate
// (what = "file", "schema"): every migration is pending and the store
// refuses to serve; after Migrate every one is applied and the empty
// database answers as such.
func SkipMigrateShowsPending(t *testing.T, s Migrator, what string) {
	t.Helper()
	ctx := t.Context()
	status, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(status) == 0 {
		t.Fatal("MigrationStatus lists no migrations")
	}
	for _, m := range status {
		if m.AppliedAt != nil {
			t.Errorf("migration %s applied on a fresh %s opened with SkipMigrate", m.Name, what)
		}
	}
	if _, err := s.BootstrapIDs(ctx); err == nil {
		t.Error("BootstrapIDs on an unmigrated database succeeded")
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if status, err = s.MigrationStatus(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range status {
		if m.AppliedAt == nil {
			t.Errorf("migration %s pending after Migrate", m.Name)
		}
	}
	if _, err := s.BootstrapIDs(ctx); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("BootstrapIDs after Migrate: %v, want not found", err)
	}
}
