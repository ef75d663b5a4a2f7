package signin_test

import (
	"context"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestWalletSignInBindsOrigin: with an Origin header the signed domain must
// be the Origin's host, and the Origin (which becomes aud) must be an
// allowed origin of the environment: a page on one site cannot sign a user
// in with a message made for another, nor choose its token's audience.
func TestWalletSignInBindsOrigin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := newKey(t)
	address := crypto.PubkeyToAddress(key.PublicKey).Hex()
	signIn := func(envID, domain, uri, origin string) (*signin.Result, error) {
		m := f.message(key, f.nonce(t, envID))
		m.domain, m.uri, m.requestID = domain, uri, envID
		req := f.request(address, m.String(), personalSign(t, key, m.String()))
		req.EnvironmentID, req.Origin = envID, origin
		return f.svc.WalletSignIn(ctx, req)
	}
	refused := func(what string, res *signin.Result, err error) {
		t.Helper()
		var e *errs.E
		if !errorsAs(err, &e) || e.Kind != errs.KindUnprocessable || e.Code != "other_verify_failure" {
			aud := ""
			if res != nil {
				aud = res.Tokens.MinifiedJWT
			}
			t.Errorf("%s: err %v (token %.20s…), want 422 other_verify_failure", what, err, aud)
		}
	}
	audOf := func(what string, envID, domain, uri, origin string) string {
		t.Helper()
		res, err := signIn(envID, domain, uri, origin)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		claims, _, err := f.sessions.Authenticate(ctx, res.Session.EnvironmentID, res.Tokens.MinifiedJWT)
		if err != nil {
			t.Fatal(err)
		}
		return claims.Aud
	}

	// Sandbox without origins: localhost pages only.
	sb := f.ids.EnvironmentID
	res, err := signIn(sb, "localhost:3000", "http://localhost:3000/", "https://evil.example")
	refused("Origin of another site", res, err)
	res, err = signIn(sb, "localhost:3000", "http://localhost:3000/", "http://localhost:4000")
	refused("Origin on another port than the signed domain", res, err)
	res, err = signIn(sb, "localhost:3000", "http://localhost:3000/", "null")
	refused("opaque Origin", res, err)
	if aud := audOf("matching Origin", sb, "localhost:3000", "http://localhost:3000/", "http://localhost:3000"); aud != "http://localhost:3000" {
		t.Errorf("aud %q, want the Origin", aud)
	}
	if aud := audOf("no Origin (a server)", sb, "localhost:3000", "http://localhost:3000/", ""); aud != "http://localhost:3000" {
		t.Errorf("aud %q, want the signed URI's origin", aud)
	}

	// Live with a registered https origin: the scheme counts too.
	live := f.ids.LiveEnvironmentID
	if err := f.store.AddOrigin(ctx, &tenant.Origin{ID: "0b6f4f0e-8c55-4d4e-9b1e-6b2f2d7c9a01", EnvironmentID: live,
		Origin: "https://app.example", CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}, tenant.MaxOrigins); err != nil {
		t.Fatal(err)
	}
	res, err = signIn(live, "app.example", "https://app.example/", "http://app.example")
	refused("Origin with a scheme that is not allowed", res, err)
	res, err = signIn(live, "app.example", "https://app.example/", "https://evil.example")
	refused("Origin of another site on live", res, err)
	if aud := audOf("registered Origin", live, "app.example", "https://app.example/", "https://app.example"); aud != "https://app.example" {
		t.Errorf("aud %q, want https://app.example", aud)
	}

	// A refresh from another site keeps the session's audience.
	res, err = signIn(sb, "localhost:3000", "http://localhost:3000/", "http://localhost:3000")
	if err != nil {
		t.Fatal(err)
	}
	cur, err := f.svc.Authenticate(ctx, sb, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	for _, origin := range []string{"https://evil.example", "http://localhost:4000"} {
		ref, err := f.svc.Refresh(ctx, cur, nil, "auth.test", origin)
		if err != nil {
			t.Fatal(err)
		}
		claims, _, err := f.sessions.Authenticate(ctx, sb, ref.Tokens.MinifiedJWT)
		if err != nil {
			t.Fatal(err)
		}
		if want := "http://localhost:3000"; claims.Aud != want && origin == "https://evil.example" {
			t.Errorf("refresh with Origin %s: aud %q, want %q", origin, claims.Aud, want)
		}
	}
}

// TestWalletSignInBindsScheme: a message that names its scheme (EIP-4361
// "scheme://domain wants you to sign in") was made for that origin, and a
// wallet tells http://app.example from https://app.example: it signs in
// only where scheme://domain is an allowed origin, and where a browser
// sends an Origin, only from a page of that scheme.
func TestWalletSignInBindsScheme(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := newKey(t)
	address := crypto.PubkeyToAddress(key.PublicKey).Hex()
	live := f.ids.LiveEnvironmentID
	if err := f.store.AddOrigin(ctx, &tenant.Origin{ID: "0b6f4f0e-8c55-4d4e-9b1e-6b2f2d7c9a02", EnvironmentID: live,
		Origin: "https://app.example", CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}, tenant.MaxOrigins); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, header, origin string
		ok                   bool
	}{
		{"no scheme", "app.example", "", true},
		{"no scheme, https page", "app.example", "https://app.example", true},
		{"https", "https://app.example", "", true},
		{"https, https page", "https://app.example", "https://app.example", true},
		{"https, default port", "https://app.example", "https://app.example:443", true},
		// made for a page on plain http (a network attacker's copy of
		// the site), whose origin the environment does not allow
		{"http", "http://app.example", "", false},
		{"http, sent from the https page", "http://app.example", "https://app.example", false},
		{"another scheme", "ftp://app.example", "", false},
	} {
		m := f.message(key, f.nonce(t, live))
		m.domain, m.uri, m.requestID = c.header, "https://app.example/", live
		req := f.request(address, m.String(), personalSign(t, key, m.String()))
		req.EnvironmentID, req.Origin = live, c.origin
		_, err := f.svc.WalletSignIn(ctx, req)
		var e *errs.E
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v, want signed in", c.name, err)
		case !c.ok && (!errorsAs(err, &e) || e.Kind != errs.KindUnprocessable || e.Code != "other_verify_failure"):
			t.Errorf("%s: err %v, want 422 other_verify_failure", c.name, err)
		}
	}
}
