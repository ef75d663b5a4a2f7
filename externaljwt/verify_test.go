package externaljwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/go-jose/go-jose/v4"
)

// idp is an application's auth system: keys it signs with and the JWKS
// endpoint it publishes them at.
type idp struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []jose.JSONWebKey // private
	fetches atomic.Int32
}

func newIDP(t *testing.T) *idp {
	p := &idp{t: t}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		var set jose.JSONWebKeySet
		for _, k := range p.keys {
			set.Keys = append(set.Keys, k.Public())
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) addRSA(kid string) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.keys = append(p.keys, jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: "RS256", Use: "sig"})
	p.mu.Unlock()
	return k
}

func (p *idp) addEC(kid string) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.keys = append(p.keys, jose.JSONWebKey{Key: k, KeyID: kid, Use: "sig"})
	p.mu.Unlock()
	return k
}

// handMade builds a token whose header and signature the attacker chooses.
func handMade(header, claims map[string]any, sig func(signingInput string) []byte) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(header) + "." + enc(claims)
	return in + "." + base64.RawURLEncoding.EncodeToString(sig(in))
}

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func setup(t *testing.T) (*idp, *Verifier, *clock, Config) {
	p := newIDP(t)
	clk := &clock{now: t0}
	v := New(Deps{Now: clk.Now, MinRefresh: time.Minute, AllowPrivate: true})
	cfg := Config{Enabled: true, Issuer: "https://auth.example.com", Audience: "my-app", JWKSURL: p.srv.URL}
	return p, v, clk, cfg
}

func claims(over map[string]any) map[string]any {
	c := map[string]any{"iss": "https://auth.example.com", "aud": "my-app", "sub": "user-42",
		"exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "email": "Ada@Example.com", "email_verified": true}
	for k, v := range over {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func TestVerifyAcceptsATokenSignedByAJWKSKey(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	ek := p.addEC("e1")
	for name, tok := range map[string]string{
		"RS256": externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil)),
		"ES256": externaljwttest.Sign(t, jose.ES256, ek, "e1", claims(map[string]any{"aud": []string{"other", "my-app"}})),
	} {
		id, err := v.Verify(context.Background(), cfg, tok)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if id.Subject != "user-42" || id.Issuer != cfg.Issuer || id.Email != "ada@example.com" || !id.EmailVerified {
			t.Fatalf("%s: identity %+v", name, id)
		}
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times, want 1 (cached)", n)
	}
}

func TestVerifyRefusals(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	cases := []struct {
		name, token, reason string
	}{
		{"expired", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"exp": t0.Add(-time.Minute).Unix()})), "exp: expired"},
		{"no exp", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"exp": nil})), "exp: missing"},
		{"not yet valid", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"nbf": t0.Add(time.Hour).Unix()})), "nbf: not valid before"},
		{"issued in the future", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"iat": t0.Add(time.Minute).Unix()})), "iat: issued in the future"},
		{"iat in milliseconds", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"iat": t0.UnixMilli()})), "iat: issued in the future"},
		{"exp in milliseconds", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"exp": t0.Add(time.Hour).UnixMilli()})), "exp: more than"},
		{"valid for ten years", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"exp": t0.AddDate(10, 0, 0).Unix()})), "exp: more than"},
		{"foreign issuer", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"iss": "https://evil.example"})), "iss:"},
		{"wrong audience", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"aud": "other-app"})), "aud:"},
		{"no sub", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"sub": nil})), "sub: missing"},
		{"sub too long", externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"sub": strings.Repeat("s", 256)})), "sub: longer than 255 bytes"},
		{"signed by another key", externaljwttest.Sign(t, jose.RS256, otherKey, "r1", claims(nil)), "signature:"},
		{"unknown kid", externaljwttest.Sign(t, jose.RS256, otherKey, "r9", claims(nil)), `kid "r9"`},
		{"alg none", handMade(map[string]any{"alg": "none", "kid": "r1"}, claims(nil), func(string) []byte { return nil }), "alg none"},
		{"HS256 with the public key", handMade(map[string]any{"alg": "HS256", "kid": "r1"}, claims(nil), func(in string) []byte {
			m := hmac.New(sha256.New, pubDER)
			m.Write([]byte(in))
			return m.Sum(nil)
		}), "alg HS256: symmetric"},
		{"alg not allowed", externaljwttest.Sign(t, jose.RS512, rk, "r1", claims(nil)), "alg RS512: not among"},
		{"garbage", "not.a.jwt", "jwt:"},
	}
	cfg.Algorithms = []string{"RS256", "ES256"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), cfg, c.token)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("error %q does not say %q", err, c.reason)
			}
			res := v.Check(context.Background(), cfg, c.token)
			if res.Valid || len(res.Errors) == 0 || !strings.Contains(strings.Join(res.Errors, "|"), c.reason) {
				t.Fatalf("check %+v does not explain %q", res, c.reason)
			}
		})
	}
}

