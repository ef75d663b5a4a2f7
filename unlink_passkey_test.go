package dynamicauth_test

import (
	"encoding/base64"
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestUnlinkOfAPasskeyFactorTakesItsProof: where passkeys are a second
// factor, deleting one takes proof of a factor passed in the session
// (DeletePasskey); unlinking the passkey's verified credential (POST
// verify/unlink, which deletes the passkey with it) must not be a way
// round that proof. Where passkeys are no factor the unlink goes on.
func TestUnlinkOfAPasskeyFactorTakesItsProof(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		w := dynamicauthtest.NewWallet(t)
		u, a, _ := passkeyOf(t, app, w)
		count := func() int {
			t.Helper()
			ps, err := app.Passkeys().List(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(ps)
		}
		pks, err := app.Passkeys().List(ctx, u.ID)
		if err != nil || len(pks) != 1 || pks[0].VerifiedCredentialID == "" {
			t.Fatalf("passkeys: %+v, %v", pks, err)
		}
		pk := pks[0]
		setMFA(t, app, map[string]any{"enabled": true})
		// A full session: the sign-in is MFA-pending until its passkey passes.
		pending := app.SignIn(t, w).MinifiedJWT
		o, err := app.BeginPasskeyMFA(ctx, env, pending, app.Origin, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := a.Get(base64.RawURLEncoding.EncodeToString(o.Challenge))
		if err != nil {
			t.Fatal(err)
		}
		full, err := app.PassPasskey(ctx, env, pending, signin.PasskeyRequest{Body: b, Origin: app.Origin})
		if err != nil {
			t.Fatal(err)
		}
		token := full.Tokens.MinifiedJWT
		if _, err := app.UnlinkCredential(ctx, env, token, pk.VerifiedCredentialID); !errs.Is(err, errs.KindForbidden) || count() != 1 {
			t.Fatalf("unlink of a passkey factor without proof: %v (%d passkeys)", err, count())
		}
		// Passkeys as sign-in methods only: the unlink is a plain one.
		setMFA(t, app, map[string]any{"enabled": false})
		res, err := app.UnlinkCredential(ctx, env, token, pk.VerifiedCredentialID)
		if err != nil || count() != 0 || res.User.Credential(pk.VerifiedCredentialID) != nil {
			t.Fatalf("unlink of a passkey that is no factor: %v (%d passkeys)", err, count())
		}
	})
}
