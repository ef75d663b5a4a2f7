package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// TestFilesArePrivate: the database and its WAL and shared-memory files
// hold password hashes' peers (token hashes, sealed keys, users' emails);
// they are created readable by their owner only, whatever the umask.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "auth.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s is created %04o, want 0600", filepath.Base(p), perm)
		}
	}
}

// TestReadableByOthers names the files a start-up warning must mention.
func TestReadableByOthers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if loose := sqlite.ReadableByOthers(path); len(loose) != 0 {
		t.Errorf("fresh files reported: %v", loose)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path+"-wal", 0o640); err != nil {
		t.Fatal(err)
	}
	if loose := sqlite.ReadableByOthers(path); len(loose) != 2 {
		t.Errorf("want the database and WAL files reported, got %v", loose)
	}
}
