package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/storetest"
)

var sharedNames atomic.Int64

// sharedURI is a shared in-memory database of its own for one test.
func sharedURI(t *testing.T) string {
	return fmt.Sprintf("file:%s-%d?mode=memory&cache=shared", strings.ReplaceAll(t.Name(), "/", "_"), sharedNames.Add(1))
}

// TestStoreContractSharedMemoryURI: a shared-cache in-memory URI, what
// tests of embedding apps pass, is a migrated store like a file.
func TestStoreContractSharedMemoryURI(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, sharedURI(t), sqlite.Options{}) })
}

// TestSharedMemoryURIsShareOneDatabase: stores opened on one shared URI
// see one database until the last closes; without cache=shared, or on
// another name, each store is a database of its own.
func TestSharedMemoryURIsShareOneDatabase(t *testing.T) {
	ctx := t.Context()
	uri := sharedURI(t)
	a, b := open(t, uri, sqlite.Options{}), open(t, uri, sqlite.Options{})
	if _, _, _, err := tenantService(a).Init(ctx); err != nil {
		t.Fatal(err)
	}
	if seeded, err := tenantService(b).Seeded(ctx); err != nil || !seeded {
		t.Fatalf("a second store on %s does not see the first one's seed (%v)", uri, err)
	}
	for _, other := range []string{"file::memory:", "file:" + t.Name() + "-private?mode=memory", sharedURI(t), "file::memory:?cache=shared"} {
		if seeded, err := tenantService(open(t, other, sqlite.Options{})).Seeded(ctx); err != nil || seeded {
			t.Errorf("%s sees the seed of %s (%v)", other, uri, err)
		}
	}

	// The database lives while a store is open on it.
	scratch := sharedURI(t)
	c, err := sqlite.Open(ctx, scratch, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := tenantService(c).Init(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	d := open(t, scratch, sqlite.Options{})
	if seeded, err := tenantService(d).Seeded(ctx); err != nil || seeded {
		t.Fatalf("a shared database outlived its last store (%v)", err)
	}
}

// TestFileURI: a "file:" URI opens the file it names, with its
// parameters, and leaves no file named after the URI.
func TestFileURI(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := open(t, "file:rel.db?_pragma=cache_size(-4000)", sqlite.Options{})
	if _, _, _, err := tenantService(s).Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "abs.db")
	open(t, "file://"+abs, sqlite.Options{})
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "-wal") && !strings.HasSuffix(e.Name(), "-shm") {
			names = append(names, e.Name())
		}
	}
	if strings.Join(names, " ") != "abs.db rel.db" {
		t.Fatalf("files made: %v, want abs.db rel.db", names)
	}
	if fi, err := os.Stat("rel.db"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("rel.db: %v %v, want mode 0600", fi, err)
	}
	if loose := sqlite.ReadableByOthers("file:rel.db"); len(loose) != 0 {
		t.Fatalf("ReadableByOthers(file:rel.db) = %v", loose)
	}
	os.Chmod("rel.db", 0o644)
	if loose := sqlite.ReadableByOthers("file:rel.db?cache=private"); len(loose) != 1 {
		t.Fatalf("ReadableByOthers after chmod 0644 = %v, want rel.db", loose)
	}
}

// TestBadURIs are refused with a clear error before anything is made.
func TestBadURIs(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, uri := range []string{"", "file:", "file://db.example.com/auth.db", "file::memory:?vfs=unix", "file:x?mode=memory&_pragma=foo(1)", "file:%zz"} {
		if s, err := sqlite.Open(t.Context(), uri, sqlite.Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", uri)
		} else if !strings.HasPrefix(err.Error(), "sqlite: ") {
			t.Errorf("Open(%q): %v", uri, err)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Fatalf("refused URIs left files: %v", entries)
	}
}
