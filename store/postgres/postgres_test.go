package postgres_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/postgres/pgtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/storetest"
)

// freshSchema is a throwaway schema's URL (pgtest.FreshSchema); the
// test skips without DYNAMICAUTH_TEST_POSTGRES_URL.
func freshSchema(t *testing.T) string { return pgtest.FreshSchema(t) }

func open(t *testing.T, dsn string, opt postgres.Options) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStoreContract(t *testing.T) {
	pgtest.BaseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, freshSchema(t), postgres.Options{})
	})
}

// TestMigrationSequenceMatchesSQLite: both backends walk one versioned
// sequence of migrations (each in its own SQL), so `migrate status` means
// the same on either. Runs without a database.
func TestMigrationSequenceMatchesSQLite(t *testing.T) {
	pg, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"), sqlite.Options{SkipMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	want, err := lite.MigrationStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != len(want) {
		t.Fatalf("postgres has %d migrations, sqlite %d", len(pg), len(want))
	}
	for i := range want {
		if pg[i].Version != want[i].Version || pg[i].Name != want[i].Name {
			t.Errorf("migration #%d: postgres %04d %s, sqlite %04d %s", i, pg[i].Version, pg[i].Name, want[i].Version, want[i].Name)
		}
	}
}

func TestMigrationsRecordedAndIdempotent(t *testing.T) {
	ctx := t.Context()
	dsn := freshSchema(t)
	s := open(t, dsn, postgres.Options{})
	first, err := s.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range first {
		if m.AppliedAt == nil {
			t.Errorf("migration %04d %s not applied after Open", m.Version, m.Name)
		}
	}
	s2 := open(t, dsn, postgres.Options{})
	if err := s2.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated database: %v", err)
	}
	second, err := s2.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range second {
		if second[i].AppliedAt == nil || !second[i].AppliedAt.Equal(*first[i].AppliedAt) {
			t.Errorf("migration %s applied at %v after re-open, want %v", second[i].Name, second[i].AppliedAt, first[i].AppliedAt)
		}
	}
}

// TestConcurrentOpenMigratesOnce: replicas starting at once on an empty
// database take turns on the advisory lock; all of them open.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	dsn := freshSchema(t)
	const n = 4
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), dsn, postgres.Options{MaxConns: 2})
			if err != nil {
				errc <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("concurrent Open: %v", err)
	}
	s := open(t, dsn, postgres.Options{SkipMigrate: true})
	status, err := s.MigrationStatus(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range status {
		if m.AppliedAt == nil {
			t.Errorf("migration %s pending after concurrent opens", m.Name)
		}
	}
}

func TestSkipMigrateShowsPending(t *testing.T) {
	storetest.SkipMigrateShowsPending(t, open(t, freshSchema(t), postgres.Options{SkipMigrate: true}), "schema")
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db": true, "./dynamicauth.db": false, "/tmp/postgres.db": false,
	} {
		if got := postgres.IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", in, got, want)
		}
	}
}
