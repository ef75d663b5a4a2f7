package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
)

// TestRestartsMintOneOwnerToken starts the example five times on one
// directory: it seeds and prints the owner token once, and the database
// ends with exactly one token.
func TestRestartsMintOneOwnerToken(t *testing.T) {
	dir := t.TempDir()
	var first *dynamicauth.IDs
	for i := range 5 {
		var out bytes.Buffer
		a, err := start(t.Context(), dir, &out, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if printed := strings.Contains(out.String(), "owner API token"); printed != (i == 0) {
			t.Errorf("start %d printed an owner token: %v\n%s", i, printed, out.String())
		}
		if first == nil {
			first = a.ids
		} else if *a.ids != *first {
			t.Errorf("start %d: ids %+v, want %+v", i, a.ids, first)
		}
		toks, err := a.auth.Tenants().ListTokens(t.Context(), dynamicauth.System(a.ids.OrganizationID), a.ids.EnvironmentID)
		if err != nil || len(toks) != 1 {
			t.Fatalf("start %d: %d tokens (%v), want 1", i, len(toks), err)
		}
		a.close()
	}
}

// TestMountedUnderPrefix checks the embedding pattern: the app's route,
// the auth API under /auth and both probes answer from one mux.
func TestMountedUnderPrefix(t *testing.T) {
	a, err := start(t.Context(), t.TempDir(), io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	srv := httptest.NewServer(a.handler)
	defer srv.Close()
	for path, want := range map[string]string{
		"/": "my app", "/healthz": `"status":"ok"`, "/readyz": `"status":"ok"`,
		"/auth/api/v0/sdk/" + a.ids.EnvironmentID + "/nonce": `"nonce"`,
	} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, body)
		}
	}
	res, err := http.Get(srv.URL + "/auth/api/v0/sdk/" + a.ids.EnvironmentID + "/.well-known/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct{ Keys []json.RawMessage }
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS under the prefix: %v %d keys", err, len(set.Keys))
	}
}
