package dynamicauth_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-webauthn/webauthn/protocol"
)

// TestPasskeySettingsThroughTheGoAPI sets an environment's passkey
// settings from Go and sees the ceremonies follow them: user verification
// required (a passkey answer without the UV flag is refused, at
// registration and as a second factor) and one passkey per user.
func TestPasskeySettingsThroughTheGoAPI(t *testing.T) {
	onBothBackends(t, testPasskeySettingsThroughTheGoAPI)
}

// TestPasskeySettingsAsGoValues: Tenants().UpdateSettings takes
// security.passkeys.maxPasskeysPerUser as a Go integer, not only as the
// float64 a JSON decode gives.
func TestPasskeySettingsAsGoValues(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		for _, n := range []any{1, int64(3), uint8(4), float64(5), json.Number("6")} {
			e, err := app.Tenants().GetEnvironment(ctx, app.System, env, tenant.ScopeSettingsRead)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(e.Settings, &doc); err != nil {
				t.Fatal(err)
			}
			doc["security"] = map[string]any{"passkeys": map[string]any{"maxPasskeysPerUser": n}}
			if _, err := app.Tenants().UpdateSettings(ctx, app.System, env, doc); err != nil {
				t.Fatalf("maxPasskeysPerUser %T(%v): %v", n, n, err)
			}
			s, err := app.Passkeys().Settings(ctx, env)
			if want := fmt.Sprint(n); err != nil || fmt.Sprint(s.MaxPerUser) != want {
				t.Fatalf("maxPasskeysPerUser %T(%v) read back as %+v, %v", n, n, s, err)
			}
		}
	})
}

func testPasskeySettingsThroughTheGoAPI(t *testing.T, app *dynamicauthtest.App) {
	ctx, env := t.Context(), app.IDs.EnvironmentID
	if s, err := app.Passkeys().Settings(ctx, env); err != nil || s.UserVerification != protocol.VerificationPreferred || s.MaxPerUser != 10 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	want := passkey.Settings{UserVerification: protocol.VerificationRequired, MaxPerUser: 1}
	if err := app.SetPasskeySettings(ctx, app.System, env, want); err != nil {
		t.Fatal(err)
	}
	if err := app.SetPasskeySettings(ctx, app.System, env, passkey.Settings{MaxPerUser: passkey.MaxPasskeysPerUserLimit + 1}); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("a max over the limit: %v", err)
	}
	if err := app.SetPasskeySettings(ctx, app.System, env, passkey.Settings{UserVerification: "always"}); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("an unknown userVerification: %v", err)
	}
	if s, err := app.Passkeys().Settings(ctx, env); err != nil || s != want {
		t.Fatalf("after the refused updates: %+v %v, want %+v", s, err, want)
	}

	w := dynamicauthtest.NewWallet(t)
	u, a := passkeyUser(t, app, w)
	register := func() error {
		_, opts, err := registerPasskey(t, app, u, a)
		if opts != nil && opts.AuthenticatorSelection.UserVerification != protocol.VerificationRequired {
			t.Fatalf("creation options ask userVerification %q", opts.AuthenticatorSelection.UserVerification)
		}
		return err
	}
	a.NoUserVerification = true
	if err := register(); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("registration without UV: %v", err)
	}
	a.NoUserVerification = false
	if err := register(); err != nil {
		t.Fatalf("registration with UV: %v", err)
	}
	if err := register(); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("a second passkey over the environment's max of 1: %v", err)
	}

	// As a second factor: the assertion without UV does not upgrade.
	setMFA(t, app, map[string]any{"enabled": true})
	pending := app.SignIn(t, w).MinifiedJWT
	pass := func() (*signin.Result, error) {
		o, err := app.BeginPasskeyMFA(ctx, env, pending, app.Origin, "")
		if err != nil {
			t.Fatal(err)
		}
		if o.UserVerification != protocol.VerificationRequired {
			t.Fatalf("assertion options ask userVerification %q", o.UserVerification)
		}
		b, err := a.Get(base64.RawURLEncoding.EncodeToString(o.Challenge))
		if err != nil {
			t.Fatal(err)
		}
		return app.PassPasskey(ctx, env, pending, signin.PasskeyRequest{Body: b, Origin: app.Origin})
	}
	a.NoUserVerification = true
	if _, err := pass(); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("passkey MFA without UV: %v", err)
	}
	a.NoUserVerification = false
	res, err := pass()
	if err != nil {
		t.Fatalf("passkey MFA with UV: %v", err)
	}
	verified(t, app, res, sidOf(t, app, pending), signin.FactorPasskey)
}

