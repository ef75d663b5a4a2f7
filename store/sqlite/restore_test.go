package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// orgCount counts a database file's organizations on a connection of
// its own.
func orgCount(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM organizations`).Scan(&n); err != nil {
		t.Fatalf("count organizations of %s: %v", path, err)
	}
	return n
}

// seededBackup makes a database of n organizations and its backup.
func seededBackup(t *testing.T, dir string, n int) (db, backup string) {
	t.Helper()
	db, backup = filepath.Join(dir, "db"), filepath.Join(dir, "backup.db")
	s, err := sqlite.Open(t.Context(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range n {
		if _, err := createOrg(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	return db, backup
}

// openAhead opens a store on the database at path and writes one
// organization more, which its backup does not hold; the caller closes it.
func openAhead(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := createOrg(t.Context(), s); err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s
}

// TestRestore: the backup takes the database's place; the database it
// replaces is kept whole, with the writes only its WAL held (a server
// that crashed), and that WAL is not replayed onto the backup.
func TestRestore(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	_, backup := seededBackup(t, dir, 3)

	// A database a crashed server left: two more organizations, in its
	// WAL only (the store checkpoints in the background, not per commit).
	crashed := filepath.Join(dir, "crashed")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(crashed, 0o700))
	live := filepath.Join(dir, "live")
	s, err := sqlite.Open(ctx, live, sqlite.Options{})
	must(err)
	for range 5 {
		_, err := createOrg(ctx, s)
		must(err)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(live + suffix)
		must(err)
		must(os.WriteFile(filepath.Join(crashed, "db"+suffix), b, 0o600))
	}
	must(s.Close())
	dbPath := filepath.Join(crashed, "db")
	if fi, err := os.Stat(dbPath + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the crashed database has no WAL to lose (%v)", err)
	}

	at := time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)
	checked := ""
	kept, err := sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{Now: func() time.Time { return at },
		Check: func(_ context.Context, copyPath string) error { checked = copyPath; return nil }})
	must(err)
	if want := dbPath + ".before-restore-20261206T110000.000Z"; kept != want {
		t.Fatalf("kept %q, want %q", kept, want)
	}
	if checked == "" || filepath.Dir(checked) != crashed {
		t.Errorf("Check saw %q, want a copy beside the database", checked)
	}
	if n := orgCount(t, kept); n != 5 {
		t.Errorf("the kept database has %d organizations, want 5 (its WAL's among them)", n)
	}
	for _, stale := range []string{dbPath + "-wal", dbPath + "-shm"} {
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left beside the restored database (%v)", stale, err)
		}
	}
	if fi, err := os.Stat(dbPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored database: %v, %v", fi, err)
	}
	restored := open(t, dbPath, sqlite.Options{})
	if res, err := restored.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("IntegrityCheck: %q, %v", res, err)
	}
	if n := orgCount(t, dbPath); n != 3 {
		t.Errorf("the restored database has %d organizations, want the backup's 3", n)
	}
	noStaged(t, crashed)

	// No database yet: the backup is put in place, nothing kept.
	fresh := filepath.Join(t.TempDir(), "db")
	kept, err = sqlite.Restore(ctx, fresh, backup, sqlite.RestoreOptions{})
	if err != nil || kept != "" {
		t.Fatalf("Restore to a new path: %q, %v", kept, err)
	}
	if n := orgCount(t, fresh); n != 3 {
		t.Errorf("restored to a new path: %d organizations", n)
	}
}

// TestRestoreRefusals: a database in use, a file that is not a sound
// dynamicauth database, one from a newer dynamicauth, or a failed check
// stop the restore with the database, its files and the backup as they
// were.
func TestRestoreRefusals(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	dbPath, backup := seededBackup(t, dir, 2)
	s := openAhead(t, dbPath)
	backupBytes, _ := os.ReadFile(backup)

	if _, err := sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{}); !errors.Is(err, sqlite.ErrInUse) {
		t.Errorf("Restore while a store has the database open: %v, want ErrInUse", err)
	}
	if n := orgCount(t, dbPath); n != 3 {
		t.Errorf("after the refused restore the database has %d organizations, want 3", n)
	}
	if _, err := createOrg(ctx, s); err != nil {
		t.Fatalf("the store cannot write after a refused restore: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.db")
	func() {
		db, err := sql.Open("sqlite", other)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE TABLE notes (x TEXT)`); err != nil {
			t.Fatal(err)
		}
	}()
	newer := filepath.Join(dir, "newer.db")
	if err := os.WriteFile(newer, backupBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	func() {
		db, err := sql.Open("sqlite", newer)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99999, 'future', '2030-01-01')`); err != nil {
			t.Fatal(err)
		}
	}()
	for _, c := range []struct {
		name, from, want string
		check            func(context.Context, string) error
	}{
		{"not a database", garbage, "not a database", nil},
		{"not dynamicauth's", other, "not a dynamicauth database", nil},
		{"from a newer dynamicauth", newer, "newer dynamicauth", nil},
		{"missing", filepath.Join(dir, "missing.db"), "no such file", nil},
		{"refused by the check", backup, "wrong secret", func(context.Context, string) error { return errors.New("wrong secret") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sqlite.Restore(ctx, dbPath, c.from, sqlite.RestoreOptions{Check: c.check})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Restore: %v, want %q", err, c.want)
			}
			if n := orgCount(t, dbPath); n != 4 {
				t.Errorf("the database has %d organizations, want its 4", n)
			}
			noStaged(t, dir, "*.before-restore-*")
		})
	}
	if after, _ := os.ReadFile(backup); !bytes.Equal(after, backupBytes) {
		t.Error("the backup changed")
	}
	if _, err := sqlite.Restore(ctx, ":memory:", backup, sqlite.RestoreOptions{}); err == nil {
		t.Error("Restore into memory succeeded")
	}
}

// noStaged fails when a restore left a staged copy, or, with kept,
// kept a database, in dir.
func noStaged(t *testing.T, dir string, patterns ...string) {
	t.Helper()
	for _, pattern := range append(patterns, "*.restore-*") {
		left, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Errorf("left in %s: %v", dir, left)
		}
	}
}

// TestOpenDuringRestoreSwap: a store opened while a restore holds the
// old database's lock waits for it; when the restore then puts another
// file in its place, Open refuses with ErrReplaced (SQLite will not write
// the kept old file its connection holds) rather than serve the old
// database, and opening again gets the restored one.
func TestOpenDuringRestoreSwap(t *testing.T) {
	dir := t.TempDir()
	db, backup := seededBackup(t, dir, 1)
	s, err := sqlite.Open(t.Context(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := createOrg(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	// The lock a restore takes (sqlite.Restore's lockOld).
	lock, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(1000)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		t.Fatal(err)
	}
	lock.SetMaxOpenConns(1)
	var mode string
	if err := lock.QueryRowContext(t.Context(), `PRAGMA journal_mode=DELETE`).Scan(&mode); err != nil || mode != "delete" {
		t.Fatalf("journal_mode: %q, %v", mode, err)
	}
	if _, err := lock.ExecContext(t.Context(), `BEGIN EXCLUSIVE; COMMIT`); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		s, err := sqlite.Open(context.Background(), db, sqlite.Options{})
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	time.Sleep(2 * time.Second) // Open is waiting for the lock by then (its busy_timeout: 10 s)
	// The swap: the old database kept aside, the backup in its place.
	if err := os.Rename(db, db+".before-restore"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(backup, db); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	if err := <-opened; !errors.Is(err, sqlite.ErrReplaced) {
		t.Fatalf("Open across the swap: %v; it must refuse", err)
	}
	if got := orgCount(t, db); got != 1 {
		t.Fatalf("the restored database has %d organizations, want the backup's 1", got)
	}
	s, err = sqlite.Open(t.Context(), db, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open after the swap: %v", err)
	}
	s.Close()
}

// TestRestoreFromCopyWithWAL: a backup that is a copy of a live database
// with its WAL beside it (a file-system snapshot of a serving server's
// directory) is restored as SQLite reads it, WAL included: the checks
// passed on that view, so the restored database must be it, not the
// main file alone (older, or torn by a checkpoint in progress).
func TestRestoreFromCopyWithWAL(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	live := filepath.Join(dir, "live")
	s, err := sqlite.Open(ctx, live, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := createOrg(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := filepath.Join(dir, "snapshot.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(live + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(snapshot+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(snapshot + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the snapshot has no WAL (%v)", err)
	}
	const want = 5 // (not counted here: a connection closing would fold the WAL in)

	dbPath := filepath.Join(t.TempDir(), "db")
	if _, err := sqlite.Restore(ctx, dbPath, snapshot, sqlite.RestoreOptions{}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	restored := open(t, dbPath, sqlite.Options{})
	if res, err := restored.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("IntegrityCheck: %q, %v", res, err)
	}
	if n := orgCount(t, dbPath); n != want {
		t.Errorf("the restored database has %d organizations, want the %d its backup read as", n, want)
	}
}
