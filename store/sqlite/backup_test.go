package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/google/uuid"
)

// createOrg writes an organization and its owner in one transaction.
func createOrg(ctx context.Context, s *sqlite.Store) (string, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	org := &tenant.Organization{ID: uuid.NewString(), Name: "acme", CreatedAt: now, UpdatedAt: now}
	owner := &tenant.Member{ID: uuid.NewString(), OrganizationID: org.ID, Role: tenant.RoleOwner, CreatedAt: now,
		User: tenant.DashboardUser{ID: uuid.NewString(), Email: org.ID + "@example.com", CreatedAt: now}}
	return org.ID, s.CreateOrganization(ctx, org, owner)
}

// TestBackupWhileWriting: a backup taken while writers commit holds every
// organization committed before it began, no transaction in part (each
// organization with its owner), passes integrity_check, is private to
// its owner, and opens as a store with nothing left to migrate.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "db"), sqlite.Options{})
	var before []string
	for range 50 {
		id, err := createOrg(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, id)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := createOrg(ctx, s); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	for written.Load() < 20 { // the writers are under way
		time.Sleep(time.Millisecond)
	}
	dest := filepath.Join(dir, "backup.db")
	err := s.Backup(ctx, dest)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}

	fi, err := os.Stat(dest)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %04o, want 0600", fi.Mode().Perm())
	}
	noPartials(t, dir)

	cp := open(t, dest, sqlite.Options{})
	if res, err := cp.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("IntegrityCheck of the copy: %q, %v", res, err)
	}
	status, err := cp.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range status {
		if m.AppliedAt == nil {
			t.Errorf("migration %s pending in the copy", m.Name)
		}
	}
	for _, id := range before {
		if _, err := cp.GetOrganization(ctx, id); err != nil {
			t.Fatalf("organization %s committed before the backup is missing from it: %v", id, err)
		}
	}
	db, err := sql.Open("sqlite", dest)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var orgs, orphans int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM organizations`).Scan(&orgs); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM organizations o
		WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = o.id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orgs < len(before) || int64(orgs) > int64(len(before))+written.Load() {
		t.Errorf("the copy holds %d organizations, want between %d and %d", orgs, len(before), int64(len(before))+written.Load())
	}
	if orphans != 0 {
		t.Errorf("%d organizations in the copy without their owner: a transaction copied in part", orphans)
	}
}

// TestBackupRefusals: a backup never overwrites a file, needs a file to
// back up and a directory to write to, stops when its context ends, and
// a refused or failed one leaves nothing behind.
func TestBackupRefusals(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := open(t, filepath.Join(dir, "db"), sqlite.Options{})
	if _, err := createOrg(ctx, s); err != nil {
		t.Fatal(err)
	}

	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, existing); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Backup onto an existing file: %v, want already exists", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing file now holds %q", b)
	}

	if err := s.Backup(ctx, filepath.Join(dir, "missing", "b.db")); err == nil {
		t.Error("Backup into a missing directory succeeded")
	}
	if err := s.Backup(ctx, ""); err == nil {
		t.Error("Backup to no file succeeded")
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	dest := filepath.Join(dir, "cancelled.db")
	if err := s.Backup(cancelled, dest); err == nil {
		t.Error("Backup with an ended context succeeded")
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		t.Errorf("a cancelled backup left %s (%v)", dest, err)
	}
	noPartials(t, dir)

	mem := open(t, ":memory:", sqlite.Options{})
	if err := mem.Backup(ctx, filepath.Join(dir, "mem.db")); err == nil || !strings.Contains(err.Error(), "in memory") {
		t.Errorf("Backup of a database in memory: %v", err)
	}
}

func noPartials(t *testing.T, dir string) {
	t.Helper()
	left, err := filepath.Glob(filepath.Join(dir, "*.partial-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
