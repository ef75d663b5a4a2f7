package dynamicauth_test

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// sessionMethod calls one of the facade's session methods with the
// environment and session token given, and returns its error only.
type sessionMethod func(t *testing.T, app *dynamicauthtest.App, env, token string) error

// sessionMethods are the facade's session methods of the telegram,
// farcaster and externalAuth verify routes, users/passkeys,
// users/mfa/methods, oauthAccounts/{id}/accessToken and users/check,
// with whether the route admits an MFA-pending session (sdkMFA). Their
// arguments besides the session are placeholders: a session refused
// never gets to them.
var sessionMethods = map[string]struct {
	call       sessionMethod
	mfaPending bool
}{
	"LinkTelegram": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.LinkTelegram(t.Context(), env, token, signin.TelegramRequest{AuthToken: "x"})
		return err
	}},
	"LinkFarcaster": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.LinkFarcaster(t.Context(), env, token, signin.FarcasterRequest{Message: "x"})
		return err
	}},
	"VerifyExternal": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.VerifyExternal(t.Context(), env, token, "x")
		return err
	}},
	"UserPasskeys": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.UserPasskeys(t.Context(), env, token)
		return err
	}},
	"RenamePasskey": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.RenamePasskey(t.Context(), env, token, "00000000-0000-4000-8000-000000000001", "x")
		return err
	}},
	"MFAMethods": {mfaPending: true, call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.MFAMethods(t.Context(), env, token, true)
		return err
	}},
	"OAuthAccessToken": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.OAuthAccessToken(t.Context(), env, token, "00000000-0000-4000-8000-000000000001")
		return err
	}},
	"CheckAvailable": {call: func(t *testing.T, app *dynamicauthtest.App, env, token string) error {
		_, err := app.CheckAvailable(t.Context(), env, token, "username", "ada")
		return err
	}},
}

// TestSessionMethodsRefuseOtherSessions: each of these facade methods
// authenticates its session as its route does: no token, a token that is
// none, a session of another environment and a signed-out one are
// refused as unauthorized; an MFA-pending session is refused with
// signin.ErrMFAPending, but by MFAMethods, whose route admits it.
func TestSessionMethodsRefuseOtherSessions(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		env, live := app.IDs.EnvironmentID, app.IDs.LiveEnvironmentID
		signedOut := dynamicauthtest.SignInWallet(t, app).MinifiedJWT
		if err := app.SignOut(t.Context(), env, signedOut); err != nil {
			t.Fatal(err)
		}
		w := dynamicauthtest.NewWallet(t)
		full := app.SignIn(t, w).MinifiedJWT
		enrollTOTP(t, app, full)
		setMFA(t, app, map[string]any{"enabled": true})
		pending := app.SignIn(t, w).MinifiedJWT
		sidOf(t, app, pending) // checks it is pending

		for name, m := range sessionMethods {
			for what, c := range map[string]struct{ env, token string }{
				"no token":                {env, ""},
				"not a token":             {env, "not-a-session"},
				"another environment's":   {live, full},
				"a signed-out session's":  {env, signedOut},
				"the live env's, pending": {live, pending},
			} {
				if err := m.call(t, app, c.env, c.token); !errs.Is(err, errs.KindUnauthorized) {
					t.Errorf("%s with %s: %v, want unauthorized", name, what, err)
				}
			}
			err := m.call(t, app, env, pending)
			if m.mfaPending && err != nil {
				t.Errorf("%s with an MFA-pending session: %v", name, err)
			}
			if !m.mfaPending && err != signin.ErrMFAPending {
				t.Errorf("%s with an MFA-pending session: %v, want ErrMFAPending", name, err)
			}
		}
	})
}
