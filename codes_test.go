package dynamicauth_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
)

// enableEmailCodes turns email sign-in (emailOnly) on in the sandbox's
// settings through the Go API.
func enableEmailCodes(t *testing.T, app *dynamicauthtest.App) {
	t.Helper()
	updateSettings(t, app, func(settings map[string]any) {
		settings["providers"] = []any{map[string]any{"provider": "emailOnly", "enabledAt": time.Now().UTC().Format(time.RFC3339)}}
	})
}

// TestSignInWithCodeFromGo: an application signs a user up and in by an
// email code through the facade alone (Codes, SignInWithCode): refused
// while the environment has email sign-in off, a wrong code refused and
// counted, the right code a verified session for the address, and the
// code good once.
func TestSignInWithCodeFromGo(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		start := otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail, Destination: otp.Destination{Email: "Ada@Example.com"},
			Client: "192.0.2.1"}
		if _, err := app.Codes().Start(ctx, start); codeOf(err) != "no_enabled_email_provider" {
			t.Fatalf("start with email sign-in off: %v", err)
		}
		enableEmailCodes(t, app)
		started, err := app.Codes().Start(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		mail := box.LastEmail(t, "ada@example.com")
		if len(mail.Code) != otp.CodeDigits || !strings.Contains(mail.Text, mail.Code) || mail.EnvironmentID != env {
			t.Fatalf("email: code %q, environment %s, text %q", mail.Code, mail.EnvironmentID, mail.Text)
		}

		req := signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail, VerificationID: started.Verification.ID,
			Origin: app.Origin, IP: "192.0.2.1"}
		wrong := req
		wrong.Code = otherCode(mail.Code)
		if _, err := app.SignInWithCode(ctx, wrong); codeOf(err) != "wrong_email_verification_token" {
			t.Fatalf("wrong code: %v", err)
		}
		req.Code = mail.Code
		res, err := app.SignInWithCode(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !res.NewUser || res.User.Email != "ada@example.com" || res.Tokens == nil {
			t.Fatalf("sign-in: new %t, email %q, tokens %v", res.NewUser, res.User.Email, res.Tokens)
		}
		c := sessionClaims(t, app, res)
		if c.Sub != res.User.ID || c.Email != "ada@example.com" || !slices.Contains(c.AMR, "email") {
			t.Fatalf("claims: sub %s (user %s), email %q, amr %v", c.Sub, res.User.ID, c.Email, c.AMR)
		}
		if _, err := app.SignInWithCode(ctx, req); err == nil {
			t.Fatal("the same code signed in twice")
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box })
}

// codeOf is the contract code of a domain error ("" for none).
func codeOf(err error) string {
	var e *errs.E
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// otherCode is a code of the same format that is not code.
func otherCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
