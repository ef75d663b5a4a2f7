package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResealCommand: the rotation the README gives. The secret file moved
// aside, reseal makes a new one and seals the database's keys under it;
// afterwards the new secret alone opens them and the old one alone does
// not. Without a previous secret, reseal never makes a secret and only
// checks; given a wrong previous secret, it fails and changes nothing.
func TestResealCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "auth.db")
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(args, "--db", db, "--log-level", "error"), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := cli("init", "--json")
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	var ids struct{ EnvironmentID, LiveEnvironmentID string }
	if err := json.Unmarshal([]byte(out), &ids); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{ids.EnvironmentID, ids.LiveEnvironmentID} {
		if out, err := cli("keys", "rotate", "--env", env); err != nil {
			t.Fatalf("keys rotate: %v\n%s", err, out)
		}
	}
	secret, old := db+".secret", filepath.Join(dir, "old.secret")
	if err := os.Rename(secret, old); err != nil {
		t.Fatal(err)
	}

	if out, err := cli("reseal"); err == nil || !strings.Contains(err.Error(), "no master secret in "+secret) {
		t.Fatalf("reseal without any secret: %v\n%s", err, out)
	}
	if _, err := os.Stat(secret); !os.IsNotExist(err) {
		t.Fatalf("reseal without a previous secret made a secret: %v", err)
	}
	wrong := filepath.Join(dir, "wrong.secret")
	if err := os.WriteFile(wrong, []byte(strings.Repeat("A", 43)+"=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("reseal", "--secret-file", filepath.Join(dir, "new.secret"), "--previous-secret-file", wrong); err == nil {
		t.Fatalf("reseal with a wrong previous secret: %s", out)
	}

	out, err = cli("reseal", "--previous-secret-file", old)
	if err != nil || !strings.Contains(out, "resealed 2 values") {
		t.Fatalf("reseal: %v\n%s", err, out)
	}
	if _, err := os.Stat(secret); err != nil {
		t.Fatalf("reseal made no new secret: %v", err)
	}
	if out, err := cli("reseal"); err != nil || !strings.Contains(out, "resealed 0 values") {
		t.Fatalf("reseal under the new secret alone: %v\n%s", err, out)
	}
	if out, err := cli("keys", "rotate", "--env", ids.EnvironmentID, "--secret-file", old); err == nil ||
		!strings.Contains(err.Error(), "does not open this database's signing keys") {
		t.Fatalf("the old secret alone after the reseal: %v\n%s", err, out)
	}
	if out, err := cli("keys", "rotate", "--env", ids.EnvironmentID); err != nil {
		t.Fatalf("keys rotate under the new secret: %v\n%s", err, out)
	}
}
