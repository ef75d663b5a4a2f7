package dynamicauth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestOwnAccountFromGo: the signed-in user's own account through the
// facade with the /users routes' rules: the profile read and updated
// (tokens re-issued for the same session), a new sign-in email verified
// by its code before it is stored (VerifyCode), an address another user
// holds refused, a profile change refused without the step-up the
// environment requires (CheckStepUp says so) and accepted with the
// user's own elevated token only, and the user deleted with every
// session; a session of another environment reaches none of it.
func TestOwnAccountFromGo(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, live := t.Context(), app.IDs.EnvironmentID, app.IDs.LiveEnvironmentID
		enableEmailCodes(t, app)
		ann, bob := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)
		field := func(v string) *string { return &v }

		p, err := app.Profile(ctx, env, ann.MinifiedJWT)
		if err != nil || p.User.ID != ann.UserID {
			t.Fatalf("Profile: %+v, %v", p, err)
		}
		if _, err := app.Profile(ctx, live, ann.MinifiedJWT); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("Profile in another environment: %v", err)
		}
		named := users.ProfileInput{Fields: map[string]*string{"firstName": field("Ada")},
			Metadata: map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)}}
		if _, err := app.UpdateProfile(ctx, live, ann.MinifiedJWT, named, dynamicauth.ProfileOptions{}); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("UpdateProfile in another environment: %v", err)
		}
		up, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, named, dynamicauth.ProfileOptions{})
		if err != nil || up.NextView != "done" || up.Verification != nil || up.User.FirstName != "Ada" ||
			!strings.Contains(string(up.User.Metadata), `"gold"`) {
			t.Fatalf("UpdateProfile: %+v, %v", up, err)
		}
		v, err := app.Verifier(env)
		if err != nil {
			t.Fatal(err)
		}
		before, err := v.Verify(ctx, ann.MinifiedJWT)
		if err != nil {
			t.Fatal(err)
		}
		if c := sessionClaims(t, app, up.Result); c.Sid != before.Sid || up.Session.ID != before.Sid {
			t.Fatalf("re-issued tokens: sid %s (session %s, before %s)", c.Sid, up.Session.ID, before.Sid)
		}

		// A new sign-in email: a code first, stored by VerifyCode.
		mail := users.ProfileInput{Fields: map[string]*string{"email": field("Ada@Example.com")}}
		up, err = app.UpdateProfile(ctx, env, ann.MinifiedJWT, mail, dynamicauth.ProfileOptions{Client: "192.0.2.1"})
		if err != nil || up.NextView != "verify-email" || up.Verification == nil || up.User.Email != "" {
			t.Fatalf("UpdateProfile with a new email: %+v, %v", up, err)
		}
		req := signin.CodeRequest{Channel: otp.ChannelEmail, VerificationID: up.Verification.Verification.ID,
			Code: box.LastEmail(t, "ada@example.com").Code, Origin: app.Origin}
		wrong := req
		wrong.Code = otherCode(req.Code)
		if _, err := app.VerifyCode(ctx, env, ann.MinifiedJWT, wrong); codeOf(err) != "wrong_email_verification_token" {
			t.Fatalf("VerifyCode with a wrong code: %v", err)
		}
		if _, err := app.VerifyCode(ctx, live, ann.MinifiedJWT, req); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("VerifyCode in another environment: %v", err)
		}
		res, err := app.VerifyCode(ctx, env, ann.MinifiedJWT, req)
		if err != nil || res.User.Email != "ada@example.com" || res.User.FirstName != "Ada" {
			t.Fatalf("VerifyCode: %+v, %v", res, err)
		}
		if c := sessionClaims(t, app, res); c.Email != "ada@example.com" {
			t.Fatalf("claims after VerifyCode: email %q", c.Email)
		}
		// Bob cannot take Ann's address.
		started, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
			Destination: otp.Destination{Email: "ada@example.com"}, Client: "192.0.2.2"})
		if err != nil {
			t.Fatal(err)
		}
		taken := signin.CodeRequest{Channel: otp.ChannelEmail, VerificationID: started.Verification.ID,
			Code: box.LastEmail(t, "ada@example.com").Code}
		if _, err := app.VerifyCode(ctx, env, bob.MinifiedJWT, taken); codeOf(err) != "email_already_exists" {
			t.Fatalf("VerifyCode of another user's email: %v", err)
		}

		// user.update needs a step-up: refused without proof and with
		// another user's, accepted with the user's own.
		setMFA(t, app, map[string]any{"enabled": true, "actions": []any{map[string]any{"action": "user.update", "required": true}}})
		if su, err := app.CheckStepUp(ctx, env, ann.MinifiedJWT, "user:update"); err != nil || !su.Required || len(su.Credentials) == 0 {
			t.Fatalf("CheckStepUp: %+v, %v", su, err)
		}
		if _, err := app.CheckStepUp(ctx, env, ann.MinifiedJWT, "user:basic"); codeOf(err) != "invalid_scopes" {
			t.Fatalf("CheckStepUp of a scope that is not a token scope: %v", err)
		}
		if _, err := app.CheckStepUp(ctx, live, ann.MinifiedJWT, "user:update"); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("CheckStepUp in another environment: %v", err)
		}
		eve := users.ProfileInput{Fields: map[string]*string{"firstName": field("Eve")}}
		if _, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, eve, dynamicauth.ProfileOptions{}); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("UpdateProfile without the step-up: %v", err)
		}
		stepUp := func(s *dynamicauthtest.SignedIn) string {
			t.Helper()
			proof := walletProof(t, app, s.Wallet)
			proof.Scopes = []string{"user:update"}
			res, err := app.LinkWallet(ctx, env, s.MinifiedJWT, proof)
			if err != nil || res.ElevatedAccessToken == "" {
				t.Fatalf("step-up: %+v, %v", res, err)
			}
			return res.ElevatedAccessToken
		}
		bobs := dynamicauth.ProfileOptions{Proof: dynamicauth.MFAProof{ElevatedAccessToken: stepUp(bob)}}
		if _, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, eve, bobs); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("UpdateProfile with another user's elevated token: %v", err)
		}
		if p, _ := app.Profile(ctx, env, ann.MinifiedJWT); p.User.FirstName != "Ada" {
			t.Fatalf("a refused update changed the profile: %q", p.User.FirstName)
		}
		anns := dynamicauth.ProfileOptions{Proof: dynamicauth.MFAProof{ElevatedAccessToken: stepUp(ann)}}
		grace := users.ProfileInput{Fields: map[string]*string{"firstName": field("Grace")}}
		if up, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, grace, anns); err != nil || up.User.FirstName != "Grace" {
			t.Fatalf("UpdateProfile with the step-up: %+v, %v", up, err)
		}

		// DeleteAccount: not across environments; bob's token deletes bob only.
		if err := app.DeleteAccount(ctx, live, bob.MinifiedJWT); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("DeleteAccount in another environment: %v", err)
		}
		if err := app.DeleteAccount(ctx, env, bob.MinifiedJWT); err != nil {
			t.Fatal(err)
		}
		if _, _, err := app.Users().GetUser(ctx, app.System, env, bob.UserID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("bob after DeleteAccount: %v", err)
		}
		if _, err := v.Verify(ctx, bob.MinifiedJWT); err == nil {
			t.Error("Verifier accepted a deleted user's token")
		}
		if _, err := app.Profile(ctx, env, bob.MinifiedJWT); err == nil {
			t.Error("a deleted user's session read the profile")
		}
		if p, err := app.Profile(ctx, env, ann.MinifiedJWT); err != nil || p.User.FirstName != "Grace" {
			t.Fatalf("ann after bob's deletion: %+v, %v", p, err)
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box })
}

