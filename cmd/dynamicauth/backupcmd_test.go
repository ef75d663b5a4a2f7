package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestBackupCommand: `dynamicauth backup -o` copies the users, names the
// master secret the copy needs, never overwrites a file, never creates a
// database it was misdirected to, and sends PostgreSQL to pg_dump.
func TestBackupCommand(t *testing.T) {
	it := newImportTarget(t)
	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte("id,email\n,a@example.com\n,b@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := it.importUsers(t, file); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	backup := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"backup", "--log-level", "error"}, args...), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	dest := filepath.Join(t.TempDir(), "copy.db")
	out, err := backup("--db", it.db, "--secret-file", it.secretFile, "-o", dest)
	if err != nil || !strings.Contains(out, "backed up "+it.db+" to "+dest) || !strings.Contains(out, it.secretFile) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	cp := *it
	cp.db = dest
	want, got := it.records(t), cp.records(t)
	if len(got) != 2 || len(got) != len(want) {
		t.Fatalf("the copy holds %d users, the database %d", len(got), len(want))
	}
	for id, r := range want {
		if g, ok := got[id]; !ok || !reflect.DeepEqual(g, r) {
			t.Errorf("user %s in the copy: %+v, want %+v", id, got[id], r)
		}
	}

	before, _ := os.ReadFile(dest)
	if out, err := backup("--db", it.db, "-o", dest); err == nil || !strings.Contains(out+err.Error(), "already exists") {
		t.Errorf("a second backup onto the copy: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(dest); !bytes.Equal(before, after) {
		t.Error("a refused backup changed the copy")
	}

	missing := filepath.Join(t.TempDir(), "typo.db")
	if _, err := backup("--db", missing, "-o", filepath.Join(t.TempDir(), "x.db")); err == nil {
		t.Error("a backup of a missing database succeeded")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a backup of a missing database created it (%v)", err)
	}
	if _, err := backup("--db", "postgres://u@127.0.0.1:1/db", "-o", filepath.Join(t.TempDir(), "x.db")); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("a backup of PostgreSQL: %v", err)
	}
	if _, err := backup("--db", it.db); err == nil {
		t.Error("a backup without -o succeeded")
	}
}