// passkeyUser signs w in and makes a software authenticator for its user.
func passkeyUser(t *testing.T, app *dynamicauthtest.App, w *dynamicauthtest.Wallet) (*users.User, *passkeytest.Authenticator) {
	t.Helper()
	u, _, err := app.Users().GetUser(t.Context(), app.System, app.IDs.EnvironmentID, app.SignIn(t, w).UserID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := passkeytest.New("localhost", app.Origin)
	if err != nil {
		t.Fatal(err)
	}
	a.UserHandle = []byte(u.ID)
	return u, a
}

// passkeyAttestation is a's answer to a registration the session of
// token begins (BeginPasskeyRegistration).
func passkeyAttestation(t *testing.T, app *dynamicauthtest.App, token string, a *passkeytest.Authenticator) []byte {
	t.Helper()
	opts, err := app.BeginPasskeyRegistration(t.Context(), app.IDs.EnvironmentID, token, app.Origin, "")
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration: %v", err)
	}
	body, err := a.Create(base64.RawURLEncoding.EncodeToString(opts.Challenge), "clientDataJson")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// passkeyMFAToken passes a's passkey as the second factor of the session
// of token and returns the single-use mfaToken it earns.
func passkeyMFAToken(t *testing.T, app *dynamicauthtest.App, token string, a *passkeytest.Authenticator) string {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	o, err := app.BeginPasskeyMFA(ctx, env, token, app.Origin, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := a.Get(base64.RawURLEncoding.EncodeToString(o.Challenge))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.PassPasskey(ctx, env, token, signin.PasskeyRequest{Body: b, Origin: app.Origin, MFAToken: true, SingleUse: true})
	if err != nil || res.MFAToken == "" {
		t.Fatalf("PassPasskey for a single-use mfaToken: %+v, %v", res, err)
	}
	return res.MFAToken
}

// passkeyOf signs w in and registers a passkey of a software
// authenticator for its user.
func passkeyOf(t *testing.T, app *dynamicauthtest.App, w *dynamicauthtest.Wallet) (*users.User, *passkeytest.Authenticator, *passkey.Passkey) {
	t.Helper()
	u, a := passkeyUser(t, app, w)
	pk, _, err := registerPasskey(t, app, u, a)
	if err != nil {
		t.Fatal(err)
	}
	return u, a, pk
}

// registerPasskey runs a registration of a for u through the Go API; the
// options are nil when they were refused.
func registerPasskey(t *testing.T, app *dynamicauthtest.App, u *users.User, a *passkeytest.Authenticator) (*passkey.Passkey, *protocol.PublicKeyCredentialCreationOptions, error) {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	opts, err := app.Passkeys().BeginRegistration(ctx, env, u, app.Origin, "")
	if err != nil {
		return nil, nil, err
	}
	body, err := a.Create(base64.RawURLEncoding.EncodeToString(opts.Challenge), "clientDataJson")
	if err != nil {
		t.Fatal(err)
	}
	p, err := app.Passkeys().FinishRegistration(ctx, env, u, body, "test")
	return p, opts, err
}

// TestPasskeySignInThroughTheGoAPI signs in with a passkey from Go
// (Passkeys().BeginSignIn, SignInWithPasskey): the session is the
// passkey's user's; a replayed assertion, one made for another origin and
// one answering another environment's challenge are refused.
func TestPasskeySignInThroughTheGoAPI(t *testing.T) {
	onBothBackends(t, testPasskeySignInThroughTheGoAPI)
}

func testPasskeySignInThroughTheGoAPI(t *testing.T, app *dynamicauthtest.App) {
	ctx, env := t.Context(), app.IDs.EnvironmentID
	u, a, _ := passkeyOf(t, app, dynamicauthtest.NewWallet(t))
	assertion := func(envID string, from *passkeytest.Authenticator) []byte {
		t.Helper()
		o, err := app.Passkeys().BeginSignIn(ctx, envID, app.Origin, "")
		if err != nil {
			t.Fatalf("BeginSignIn: %v", err)
		}
		b, err := from.Get(base64.RawURLEncoding.EncodeToString(o.Challenge))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	signIn := func(body []byte) (*signin.Result, error) {
		return app.SignInWithPasskey(ctx, signin.PasskeyRequest{EnvironmentID: env, Body: body, Origin: app.Origin})
	}
	evil := *a
	evil.Origin = "http://evil.example"
	if _, err := signIn(assertion(env, &evil)); err == nil {
		t.Fatal("an assertion made for another origin signed in")
	}
	live := app.IDs.LiveEnvironmentID
	if code, body := app.Do(t, http.MethodPost, "/api/v0/environments/"+live+"/origins", app.OwnerToken, map[string]any{"origin": app.Origin}); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("add the origin to the live environment: %d %s", code, body)
	}
	if _, err := signIn(assertion(live, a)); err == nil {
		t.Fatal("an answer to another environment's challenge signed in")
	}
	body := assertion(env, a)
	res, err := signIn(body)
	if err != nil {
		t.Fatalf("SignInWithPasskey: %v", err)
	}
	if res.User.ID != u.ID || res.NewUser || res.Tokens == nil {
		t.Fatalf("signed in %+v", res)
	}
	v, err := app.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(ctx, res.Tokens.MinifiedJWT); err != nil || c.Sub != u.ID {
		t.Fatalf("the session's token: %+v, %v", c, err)
	}
	if _, err := signIn(body); err == nil {
		t.Fatal("a replayed assertion signed in")
	}
}

// TestPasskeyRegistrationFromGo registers and deletes passkeys by session
// token (BeginPasskeyRegistration, RegisterPasskey, DeletePasskey) with
// the routes' rules: not through a session of another environment, not
// another user's passkey; once passkeys are a second factor, a second
// passkey and a deletion take proof of a factor passed in the same
// session, and another session's proof is refused.
func TestPasskeyRegistrationFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, live := t.Context(), app.IDs.EnvironmentID, app.IDs.LiveEnvironmentID
		w := dynamicauthtest.NewWallet(t)
		u, first := passkeyUser(t, app, w)
		token := app.SignIn(t, w).MinifiedJWT
		register := func(token string, a *passkeytest.Authenticator, proof signin.Proof) (*signin.Result, error) {
			t.Helper()
			body := passkeyAttestation(t, app, token, a)
			return app.RegisterPasskey(ctx, env, token, signin.PasskeyRequest{Body: body, Origin: app.Origin, Proof: proof})
		}
		count := func() int {
			t.Helper()
			ps, err := app.Passkeys().List(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(ps)
		}

		if _, err := app.BeginPasskeyRegistration(ctx, live, token, app.Origin, ""); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("BeginPasskeyRegistration in another environment: %v", err)
		}
		res, err := register(token, first, signin.Proof{})
		if err != nil || res.User.ID != u.ID || res.Tokens == nil || count() != 1 {
			t.Fatalf("RegisterPasskey: %+v, %v (%d passkeys)", res, err, count())
		}
		pks, _ := app.Passkeys().List(ctx, u.ID)
		pk := pks[0]
		stranger := dynamicauthtest.SignInWallet(t, app)
		if err := app.DeletePasskey(ctx, env, stranger.MinifiedJWT, pk.ID, dynamicauth.MFAProof{}); err == nil || count() != 1 {
			t.Fatalf("another user deleted the passkey: %v", err)
		}
		if err := app.DeletePasskey(ctx, live, token, pk.ID, dynamicauth.MFAProof{}); !errs.Is(err, errs.KindUnauthorized) || count() != 1 {
			t.Fatalf("DeletePasskey in another environment: %v", err)
		}

		// Passkeys become a second factor: adding or deleting one takes proof.
		setMFA(t, app, map[string]any{"enabled": true})
		second, err := passkeytest.New("localhost", app.Origin)
		if err != nil {
			t.Fatal(err)
		}
		second.UserHandle = []byte(u.ID)
		if _, err := register(token, second, signin.Proof{}); !errs.Is(err, errs.KindForbidden) || count() != 1 {
			t.Fatalf("a second passkey without proof: %v", err)
		}
		// An MFA-pending session must pass its factor before it adds one:
		// not even the options, so no authenticator makes a passkey in vain.
		if _, err := app.BeginPasskeyRegistration(ctx, env, app.SignIn(t, w).MinifiedJWT, app.Origin, ""); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("registration options for a pending session with a factor: %v", err)
		}
		elevated := func(token, scope string) string {
			t.Helper()
			o, err := app.BeginPasskeyMFA(ctx, env, token, app.Origin, "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := first.Get(base64.RawURLEncoding.EncodeToString(o.Challenge))
			if err != nil {
				t.Fatal(err)
			}
			res, err := app.PassPasskey(ctx, env, token, signin.PasskeyRequest{Body: b, Origin: app.Origin, Scopes: []string{scope}})
			if err != nil || res.ElevatedAccessToken == "" {
				t.Fatalf("PassPasskey for %s: %+v, %v", scope, res, err)
			}
			return res.ElevatedAccessToken
		}
		other := app.SignIn(t, w).MinifiedJWT // pending: passes its passkey
		otherLink := elevated(other, "credential:link")
		if _, err := register(token, second, signin.Proof{Elevated: otherLink}); !errs.Is(err, errs.KindForbidden) || count() != 1 {
			t.Fatalf("a second passkey with another session's proof: %v", err)
		}
		if _, err := register(token, second, signin.Proof{Elevated: elevated(token, "credential:link")}); err != nil || count() != 2 {
			t.Fatalf("a second passkey with proof: %v (%d passkeys)", err, count())
		}
		if err := app.DeletePasskey(ctx, env, token, pk.ID, dynamicauth.MFAProof{}); !errs.Is(err, errs.KindForbidden) || count() != 2 {
			t.Fatalf("DeletePasskey without proof: %v", err)
		}
		if err := app.DeletePasskey(ctx, env, token, pk.ID, dynamicauth.MFAProof{ElevatedAccessToken: elevated(token, "credential:link")}); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("DeletePasskey with a credential:link token: %v", err)
		}
		// a single-use mfaToken (elevated tokens with credential:* scopes
		// are time-bound)
		spare := dynamicauth.MFAProof{MFAToken: passkeyMFAToken(t, app, token, first)}
		if err := app.DeletePasskey(ctx, env, token, pk.ID, dynamicauth.MFAProof{ElevatedAccessToken: elevated(token, "credential:unlink")}); err != nil || count() != 1 {
			t.Fatalf("DeletePasskey with proof: %v (%d passkeys)", err, count())
		}
		// A delete refused (no such passkey) spends not its single-use
		// token: the same token then deletes the other passkey, once.
		if err := app.DeletePasskey(ctx, env, token, pk.ID, spare); !errs.Is(err, errs.KindNotFound) || count() != 1 {
			t.Fatalf("DeletePasskey of a deleted passkey: %v (%d passkeys)", err, count())
		}
		left, _ := app.Passkeys().List(ctx, u.ID)
		if err := app.DeletePasskey(ctx, env, token, left[0].ID, spare); err != nil || count() != 0 {
			t.Fatalf("the same token after the refused delete: %v (%d passkeys)", err, count())
		}
		if err := app.DeletePasskey(ctx, env, token, left[0].ID, spare); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("the single-use token again: %v", err)
		}
	})
}

