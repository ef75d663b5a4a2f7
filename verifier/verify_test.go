package verifier

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
	"github.com/go-jose/go-jose/v4"
)

func TestVerifyValidPerAlgorithm(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa, k.ec, k.ed)
	clk := newClock()
	v := newVerifier(t, srv, clk)
	for _, key := range []testKey{k.rsa, k.ec, k.ed} {
		t.Run(string(key.alg), func(t *testing.T) {
			c, err := v.Verify(context.Background(), mintMod(t, key, clk.Now(), nil))
			if err != nil {
				t.Fatalf("minified: %v", err)
			}
			if c.Sub != "user-1" || c.Sid != "sess-1" || c.Kid != key.kid || c.EnvironmentID != testEnv {
				t.Errorf("claims = %+v", c.Minified)
			}
			if !c.ExpiresAt().Equal(clk.Now().Add(time.Hour)) {
				t.Errorf("ExpiresAt = %v", c.ExpiresAt())
			}
			full := session.Full{Minified: minified(key, clk.Now()), NewUser: true, Lists: []string{"vip"},
				VerifiedCredentials: []session.Credential{{ID: "cred-1", Format: "email", Email: "a@example.com"}}}
			c, err = v.Verify(context.Background(), mint(t, key, full))
			if err != nil {
				t.Fatalf("full: %v", err)
			}
			if !c.NewUser || len(c.VerifiedCredentials) != 1 || c.VerifiedCredentials[0].Email != "a@example.com" {
				t.Errorf("full claims = %+v", c.Full)
			}
		})
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
}

func TestVerifyWithinLeeway(t *testing.T) {
	k := keys()
	clk := newClock()
	v := newVerifier(t, newJWKSServer(t, k.rsa), clk)
	tok := mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) {
		c.Exp = clk.Now().Add(-10 * time.Second).Unix()
		c.Iat = clk.Now().Add(20 * time.Second).Unix()
	})
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	k := keys()
	clk := newClock()
	now := clk.Now()
	v := newVerifier(t, newJWKSServer(t, k.rsa, k.ec, k.ed), clk)
	valid := mintMod(t, k.rsa, now, nil)

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"expired", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Exp = now.Add(-31 * time.Second).Unix() }), ErrExpired},
		{"iat in future", mintMod(t, k.ec, now, func(c *session.Minified) { c.Iat = now.Add(2 * time.Minute).Unix() }), ErrNotYetValid},
		{"nbf in future", mint(t, k.ed, map[string]any{"kid": k.ed.kid, "sub": "u", "sid": "s", "exp": now.Add(time.Hour).Unix(),
			"nbf": now.Add(time.Hour).Unix(), "environment_id": testEnv, "scope": "user:basic"}), ErrNotYetValid},
		{"tampered payload", tamper(t, valid), ErrInvalidSignature},
		{"foreign RSA key, same kid", mintMod(t, k.foreignRSA, now, nil), ErrInvalidSignature},
		{"foreign EC key, same kid", mintMod(t, k.foreignEC, now, nil), ErrInvalidSignature},
		{"ES256 header on RSA kid", signWith(t, jose.SigningKey{Algorithm: jose.ES256, Key: k.ec.priv}, k.rsa.kid, minified(k.rsa, now)), ErrInvalidSignature},
		{"EdDSA header on EC kid", signWith(t, jose.SigningKey{Algorithm: jose.EdDSA, Key: k.ed.priv}, k.ec.kid, minified(k.ec, now)), ErrInvalidSignature},
		{"alg none", unsigned(t, k.rsa.kid, minified(k.rsa, now)), ErrMalformed},
		{"HS256 with RSA public key PEM as secret", signWith(t, jose.SigningKey{Algorithm: jose.HS256, Key: publicPEM(t, k.rsa)}, k.rsa.kid, minified(k.rsa, now)), ErrMalformed},
		{"wrong environment", mintMod(t, k.rsa, now, func(c *session.Minified) { c.EnvironmentID = "other-env" }), ErrWrongEnvironment},
		{"MFA pending scope", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Scope = "requiresAdditionalAuth" }), ErrMissingScope},
		{"no scope", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Scope = "" }), ErrMissingScope},
		{"scope prefix only", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Scope = "user:basically" }), ErrMissingScope},
		{"payload kid differs from header", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Kid = k.ec.kid }), ErrMalformed},
		{"no sid", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Sid = "" }), ErrMalformed},
		{"no exp", mintMod(t, k.rsa, now, func(c *session.Minified) { c.Exp = 0 }), ErrMalformed},
		{"no kid header", signWith(t, jose.SigningKey{Algorithm: jose.RS256, Key: k.rsa.priv}, "", minified(k.rsa, now)), ErrMalformed},
		{"garbage", "not.a.jwt", ErrMalformed},
		{"empty", "", ErrMalformed},
		{"JSON serialization", `{"payload":"e30","signatures":[]}`, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if c != nil {
				t.Errorf("claims returned with error: %+v", c)
			}
		})
	}
}

