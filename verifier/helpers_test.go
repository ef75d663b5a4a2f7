package verifier

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
	"github.com/go-jose/go-jose/v4"
)

const (
	testEnv = "3e0b5a3c-6f4e-4f4b-9d1a-1c2b3d4e5f60"
	testAud = "https://app.example.com"
	testIss = "app.dynamic.xyz/" + testEnv
)

// t0 is the test clock's start; tokens are minted relative to it.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type testKey struct {
	kid  string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

func (k testKey) jwk() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

type fixtures struct {
	rsa, ec, ed           testKey
	foreignRSA, foreignEC testKey // not published; same kids as rsa and ec
}

// keys generates the key pairs once: RSA generation is slow on busy cores.
var keys = sync.OnceValue(func() fixtures {
	must := func(k crypto.Signer, err error) crypto.Signer {
		if err != nil {
			panic(err)
		}
		return k
	}
	rsaKey := func() crypto.Signer { return must(rsa.GenerateKey(rand.Reader, 2048)) }
	ecKey := func() crypto.Signer { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) }
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return fixtures{
		rsa:        testKey{"kid-rsa", jose.RS256, rsaKey()},
		ec:         testKey{"kid-ec", jose.ES256, ecKey()},
		ed:         testKey{"kid-ed", jose.EdDSA, edPriv},
		foreignRSA: testKey{"kid-rsa", jose.RS256, rsaKey()},
		foreignEC:  testKey{"kid-ec", jose.ES256, ecKey()},
	}
})

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// jwksServer publishes a key set and counts fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64

	mu           sync.Mutex
	set          jose.JSONWebKeySet
	cacheControl string
	status       int
	body         []byte        // if set, served instead of the key set
	gate         chan struct{} // if set, requests wait for it to close
	arrived      chan struct{} // if set, signalled on each request
}

func newJWKSServer(t *testing.T, keys ...testKey) *jwksServer {
	t.Helper()
	s := &jwksServer{cacheControl: "public, max-age=300", status: http.StatusOK}
	s.publish(keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) publish(keys ...testKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set = jose.JSONWebKeySet{}
	for _, k := range keys {
		s.set.Keys = append(s.set.Keys, k.jwk())
	}
}

func (s *jwksServer) configure(f func(s *jwksServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.fetches.Add(1)
	s.mu.Lock()
	gate, arrived, status, cc, body := s.gate, s.arrived, s.status, s.cacheControl, s.body
	if body == nil {
		body, _ = json.Marshal(s.set)
	}
	s.mu.Unlock()
	if arrived != nil {
		arrived <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *jwksServer) url() string { return s.URL + "/api/v0/sdk/" + testEnv + "/.well-known/jwks" }

func newVerifier(t *testing.T, srv *jwksServer, clk *clock, mods ...func(*Config)) *Verifier {
	t.Helper()
	cfg := Config{JWKSURL: srv.url(), EnvironmentID: testEnv, Now: clk.Now, HTTPClient: srv.Client()}
	for _, m := range mods {
		m(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// minified is a valid minified claim set for k at now.
func minified(k testKey, now time.Time) session.Minified {
	return session.Minified{
		Kid: k.kid, Aud: testAud, Iss: testIss, Sub: "user-1", Sid: "sess-1",
		Iat: now.Unix(), Exp: now.Add(time.Hour).Unix(), RefreshExp: now.Add(30 * 24 * time.Hour).Unix(),
		EnvironmentID: testEnv, LastVerifiedCredentialID: "cred-1", Scope: session.ScopeUserBasic, Roles: []string{},
	}
}

// mint signs claims with k as the server does: kid and typ in the header.
func mint(t *testing.T, k testKey, claims any) string {
	t.Helper()
	return signWith(t, jose.SigningKey{Algorithm: k.alg, Key: k.priv}, k.kid, claims)
}

func signWith(t *testing.T, key jose.SigningKey, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatalf("marshal claims: %v", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatalf("serialize: %v", err)
	}
	return out
}

// mintMod mints a minified token for k at now after applying mod.
func mintMod(t *testing.T, k testKey, now time.Time, mod func(*session.Minified)) string {
	t.Helper()
	c := minified(k, now)
	if mod != nil {
		mod(&c)
	}
	return mint(t, k, c)
}
