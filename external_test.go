package dynamicauth_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestSignInExternalFromGo: an application that trusts its own JWTs
// checks them and signs their users in through the facade alone
// (CheckExternalJWT, SignInExternal): every failed check named, one user
// per sub, sessions the Verifier accepts, expired and foreign tokens
// refused, and another organization's principal kept out of the check.
func TestSignInExternalFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		idp := externaljwttest.New(t)
		enableExternalAuth(t, app, idp)

		good := idp.Token(t, nil)
		if r, err := app.CheckExternalJWT(ctx, app.System, env, good); err != nil || !r.Valid {
			t.Fatalf("check a good token: %+v, %v", r, err)
		}
		r, err := app.CheckExternalJWT(ctx, app.System, env, idp.Token(t, map[string]any{"iss": "https://evil.example", "aud": "x"}))
		if err != nil || r.Valid || !strings.Contains(strings.Join(r.Errors, " "), "iss") || !strings.Contains(strings.Join(r.Errors, " "), "aud") {
			t.Fatalf("check a foreign token: %+v, %v", r, err)
		}
		if _, err := app.CheckExternalJWT(ctx, dynamicauth.System("00000000-0000-4000-8000-000000000001"), env, good); err == nil {
			t.Fatal("another organization's principal checked a token of this environment")
		}

		req := signin.ExternalRequest{EnvironmentID: env, JWT: good, Origin: app.Origin, IP: "192.0.2.1"}
		res, err := app.SignInExternal(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.NewUser || res.User.Email != "ada@example.com" {
			t.Fatalf("first sign-in: new %t, email %q", res.NewUser, res.User.Email)
		}
		c := sessionClaims(t, app, res)
		if c.Sub != res.User.ID || !slices.Contains(c.AMR, signin.FactorExternal) {
			t.Fatalf("claims: sub %s (user %s), amr %v", c.Sub, res.User.ID, c.AMR)
		}
		again, err := app.SignInExternal(ctx, req)
		if err != nil || again.NewUser || again.User.ID != res.User.ID {
			t.Fatalf("the same sub again: %+v, %v", again, err)
		}
		for name, tok := range map[string]string{
			"expired":        idp.Token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}),
			"foreign issuer": idp.Token(t, map[string]any{"iss": "https://evil.example"}),
		} {
			bad := req
			bad.JWT = tok
			if _, err := app.SignInExternal(ctx, bad); err == nil {
				t.Errorf("%s token signed in", name)
			}
		}
	})
}

// enableExternalAuth trusts idp's tokens in the sandbox.
func enableExternalAuth(t *testing.T, app *dynamicauthtest.App, idp *externaljwttest.IdP) {
	t.Helper()
	setSecurity(t, app, "externalAuth", map[string]any{"enabled": true, "iss": externaljwttest.Issuer, "aud": externaljwttest.Audience, "jwksUrl": idp.URL})
}

// signInExternal signs in with a token of idp carrying claims.
func signInExternal(t *testing.T, app *dynamicauthtest.App, idp *externaljwttest.IdP, claims map[string]any) *signin.Result {
	t.Helper()
	res, err := app.SignInExternal(t.Context(), signin.ExternalRequest{EnvironmentID: app.IDs.EnvironmentID,
		JWT: idp.Token(t, claims), Origin: app.Origin, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestVerifyExternalFromGo: the signed-in user's fresh external JWT is
// checked against them by session (VerifyExternal, externalAuth/verify):
// their own passes and links nothing; another user's, an expired one and
// one for a user without external identities are refused; an assertion
// (scope, jti) earns an elevatedAccessToken of this session, once.
func TestVerifyExternalFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		idp := externaljwttest.New(t)
		enableExternalAuth(t, app, idp)
		ada, err := app.SignInExternal(ctx, signin.ExternalRequest{EnvironmentID: env, JWT: idp.Token(t, nil), Origin: app.Origin})
		if err != nil {
			t.Fatal(err)
		}
		session := ada.Tokens.MinifiedJWT
		if el, err := app.VerifyExternal(ctx, env, session, idp.Token(t, nil)); err != nil || el != "" {
			t.Fatalf("VerifyExternal with Ada's own token: %q, %v", el, err)
		}
		wallet := dynamicauthtest.SignInWallet(t, app)
		for name, c := range map[string]struct{ session, jwt string }{
			"another user's token":       {session, idp.Token(t, map[string]any{"sub": "app-user-2"})},
			"an expired token":           {session, idp.Token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})},
			"a wallet user's session":    {wallet.MinifiedJWT, idp.Token(t, nil)},
			"an assertion without a jti": {session, idp.Token(t, map[string]any{"scope": "credential:link"})},
		} {
			if _, err := app.VerifyExternal(ctx, env, c.session, c.jwt); codeOf(err) != signin.CodeInvalidExternalAuth {
				t.Errorf("VerifyExternal with %s: %v, want %s", name, err, signin.CodeInvalidExternalAuth)
			}
		}

		assertion := idp.Token(t, map[string]any{"scope": "credential:link", "jti": "go-assertion-1"})
		el, err := app.VerifyExternal(ctx, env, session, assertion)
		if err != nil || el == "" {
			t.Fatalf("VerifyExternal with an assertion: %q, %v", el, err)
		}
		var c struct{ Scope, Sid string }
		if err := json.Unmarshal(jwtPayload(t, el), &c); err != nil || c.Scope != "credential:link" || c.Sid != ada.Session.ID {
			t.Fatalf("elevated token's claims %v (session %s)", c, ada.Session.ID)
		}
		if _, err := app.VerifyExternal(ctx, env, session, assertion); codeOf(err) != signin.CodeInvalidExternalAuth {
			t.Fatalf("the same assertion again: %v", err)
		}
	})
}
