package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/secrets"
)

// TestResealCommand: the rotation the README gives. The secret file moved
// aside, reseal refuses to run before a server has made the new one (it
// never makes one); then it seals the database's keys under the new one,
// which alone opens them afterwards while the old one alone does not.
// Given a wrong previous secret, it fails and changes nothing.
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

	for _, args := range [][]string{{"reseal"}, {"reseal", "--previous-secret-file", old}} {
		if out, err := cli(args...); err == nil || !strings.Contains(err.Error(), "no master secret in "+secret) {
			t.Fatalf("%v without a current secret: %v\n%s", args, err, out)
		}
		if _, err := os.Stat(secret); !os.IsNotExist(err) {
			t.Fatalf("%v made a secret: %v", args, err)
		}
	}
	// What a restart with the old secret as previous does first.
	if _, _, err := secrets.LoadOrCreateFile(secret); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(dir, "wrong.secret")
	if err := os.WriteFile(wrong, []byte(strings.Repeat("A", 43)+"=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("reseal", "--previous-secret-file", wrong); err == nil {
		t.Fatalf("reseal with a wrong previous secret: %s", out)
	}
	if out, err := cli("keys", "rotate", "--env", ids.EnvironmentID); err == nil {
		t.Fatalf("the new secret alone before the reseal: %s", out)
	}
	// A command given the old secret as previous serves; its new key is
	// sealed under the new secret already.
	if out, err := cli("keys", "rotate", "--env", ids.EnvironmentID, "--previous-secret-file", old); err != nil {
		t.Fatalf("keys rotate with the old secret as previous: %v\n%s", err, out)
	}

	out, err = cli("reseal", "--previous-secret-file", old)
	if err != nil || !strings.Contains(out, "resealed 2 values under the current master secret (1 already were)") {
		t.Fatalf("reseal: %v\n%s", err, out)
	}
	if out, err := cli("reseal"); err != nil || !strings.Contains(out, "resealed 0 values under the current master secret (3 already were)") {
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