func TestCheckListsEveryClaimFailure(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	tok := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"iss": "x", "aud": "y", "exp": t0.Add(-time.Hour).Unix()}))
	res := v.Check(context.Background(), cfg, tok)
	if res.Valid || len(res.Errors) != 3 {
		t.Fatalf("check = %+v, want three reasons (iss, aud, exp)", res)
	}
	if ok := v.Check(context.Background(), cfg, externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil))); !ok.Valid || len(ok.Errors) != 0 {
		t.Fatalf("valid token: %+v", ok)
	}
}

func TestUnknownKidRefreshesOnceThenRespectsTheFloor(t *testing.T) {
	p, v, clk, cfg := setup(t)
	rk := p.addRSA("r1")
	ctx := context.Background()
	if _, err := v.Verify(ctx, cfg, externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil))); err != nil {
		t.Fatal(err)
	}
	// The application rotates its key: the first token naming the new kid
	// makes the cache fetch the set again and succeeds.
	clk.advance(2 * time.Minute)
	nk := p.addRSA("r2")
	if _, err := v.Verify(ctx, cfg, externaljwttest.Sign(t, jose.RS256, nk, "r2", claims(nil))); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
	// A flood of made-up kids right after costs no further fetches.
	for i := 0; i < 20; i++ {
		if _, err := v.Verify(ctx, cfg, externaljwttest.Sign(t, jose.RS256, nk, "bogus", claims(nil))); err == nil {
			t.Fatal("unknown kid accepted")
		}
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches after unknown kids = %d, want 2 (floor)", n)
	}
	// Past the floor, one unknown kid may refresh again: exactly once.
	clk.advance(2 * time.Minute)
	_, _ = v.Verify(ctx, cfg, externaljwttest.Sign(t, jose.RS256, nk, "bogus", claims(map[string]any{"exp": t0.Add(2 * time.Hour).Unix()})))
	if n := p.fetches.Load(); n != 3 {
		t.Fatalf("fetches after the floor = %d, want 3", n)
	}
}

// TestStaleKeysServeADayAtMost: while the JWKS endpoint fails, the last
// key set keeps verifying, but not past a day after it was fetched: a key
// the application withdrew would otherwise verify for as long as the
// endpoint stays down.
func TestStaleKeysServeADayAtMost(t *testing.T) {
	p, v, clk, cfg := setup(t)
	rk := p.addRSA("r1")
	ctx := context.Background()
	token := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"exp": t0.Add(72 * time.Hour).Unix()}))
	if _, err := v.Verify(ctx, cfg, token); err != nil {
		t.Fatal(err)
	}
	p.srv.Close() // the endpoint goes down
	clk.advance(2 * time.Hour)
	if _, err := v.Verify(ctx, cfg, token); err != nil {
		t.Fatalf("two hours into the outage: %v", err)
	}
	clk.advance(23 * time.Hour)
	if _, err := v.Verify(ctx, cfg, token); err == nil {
		t.Fatal("a key set fetched 25 hours ago still verified")
	}
}

// TestEncryptionKeysDoNotVerify: a key the set publishes for encryption
// ("use": "enc") verifies no signature.
func TestEncryptionKeysDoNotVerify(t *testing.T) {
	p, v, _, cfg := setup(t)
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.keys = append(p.keys, jose.JSONWebKey{Key: k, KeyID: "e1", Algorithm: "RS256", Use: "enc"})
	p.mu.Unlock()
	if _, err := v.Verify(context.Background(), cfg, externaljwttest.Sign(t, jose.RS256, k, "e1", claims(nil))); err == nil {
		t.Fatal("a token signed with an encryption key verified")
	}
}

func TestAssumeEmailVerified(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	ctx := context.Background()
	cfg.AssumeEmailVerified = true
	missing := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"email_verified": nil}))
	explicitFalse := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"email_verified": false}))
	if id, _ := v.Verify(ctx, cfg, missing); id == nil || !id.EmailVerified {
		t.Fatalf("missing claim with assumeEmailVerified: %+v", id)
	}
	if id, _ := v.Verify(ctx, cfg, explicitFalse); id == nil || id.EmailVerified {
		t.Fatalf("explicit false must win: %+v", id)
	}
	cfg.AssumeEmailVerified = false
	if id, _ := v.Verify(ctx, cfg, missing); id == nil || id.EmailVerified {
		t.Fatalf("missing claim without assumeEmailVerified: %+v", id)
	}
}