// TestUserPasskeysFromGo lists and renames the session's user's passkeys
// (UserPasskeys, RenamePasskey: GET and PUT users/passkeys): another
// user sees none of them and cannot rename one (not found, the alias
// kept), and an alias over 255 characters is refused.
func TestUserPasskeysFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		w := dynamicauthtest.NewWallet(t)
		_, _, pk := passkeyOf(t, app, w)
		ann, bob := app.SignIn(t, w).MinifiedJWT, dynamicauthtest.SignInWallet(t, app).MinifiedJWT
		list := func(token string) []passkey.Passkey {
			t.Helper()
			ps, err := app.UserPasskeys(ctx, env, token)
			if err != nil {
				t.Fatalf("UserPasskeys: %v", err)
			}
			return ps
		}
		if ps := list(ann); len(ps) != 1 || ps[0].ID != pk.ID || ps[0].Alias != "" {
			t.Fatalf("Ann's passkeys: %d (want %s, no alias)", len(ps), pk.ID)
		}
		if ps := list(bob); len(ps) != 0 {
			t.Fatalf("Bob sees %d passkeys", len(ps))
		}
		renamed, err := app.RenamePasskey(ctx, env, ann, pk.ID, "laptop")
		if err != nil || renamed.ID != pk.ID || renamed.Alias != "laptop" {
			t.Fatalf("RenamePasskey: %v", err)
		}
		if _, err := app.RenamePasskey(ctx, env, bob, pk.ID, "mallory"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("Bob renames Ann's passkey: %v, want not found", err)
		}
		if _, err := app.RenamePasskey(ctx, env, ann, pk.ID, strings.Repeat("x", 256)); !errs.Is(err, errs.KindUnprocessable) {
			t.Fatalf("an alias of 256 characters: %v", err)
		}
		if ps := list(ann); len(ps) != 1 || ps[0].Alias != "laptop" {
			t.Fatalf("Ann's passkeys after the refused renames: %d, not one named laptop", len(ps))
		}
	})
}