func TestVerifyAudienceAndIssuer(t *testing.T) {
	k := keys()
	clk := newClock()
	v := newVerifier(t, newJWKSServer(t, k.rsa), clk, func(c *Config) {
		c.Audience = []string{"https://other.example.com", testAud}
		c.Issuer = testIss
	})
	if _, err := v.Verify(context.Background(), mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
		t.Fatalf("allowed audience: %v", err)
	}
	wrongAud := mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) { c.Aud = "https://evil.example.com" })
	if _, err := v.Verify(context.Background(), wrongAud); !errors.Is(err, ErrWrongAudience) {
		t.Errorf("wrong aud: err = %v", err)
	}
	wrongIss := mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) { c.Iss = "app.dynamic.xyz/other" })
	if _, err := v.Verify(context.Background(), wrongIss); !errors.Is(err, ErrWrongIssuer) {
		t.Errorf("wrong iss: err = %v", err)
	}
}

// TestVerifyAcceptIssuer: an iss outside Issuer and OtherIssuers goes to
// AcceptIssuer; its no refuses as a wrong issuer, its error as
// unavailable (never as accepted), and Issuer itself is not asked.
func TestVerifyAcceptIssuer(t *testing.T) {
	k := keys()
	clk := newClock()
	var asked []string
	v := newVerifier(t, newJWKSServer(t, k.rsa), clk, func(c *Config) {
		c.Issuer = testIss
		c.AcceptIssuer = func(_ context.Context, iss string) (bool, error) {
			asked = append(asked, iss)
			switch iss {
			case "login.customer.example/env":
				return true, nil
			case "flaky.example/env":
				return false, errors.New("store down")
			}
			return false, nil
		}
	})
	if _, err := v.Verify(context.Background(), mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
		t.Fatalf("the configured issuer: %v", err)
	}
	if len(asked) != 0 {
		t.Fatalf("AcceptIssuer asked about the configured issuer: %v", asked)
	}
	for iss, want := range map[string]error{
		"login.customer.example/env": nil,
		"evil.example/env":           ErrWrongIssuer,
		"flaky.example/env":          ErrUnavailable,
	} {
		tok := mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) { c.Iss = iss })
		if _, err := v.Verify(context.Background(), tok); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("iss %s: err = %v, want %v", iss, err, want)
		}
	}
}

func TestVerifyRevocation(t *testing.T) {
	k := keys()
	clk := newClock()
	var asked []string
	checker := RevocationFunc(func(_ context.Context, sid string) (bool, error) {
		asked = append(asked, sid)
		switch sid {
		case "sess-revoked":
			return true, nil
		case "sess-broken":
			return false, errors.New("revocation backend down")
		}
		return false, nil
	})
	v := newVerifier(t, newJWKSServer(t, k.rsa), clk, func(c *Config) { c.Revoked = checker })
	withSid := func(sid string) string {
		return mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) { c.Sid = sid })
	}
	if _, err := v.Verify(context.Background(), withSid("sess-live")); err != nil {
		t.Fatalf("live session: %v", err)
	}
	if _, err := v.Verify(context.Background(), withSid("sess-revoked")); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked: err = %v", err)
	}
	if _, err := v.Verify(context.Background(), withSid("sess-broken")); !errors.Is(err, ErrUnavailable) {
		t.Errorf("checker failure: err = %v, want fail closed with ErrUnavailable", err)
	}
	if strings.Join(asked, ",") != "sess-live,sess-revoked,sess-broken" {
		t.Errorf("asked = %v", asked)
	}
}

func TestClaimsHelpers(t *testing.T) {
	c := &Claims{Full: session.Full{Minified: session.Minified{Scope: "a user:basic  b", Exp: 1700000000}}}
	for s, want := range map[string]bool{"user:basic": true, "a": true, "b": true, "user": false, "": false} {
		if got := c.HasScope(s); got != want {
			t.Errorf("HasScope(%q) = %v, want %v", s, got, want)
		}
	}
	if !c.ExpiresAt().Equal(time.Unix(1700000000, 0)) {
		t.Errorf("ExpiresAt = %v", c.ExpiresAt())
	}
}

// tamper swaps the payload for one with a different sub, keeping the
// original signature.
func tamper(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	claims["sub"] = "admin"
	raw, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// unsigned builds an alg "none" token by hand (go-jose will not).
func unsigned(t *testing.T, kid string, claims any) string {
	t.Helper()
	hdr, _ := json.Marshal(map[string]string{"alg": "none", "kid": kid, "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
}

func publicPEM(t *testing.T, k testKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestVerifyRequireMFA(t *testing.T) {
	k := keys()
	clk := newClock()
	v := newVerifier(t, newJWKSServer(t, k.rsa), clk, func(c *Config) { c.RequireMFA = true })
	for _, tc := range []struct {
		name string
		mod  func(*session.Minified)
		want error
	}{
		{"first factor only", func(c *session.Minified) { c.AMR = []string{"wallet"} }, ErrMFARequired},
		{"no amr", func(c *session.Minified) { c.AMR = nil }, ErrMFARequired},
		{"pending", func(c *session.Minified) { c.Scope, c.AMR = "requiresAdditionalAuth", []string{"wallet", "totp"} }, ErrMissingScope},
		{"second factor passed", func(c *session.Minified) { c.AMR = []string{"wallet", "totp"} }, nil},
	} {
		c, err := v.Verify(context.Background(), mintMod(t, k.rsa, clk.Now(), tc.mod))
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if err == nil && !c.MFAComplete() {
			t.Fatalf("%s: claims do not say MFA-complete", tc.name)
		}
	}
}
