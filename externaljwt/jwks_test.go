package externaljwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/go-jose/go-jose/v4"
)

// TestAbandonedRequestDoesNotBlockTheKeySet: a caller that hangs up while
// the JWKS is being fetched (its request's context ends) must not count
// as the set's fetch attempt: it was, and the floor between fetches then
// refused every other caller of the environment for a minute (a cold
// cache, or a rotated key), which anyone could repeat for free.
func TestAbandonedRequestDoesNotBlockTheKeySet(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	tok := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil))
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = v.Verify(gone, cfg, tok)
	if _, err := v.Verify(context.Background(), cfg, tok); err != nil {
		t.Fatalf("after a caller hung up, a good token is refused: %v", err)
	}
}

// TestSameKidOfAnotherKeyType: RFC 7517 §4.5 lets a set give one kid to
// keys of different types (equivalent alternatives); the token's alg picks
// the one that verifies it.
func TestSameKidOfAnotherKeyType(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.keys = append(p.keys, jose.JSONWebKey{Key: rk, KeyID: "k", Algorithm: "RS256", Use: "sig"},
		jose.JSONWebKey{Key: ek, KeyID: "k", Algorithm: "ES256", Use: "sig"})
	p.mu.Unlock()
	for alg, key := range map[jose.SignatureAlgorithm]any{jose.RS256: rk, jose.ES256: ek} {
		if _, err := v.Verify(context.Background(), cfg, externaljwttest.Sign(t, alg, key, "k", claims(nil))); err != nil {
			t.Errorf("%s token, kid shared with a key of another type: %v", alg, err)
		}
	}
}

// TestRefusalsHideTheJWKSURLsSecrets: a refusal is sent to whoever
// signs in, unauthenticated; a jwksUrl's user information and query (a
// key some providers take there) must not be in it, whether the fetch
// fails to connect, answers an error status or lacks the kid.
func TestRefusalsHideTheJWKSURLsSecrets(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	tok := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil))
	other := externaljwttest.Sign(t, jose.RS256, rk, "missing", claims(nil))
	host := strings.TrimPrefix(p.srv.URL, "http://")
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	for name, c := range map[string]struct{ url, tok string }{
		"unreachable":  {"http://ann:pw-secret@127.0.0.1:1/jwks?key=q-secret", tok},
		"error status": {"http://ann:pw-secret@" + strings.TrimPrefix(failing.URL, "http://") + "/jwks?key=q-secret", tok},
		"unknown kid":  {"http://ann:pw-secret@" + host + "/jwks?key=q-secret", other},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := cfg
			cfg.JWKSURL = c.url
			_, err := v.Verify(context.Background(), cfg, c.tok)
			if err == nil {
				t.Fatal("verified")
			}
			if msg := err.Error(); strings.Contains(msg, "secret") || strings.Contains(msg, "ann") {
				t.Fatalf("the refusal names the URL's secrets: %s", msg)
			}
		})
	}
}
