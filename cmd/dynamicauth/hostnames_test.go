package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
)

// TestHostnamesVerify: a hostname added through the API's service stays
// pending (no issuer, no origin) until `hostnames verify` marks it
// active; --failed takes that back; unknown names and environments are
// errors that change nothing.
func TestHostnamesVerify(t *testing.T) {
	it := newImportTarget(t)
	env := it.creds.EnvironmentID
	ctx := context.Background()
	o := &options{db: it.db, secretFile: it.secretFile, sqliteSync: "FULL", signingAlg: "RS256", maxBodySize: 1 << 20}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// active reads the hostname's state as a server opening the database would.
	active := func() bool {
		t.Helper()
		auth, st, err := o.open(ctx, log)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ok, err := auth.EnvConfig().HostnameActive(ctx, env, "login.example.com:443")
		if err != nil {
			t.Fatal(err)
		}
		originOK, err := auth.EnvConfig().OriginActive(ctx, env, "https://login.example.com")
		if err != nil || originOK != ok {
			t.Fatalf("origin %v vs host %v (%v)", originOK, ok, err)
		}
		return ok
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.EnvConfig().AddHostname(ctx, env, "Login.Example.com", "cookies"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cmd := func(args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		all := append([]string{"hostnames"}, args...)
		all = append(all, "--db", it.db, "--secret-file", it.secretFile, "--log-level", "error")
		err := run(ctx, all, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	list := func() []hostnameLine {
		t.Helper()
		out, err := cmd("list", "--env", env, "--json")
		if err != nil {
			t.Fatalf("list: %v: %s", err, out)
		}
		var got []hostnameLine
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("list --json: %v: %q", err, out)
		}
		return got
	}

	if got := list(); len(got) != 1 || got[0].Hostname != "login.example.com" || got[0].Status != "pending" {
		t.Fatalf("before verify: %+v", got)
	}
	if active() {
		t.Fatal("a pending hostname is active")
	}
	for name, args := range map[string][]string{
		"unknown hostname":    {"verify", "--env", env, "--hostname", "other.example.com"},
		"unknown environment": {"verify", "--env", "00000000-0000-0000-0000-000000000000", "--hostname", "login.example.com"},
		"no hostname":         {"verify", "--env", env},
		"no environment":      {"list"},
		"unknown subcommand":  {"delete", "--env", env},
	} {
		if out, err := cmd(args...); err == nil {
			t.Errorf("%s: accepted: %s", name, out)
		}
	}
	if got := list(); got[0].Status != "pending" {
		t.Fatalf("a refused verify changed the status: %+v", got)
	}

	out, err := cmd("verify", "--env", env, "--hostname", "LOGIN.example.com")
	if err != nil || !strings.Contains(out, "login.example.com: active") {
		t.Fatalf("verify: %v: %s", err, out)
	}
	if !active() {
		t.Fatal("a verified hostname is not active")
	}
	text, err := cmd("list", "--env", env)
	if err != nil || !strings.Contains(text, "login.example.com") || !strings.Contains(text, "active") {
		t.Fatalf("list: %v: %s", err, text)
	}

	if out, err := cmd("verify", "--env", env, "--hostname", list()[0].ID, "--failed"); err != nil || !strings.Contains(out, "login.example.com: error") {
		t.Fatalf("verify --failed by id: %v: %s", err, out)
	}
	if active() {
		t.Fatal("a failed hostname is still active")
	}
}
