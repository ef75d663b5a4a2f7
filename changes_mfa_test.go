package dynamicauth_test

import (
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestAfterChangeHearsMFAChanges: a user's second factors changing (a
// TOTP device confirmed, made the default or not, deleted; recovery codes
// made, acknowledged, made anew; an operator's reset) is heard as exactly
// one MFAChanged of the user, with the user after it; an enrollment not
// confirmed yet (and its deletion), a factor passed, a second look at the
// codes and every refused change are heard as nothing.
func TestAfterChangeHearsMFAChanges(t *testing.T) {
	log := &changeLog{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		setMFA(t, app, map[string]any{"enabled": true})
		w := dynamicauthtest.NewWallet(t)
		s := app.SignIn(t, w) // no device yet: a full session
		signIn := func() string {
			t.Helper()
			token := app.SignIn(t, w).MinifiedJWT
			log.take() // its SessionCreated
			return token
		}
		nothing := func(what string) {
			t.Helper()
			if got := log.take(); len(got) != 0 {
				t.Errorf("%s: heard %+v, want nothing", what, got)
			}
		}
		changed := func(what, ack string) {
			t.Helper()
			got := log.take()
			want := dynamicauth.Change{Kind: dynamicauth.MFAChanged, EnvironmentID: env, UserID: s.UserID}
			if len(got) != 1 || got[0].User == nil || got[0].User.ID != s.UserID || got[0].User.MfaBackupCodeAcknowledgement != ack {
				t.Errorf("%s: heard %+v, want one MFAChanged with the user after it (acknowledgement %q)", what, got, ack)
				return
			}
			if c := got[0]; (dynamicauth.Change{Kind: c.Kind, EnvironmentID: c.EnvironmentID, UserID: c.UserID,
				SessionID: c.SessionID, CredentialID: c.CredentialID}) != want {
				t.Errorf("%s: heard %+v, want %+v", what, c, want)
			}
		}
		log.take()

		en, err := app.RegisterTOTP(ctx, env, s.MinifiedJWT, dynamicauth.MFAProof{})
		if err != nil {
			t.Fatal(err)
		}
		nothing("an enrollment")
		if _, err := app.ConfirmTOTP(ctx, env, s.MinifiedJWT, "000000x"); err == nil {
			t.Fatal("ConfirmTOTP took a malformed code")
		}
		nothing("a refused confirmation")
		dev, err := app.ConfirmTOTP(ctx, env, s.MinifiedJWT, mfatest.Code(t, en.Secret, -1))
		if err != nil {
			t.Fatal(err)
		}
		changed("a device confirmed", "")

		codes, _, err := app.RecoveryCodes(ctx, env, s.MinifiedJWT)
		if err != nil || len(codes) == 0 {
			t.Fatalf("RecoveryCodes: %v, %v", codes, err)
		}
		changed("recovery codes made", mfa.AckPending)
		if _, _, err := app.RecoveryCodes(ctx, env, s.MinifiedJWT); err != nil {
			t.Fatal(err)
		}
		nothing("a second look at the codes")
		if err := app.AcknowledgeRecoveryCodes(ctx, env, s.MinifiedJWT, "seen"); err == nil {
			t.Fatal("an acknowledgement of seen")
		}
		nothing("a refused acknowledgement")
		if err := app.AcknowledgeRecoveryCodes(ctx, env, s.MinifiedJWT, mfa.AckComplete); err != nil {
			t.Fatal(err)
		}
		changed("codes acknowledged", mfa.AckComplete)
		// PUT /users with the acknowledgement: refused with a bad field,
		// nothing; else the user updated, then their factors.
		put := func(body map[string]any) int {
			st, _ := app.Do(t, "PUT", "/api/v0/sdk/"+env+"/users", s.MinifiedJWT, body)
			return st
		}
		if st := put(map[string]any{"mfaBackupCodeAcknowledgement": mfa.AckPending, "country": "Narnia"}); st != 400 {
			t.Fatalf("PUT /users with a bad country: %d", st)
		}
		nothing("a refused profile change with an acknowledgement")
		if st := put(map[string]any{"mfaBackupCodeAcknowledgement": mfa.AckComplete}); st != 200 {
			t.Fatalf("PUT /users with the acknowledgement: %d", st)
		}
		if got := log.take(); len(got) != 2 || got[0].Kind != dynamicauth.UserUpdated || got[1].Kind != dynamicauth.MFAChanged ||
			got[1].User == nil || got[1].User.MfaBackupCodeAcknowledgement != mfa.AckComplete {
			t.Errorf("PUT /users with the acknowledgement: heard %+v, want UserUpdated then MFAChanged", got)
		}

		pending := signIn()
		if _, err := app.NewRecoveryCodes(ctx, env, pending); err != signin.ErrMFAPending {
			t.Fatalf("NewRecoveryCodes while pending: %v", err)
		}
		nothing("new codes refused to a pending session")
		res, err := app.PassTOTP(ctx, env, pending, signin.MFARequest{Code: mfatest.Code(t, en.Secret, 0), MFAToken: true})
		if err != nil {
			t.Fatal(err)
		}
		nothing("a factor passed")
		up, proof := res.Tokens.MinifiedJWT, dynamicauth.MFAProof{MFAToken: res.MFAToken}

		if _, err := app.SetDefaultMFADevice(ctx, env, up, dev.ID, false); err != nil {
			t.Fatal(err)
		}
		changed("a device no longer the default", mfa.AckComplete)
		if _, err := app.SetDefaultMFADevice(ctx, env, up, dev.ID, true); err != nil {
			t.Fatal(err)
		}
		changed("a device made the default", mfa.AckComplete)

		abandoned, err := app.RegisterTOTP(ctx, env, up, proof)
		if err != nil {
			t.Fatal(err)
		}
		if err := app.DeleteMFADevice(ctx, env, up, abandoned.Device.ID, proof); err != nil {
			t.Fatal(err)
		}
		nothing("an enrollment and its deletion")
		if err := app.DeleteMFADevice(ctx, env, pending, dev.ID, proof); err != signin.ErrMFAPending {
			t.Fatalf("a pending session deleted a device: %v", err)
		}
		nothing("a refused deletion")
		if err := app.DeleteMFADevice(ctx, env, up, dev.ID, proof); err != nil {
			t.Fatal(err)
		}
		changed("a device deleted", mfa.AckComplete)
		if _, err := app.NewRecoveryCodes(ctx, env, up); err != nil {
			t.Fatal(err)
		}
		changed("new recovery codes", mfa.AckPending)

		stranger := dynamicauth.System("00000000-0000-0000-0000-000000000000")
		if err := app.ResetMFA(ctx, stranger, env, s.UserID); err == nil {
			t.Fatal("a principal of another organization reset MFA")
		}
		if err := app.ResetMFA(ctx, app.System, app.IDs.LiveEnvironmentID, s.UserID); err == nil {
			t.Fatal("a reset through another environment")
		}
		nothing("refused resets")
		if err := app.ResetMFA(ctx, app.System, env, s.UserID); err != nil {
			t.Fatal(err)
		}
		changed("an operator's reset", "")
	}, func(c *dynamicauth.Config) { c.Hooks.AfterChange = log.hook })
}