func TestSettingsAreValidated(t *testing.T) {
	_, v, _, _ := setup(t)
	for _, cfg := range []Config{{JWKSURL: "https://x/jwks"}, {Issuer: "i", JWKSURL: "file:///etc/passwd"}, {Issuer: "i", JWKSURL: "https://x", Algorithms: []string{"HS256"}},
		{Issuer: strings.Repeat("i", 1025), JWKSURL: "https://x"}, {Issuer: "i", Audience: strings.Repeat("a", 1025), JWKSURL: "https://x"},
		{Issuer: "i", JWKSURL: "https://x/" + strings.Repeat("j", 1025)},
		// over http a network attacker could hand over keys of their own
		{Issuer: "i", JWKSURL: "http://auth.example.com/jwks"}, {Issuer: "i", JWKSURL: "http://8.8.8.8/jwks"},
		{Issuer: "i", JWKSURL: "http://localhost.example.com/jwks"}, {Issuer: "i", JWKSURL: "http://127.0.0.1.nip.io/jwks"},
		{Issuer: "i", JWKSURL: "http://auth.internal.example/jwks"}} {
		if res := v.Check(context.Background(), cfg, "a.b.c"); res.Valid || !strings.HasPrefix(res.Errors[0], "settings:") {
			t.Fatalf("%+v: %+v", cfg, res)
		}
	}
	// http stays usable for an auth system on the operator's own network:
	// this machine, a private address, a container's name (docker compose).
	for _, u := range []string{"http://127.0.0.1:8080/jwks", "http://localhost:3000/jwks", "http://LOCALHOST/jwks", "http://[::1]:9/jwks",
		"http://127.1.2.3/jwks", "http://10.0.0.7/jwks", "http://192.168.1.20:8080/jwks", "http://[fd00::5]/jwks", "http://auth:3000/jwks"} {
		if err := (Config{Issuer: "i", JWKSURL: u}).Validate(); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	got, err := ConfigFromSettings([]byte(`{"security":{"externalAuth":{"enabled":true,"iss":"i","jwksUrl":"https://x/j","aud":"a","assumeEmailVerified":true}}}`))
	if err != nil || !got.Enabled || got.Issuer != "i" || got.Audience != "a" || !got.AssumeEmailVerified {
		t.Fatalf("%+v %v", got, err)
	}
}

// TestJWKSURLMustNotReachPrivateAddresses: an environment's admin picks
// the jwksUrl, and the server fetches it. Unless the operator allows
// private networks, it must not be made to reach this machine or its
// network (cloud metadata, internal services): the default client dials
// public addresses only, checked on the address actually dialled.
func TestJWKSURLMustNotReachPrivateAddresses(t *testing.T) {
	p, _, clk, cfg := setup(t)
	rk := p.addRSA("r1")
	tok := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil))
	_, port, err := net.SplitHostPort(strings.TrimPrefix(p.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{
		"loopback address":    "http://127.0.0.1:" + port + "/jwks",
		"name of loopback":    "http://localhost:" + port + "/jwks",
		"IPv6 loopback":       "http://[::1]:" + port + "/jwks",
		"unspecified address": "http://0.0.0.0:" + port + "/jwks",
	} {
		t.Run(name, func(t *testing.T) {
			v := New(Deps{Now: clk.Now})
			before := p.fetches.Load()
			c := cfg
			c.JWKSURL = url
			if _, err := v.Verify(context.Background(), c, tok); err == nil {
				t.Fatalf("a token verified with keys fetched from %s", url)
			}
			if n := p.fetches.Load() - before; n != 0 {
				t.Fatalf("the server fetched %s (%d requests)", url, n)
			}
		})
	}
	// The operator may allow it (an auth system on the same network).
	v := New(Deps{Now: clk.Now, AllowPrivate: true})
	if _, err := v.Verify(context.Background(), cfg, tok); err != nil {
		t.Fatalf("private addresses allowed: %v", err)
	}
}

// TestClaimTimesWithinTheLeeway: iat and nbf a little ahead (clock skew,
// within the leeway) and an exp a year away are accepted; a year and a
// leeway is the bound, and Deps.MaxLifetime moves it.
func TestClaimTimesWithinTheLeeway(t *testing.T) {
	p, v, clk, cfg := setup(t)
	rk := p.addRSA("r1")
	ctx := context.Background()
	for name, over := range map[string]map[string]any{
		"iat 20 s ahead":  {"iat": t0.Add(20 * time.Second).Unix()},
		"nbf 20 s ahead":  {"nbf": t0.Add(20 * time.Second).Unix()},
		"no iat":          {"iat": nil},
		"exp in 365 days": {"exp": t0.Add(365 * 24 * time.Hour).Unix()},
	} {
		if _, err := v.Verify(ctx, cfg, externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(over))); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The bound is on what is left of the token, whenever it was issued.
	long := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(map[string]any{"exp": t0.Add(400 * 24 * time.Hour).Unix()}))
	if _, err := v.Verify(ctx, cfg, long); err == nil {
		t.Fatal("a token valid for 400 days verified")
	}
	clk.advance(40 * 24 * time.Hour)
	if _, err := v.Verify(ctx, cfg, long); err != nil {
		t.Fatalf("the same token with 360 days left: %v", err)
	}
	week := New(Deps{Now: clk.Now, AllowPrivate: true, MaxLifetime: 7 * 24 * time.Hour})
	if _, err := week.Verify(ctx, cfg, long); err == nil || !strings.Contains(err.Error(), "exp: more than 7 days away") {
		t.Fatalf("MaxLifetime of a week: %v", err)
	}
}
