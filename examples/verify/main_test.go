package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/verifier"
	"github.com/go-jose/go-jose/v4"
)

const env = "0b6c2f5e-1d3a-4c8b-9e7f-a1b2c3d4e5f6"

// TestPrivateRoute runs the example app against an in-process key source,
// as a backend embedded next to the issuer could.
func TestPrivateRoute(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: priv.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}}}
	v, err := verifier.New(verifier.Config{Keys: verifier.StaticKeys(set), EnvironmentID: env})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(v))
	t.Cleanup(srv.Close)

	now := time.Now()
	claims := session.Minified{Kid: "k1", Sub: "user-42", Sid: "sess-42", Iat: now.Unix(), Exp: now.Add(time.Hour).Unix(),
		EnvironmentID: env, Scope: session.ScopeUserBasic, Email: "a@example.com", Roles: []string{}}
	token := externaljwttest.Sign(t, jose.ES256, priv, "k1", claims)

	resp := get(t, srv.URL+"/api/private", "Bearer "+token)
	if resp.status != http.StatusOK || resp.body["userId"] != "user-42" || resp.body["sessionId"] != "sess-42" ||
		resp.body["environmentId"] != env || resp.body["email"] != "a@example.com" {
		t.Errorf("valid token: %d %v", resp.status, resp.body)
	}

	resp = get(t, srv.URL+"/api/private", "")
	if resp.status != http.StatusUnauthorized || resp.body["error"] != "missing bearer token" {
		t.Errorf("no token: %d %v", resp.status, resp.body)
	}

	claims.EnvironmentID = "another-env"
	resp = get(t, srv.URL+"/api/private", "Bearer "+externaljwttest.Sign(t, jose.ES256, priv, "k1", claims))
	if resp.status != http.StatusUnauthorized || resp.body["error"] != "invalid token" {
		t.Errorf("other environment: %d %v", resp.status, resp.body)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	err := run(context.Background(), []string{"-jwks", "http://127.0.0.1:1/jwks"})
	if err == nil || !strings.Contains(err.Error(), "EnvironmentID") {
		t.Errorf("missing -env: err = %v", err)
	}
}

type response struct {
	status int
	body   map[string]any
}

func get(t *testing.T, url, auth string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return response{resp.StatusCode, body}
}
