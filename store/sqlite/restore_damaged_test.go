package sqlite_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// damage overwrites the first 100 bytes of the file at path (the
// database header) with garbage.
func damage(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 100), 0); err != nil {
		t.Fatal(err)
	}
}

// snapshot reads the files at the paths; a missing one reads as nil.
func snapshot(t *testing.T, paths ...string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestRestoreOverDamaged: a database whose header is garbage (what an
// operator restores over) is refused, unchanged, until the caller says
// it is damaged (RestoreOptions.Damaged); then the backup takes its
// place and the damaged file is kept as it was, with its -wal and -shm
// (which SQLite would otherwise fold into it) under the kept name.
func TestRestoreOverDamaged(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	for _, withWAL := range []bool{false, true} {
		t.Run(map[bool]string{false: "alone", true: "with its WAL"}[withWAL], func(t *testing.T) {
			ctx, dir := t.Context(), t.TempDir()
			dbPath, backup := seededBackup(t, dir, 3)
			if withWAL { // a crashed server's files: its commits in the WAL only
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
				for i, b := range snapshot(t, live, live+"-wal", live+"-shm") {
					if err := os.WriteFile(dbPath+[]string{"", "-wal", "-shm"}[i], b, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			damage(t, dbPath)
			files := []string{dbPath, dbPath + "-wal", dbPath + "-shm"}
			before := snapshot(t, files...)
			if withWAL && (len(before[1]) == 0 || len(before[2]) == 0) {
				t.Fatal("no -wal or -shm to keep")
			}

			_, err := sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{Now: now})
			if !errors.Is(err, sqlite.ErrDamaged) || !strings.Contains(err.Error(), "not a database") || !strings.Contains(err.Error(), "RestoreOptions.Damaged") {
				t.Fatalf("Restore over a damaged database, not told: %v; want ErrDamaged saying why and what to do", err)
			}
			for i, b := range snapshot(t, files...) {
				if !bytes.Equal(b, before[i]) {
					t.Errorf("%s changed by the refused restore", files[i])
				}
			}
			noStaged(t, dir, "*.before-restore-*")

			kept, err := sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{Now: now, Damaged: true})
			if err != nil {
				t.Fatalf("Restore over a damaged database: %v", err)
			}
			if want := dbPath + ".before-restore-20261207T090000.000Z"; kept != want {
				t.Errorf("kept %q, want %q", kept, want)
			}
			for i, b := range snapshot(t, kept, kept+"-wal", kept+"-shm") {
				if !bytes.Equal(b, before[i]) {
					t.Errorf("%s is not %s as it was", []string{kept, kept + "-wal", kept + "-shm"}[i], files[i])
				}
			}
			for _, stale := range files[1:] {
				if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s left beside the restored database (%v)", stale, err)
				}
			}
			if n := orgCount(t, dbPath); n != 3 {
				t.Errorf("restored: %d organizations, want the backup's 3", n)
			}
			noStaged(t, dir)
		})
	}
}

// TestRestoreOverDamagedInUse: told the database is damaged, Restore
// still refuses while a connection has it open (SQLite's locks sit at
// fixed offsets, whatever the file holds), changing nothing.
func TestRestoreOverDamagedInUse(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	dbPath, backup := seededBackup(t, dir, 2)
	s := openAhead(t, dbPath)
	defer s.Close()
	// The file is damaged, and read, through one descriptor held open
	// past the restore: closing any descriptor of the file would drop
	// the locks the store's connections hold (they are the process's).
	f, err := os.OpenFile(dbPath, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 100), 0); err != nil {
		t.Fatal(err)
	}
	held, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{Damaged: true})
	if !errors.Is(err, sqlite.ErrInUse) || !strings.Contains(err.Error(), "holds a lock on "+dbPath) {
		t.Fatalf("Restore over a damaged database in use: %v, want ErrInUse", err)
	}
	// (Its bytes are the store's to change: it checkpoints meanwhile.)
	if fi, err := os.Stat(dbPath); err != nil || !os.SameFile(fi, held) {
		t.Errorf("the database in use was replaced (%v)", err)
	}
	for _, name := range []string{dbPath + "-wal", dbPath + "-shm"} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("%s: %v after the refused restore", name, err)
		}
	}
	noStaged(t, dir, "*.before-restore-*")
}

// TestRestoreDamagedOptionOnSound: RestoreOptions.Damaged changes
// nothing for a sound database: it is locked and kept with its WAL
// folded in, as without it.
func TestRestoreDamagedOptionOnSound(t *testing.T) {
	ctx, dir := t.Context(), t.TempDir()
	dbPath, backup := seededBackup(t, dir, 2)
	s := openAhead(t, dbPath)
	if _, err := sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{Damaged: true}); !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("Restore while a store has the database open: %v, want ErrInUse", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	kept, err := sqlite.Restore(ctx, dbPath, backup, sqlite.RestoreOptions{Damaged: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := orgCount(t, kept); n != 3 {
		t.Errorf("the kept database has %d organizations, want 3", n)
	}
	for _, name := range []string{kept + "-wal", kept + "-shm", dbPath + "-wal", dbPath + "-shm"} {
		if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v, want none", name, err)
		}
	}
}
