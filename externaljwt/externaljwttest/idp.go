// Package externaljwttest is an application's own auth system for tests
// of external-JWT sign-in: an RSA key published as a JWKS on loopback,
// and tokens signed with it.
package externaljwttest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Issuer and Audience are the iss and aud of Token's claims.
const (
	Issuer   = "https://app.example"
	Audience = "dynamic"
)

// IdP publishes its key set at URL (closed when the test ends).
type IdP struct {
	URL string
	key *rsa.PrivateKey
}

// New starts an IdP.
func New(t testing.TB) *IdP {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "app-1", Algorithm: "RS256", Use: "sig"}}})
	}))
	t.Cleanup(srv.Close)
	return &IdP{URL: srv.URL, key: k}
}

// Token is a JWT of user app-user-1 (ada@example.com, verified), valid
// for an hour, with the claims of over in place of those.
func (p *IdP) Token(t testing.TB, over map[string]any) string {
	t.Helper()
	c := map[string]any{"iss": Issuer, "aud": Audience, "sub": "app-user-1",
		"exp": time.Now().Add(time.Hour).Unix(), "email": "ada@example.com", "email_verified": true}
	for k, v := range over {
		c[k] = v
	}
	return Sign(t, jose.RS256, p.key, "app-1", c)
}

// Sign is a compact JWS of claims (anything encoding/json encodes; typ
// JWT, kid in the header) signed with key by alg.
func Sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}
