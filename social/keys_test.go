package social

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// keyedIssuer is an OpenID provider's discovery document naming jwksURL
// as its key set, and an ID token it signed with key (kid "k1").
func keyedIssuer(t *testing.T, jwksURL string, key *rsa.PrivateKey) (issuer, idToken string) {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": srv.URL, "jwks_uri": jwksURL,
			"authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	}))
	t.Cleanup(srv.Close)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := json.Marshal(map[string]any{"iss": srv.URL, "aud": "cid", "sub": "user-1", "nonce": "n1",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	idToken, err = jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, idToken
}

// serving is a key set endpoint serving key's public half as kid "k1".
func serving(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	return answering(t, http.StatusOK, string(set))
}

// TestKeysUnavailable: the provider's signing keys (its JWKS endpoint,
// read to check an ID token) down or answering 5xx fail the login as the
// provider's failure; an ID token the keys it served do not verify stays
// the user's refusal.
func TestKeysUnavailable(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + closedAddr(t) + "/keys"
	cases := []struct {
		name, jwksURL string
		want          error // nil: the login goes through
	}{
		{"keys served", serving(t, key), nil},
		{"keys endpoint down", down, ErrUnavailable},
		{"keys endpoint 503", answering(t, http.StatusServiceUnavailable, `{"error":"maintenance"}`), ErrUnavailable},
		{"token signed by a key not served", serving(t, other), ErrIDToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			issuer, raw := keyedIssuer(t, c.jwksURL, key)
			flow := New(Deps{States: NewMemoryStates(), AllowPrivate: true})
			d, _ := Describe(OIDC)
			d.Issuer = issuer
			s := Settings{Type: OIDC, ClientID: "cid", ClientSecret: "csecret", RedirectURL: testRedirect, Issuer: issuer}
			tok := (&oauth2.Token{AccessToken: "x"}).WithExtra(map[string]any{"id_token": raw})
			id, _, err := flow.fromIDToken(context.Background(), d, s, tok, "n1")
			switch c.want {
			case nil:
				if err != nil || id.AccountID != "user-1" {
					t.Fatalf("fromIDToken = %+v, %v; want user-1", id, err)
				}
			case ErrUnavailable:
				u, _ := url.Parse(c.jwksURL)
				wantUnavailable(t, c.name, err, "keys", u.Host)
			default:
				if !errors.Is(err, c.want) || errors.Is(err, ErrUnavailable) {
					t.Fatalf("fromIDToken: %v; want %v alone", err, c.want)
				}
			}
		})
	}
}
