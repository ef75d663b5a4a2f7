package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartWarnsOfFilesOthersCanRead: a database or master secret file
// that other users can read (copied with cp, restored from a backup, made
// under a loose umask) is named at start in a warning that says what to
// do; private files give no warning.
func TestStartWarnsOfFilesOthersCanRead(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "auth.db")
	secret := db + ".secret"
	start := func() string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"init", "--db", db, "--json"}, &stdout, &stderr); err != nil {
			t.Fatalf("init: %v\n%s", err, stderr.String())
		}
		return stderr.String()
	}
	start() // creates both files, 0600
	if log := start(); strings.Contains(log, "chmod 600") {
		t.Errorf("private files warned about:\n%s", log)
	}
	for _, f := range []string{db, secret} {
		if err := os.Chmod(f, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := start()
	for _, want := range []struct{ what, file string }{
		{"master secret file is readable by other users; chmod 600 it", secret},
		{"database file is readable by other users; chmod 600 it", db + " (0644)"},
	} {
		found := false
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "level=WARN") && strings.Contains(line, want.what) && strings.Contains(line, want.file) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning %q naming %s in:\n%s", want.what, want.file, log)
		}
	}
}
