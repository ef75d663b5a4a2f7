package dynamicauth_test

import (
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
		updateSettings(t, app, func(settings map[string]any) {
			sec, _ := settings["security"].(map[string]any)
			if sec == nil {
				sec = map[string]any{}
			}
			sec["externalAuth"] = map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic", "jwksUrl": idp.URL}
			settings["security"] = sec
		})

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