// TestCheckAvailableFromGo tells the session's user whether a value is
// free to take (CheckAvailable, users/check): another user's username is
// not, their own is, and a field or value the route refuses is refused
// (both required, the value at most 1024 bytes, a field that is neither
// email, username nor a unique custom field).
func TestCheckAvailableFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		ann, bob := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)
		name := "ada_l"
		if _, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, users.ProfileInput{Fields: map[string]*string{"username": &name}},
			dynamicauth.ProfileOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			who, token, value string
			free              bool
		}{
			{"Bob, Ann's username", bob.MinifiedJWT, "ada_l", false},
			{"Bob, Ann's username in capitals", bob.MinifiedJWT, "ADA_L", false},
			{"Ann, her own", ann.MinifiedJWT, "ada_l", true},
			{"Bob, a free one", bob.MinifiedJWT, "grace_h", true},
		} {
			if free, err := app.CheckAvailable(ctx, env, c.token, users.CheckUsername, c.value); err != nil || free != c.free {
				t.Errorf("%s: free %t, %v; want %t", c.who, free, err, c.free)
			}
		}
		for what, fv := range map[string][2]string{
			"no field":         {"", "x"},
			"no value":         {users.CheckUsername, ""},
			"a value too long": {users.CheckUsername, strings.Repeat("a", 1025)},
			"an unknown field": {"shoeSize", "42"},
		} {
			if _, err := app.CheckAvailable(ctx, env, bob.MinifiedJWT, fv[0], fv[1]); !errs.Is(err, errs.KindInvalid) {
				t.Errorf("%s: %v, want invalid", what, err)
			}
		}
	})
}

// TestProfileBackupCodeAckFromGo: the recovery codes' acknowledgement an
// embedder puts in users.ProfileInput is checked as PUT /users checks
// mfaBackupCodeAcknowledgement: a value other than pending or complete is
// refused with nothing stored, a valid one is stored with the change.
func TestProfileBackupCodeAckFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		ann := dynamicauthtest.SignInWallet(t, app)
		ack := func(v string) users.ProfileInput {
			return users.ProfileInput{Metadata: map[string]json.RawMessage{"plan": json.RawMessage(`"gold"`)}, BackupCodeAck: &v}
		}
		stored := func() *users.User {
			t.Helper()
			u, _, err := app.Users().GetUser(ctx, app.System, env, ann.UserID)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		_, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, ack("seen"), dynamicauth.ProfileOptions{})
		if !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("UpdateProfile with the acknowledgement seen: %v, want invalid", err)
		}
		if u := stored(); u.MfaBackupCodeAcknowledgement != "" || strings.Contains(string(u.Metadata), "gold") {
			t.Fatalf("after the refused change: acknowledgement %q, metadata %s", u.MfaBackupCodeAcknowledgement, u.Metadata)
		}
		if _, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, ack("complete"), dynamicauth.ProfileOptions{}); err != nil {
			t.Fatalf("UpdateProfile with the acknowledgement complete: %v", err)
		}
		if u := stored(); u.MfaBackupCodeAcknowledgement != "complete" {
			t.Fatalf("acknowledgement %q, want complete", u.MfaBackupCodeAcknowledgement)
		}
	})
}
