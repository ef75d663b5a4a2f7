package dynamicauth_test

import (
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// TestRefusedProfileUpdateKeepsTheProofFromGo: UpdateProfile with the
// user.update step-up required and its tokens single-use: a change the
// write refuses (a username another user holds) leaves the elevated
// token unspent, so it then passes a valid change, once, and starts no
// verification of the new email it named (no code sent, none stored);
// of two changes racing with one token, one passes.
func TestRefusedProfileUpdateKeepsTheProofFromGo(t *testing.T) {
	box := &deliverytest.Box{}
	onBothStores(t, func(t *testing.T, st store.Store) {
		app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store, c.Mailer = st, box })
		ctx, env := t.Context(), app.IDs.EnvironmentID
		enableEmailCodes(t, app)
		ann, bob := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)
		field := func(v string) *string { return &v }
		if _, err := app.UpdateProfile(ctx, env, bob.MinifiedJWT, users.ProfileInput{Fields: map[string]*string{"username": field("taken_name")}},
			dynamicauth.ProfileOptions{}); err != nil {
			t.Fatal(err)
		}
		setMFA(t, app, map[string]any{"enabled": true, "actions": []any{
			map[string]any{"action": "user.update", "required": true, "tokenBehavior": "single_use"}}})
		stepUp := func() dynamicauth.ProfileOptions {
			t.Helper()
			proof := walletProof(t, app, ann.Wallet)
			proof.Scopes = []string{"user:update"}
			res, err := app.LinkWallet(ctx, env, ann.MinifiedJWT, proof)
			if err != nil || res.ElevatedAccessToken == "" {
				t.Fatalf("step-up: %+v, %v", res, err)
			}
			return dynamicauth.ProfileOptions{Proof: dynamicauth.MFAProof{ElevatedAccessToken: res.ElevatedAccessToken}}
		}
		update := func(opts dynamicauth.ProfileOptions, fields map[string]*string) error {
			_, err := app.UpdateProfile(ctx, env, ann.MinifiedJWT, users.ProfileInput{Fields: fields}, opts)
			return err
		}

		elevated := stepUp()
		taken := map[string]*string{"firstName": field("Ada"), "username": field("taken_name")}
		if err := update(elevated, taken); codeOf(err) != "username_already_exists" {
			t.Fatalf("UpdateProfile with a taken username: %v", err)
		}
		sent := len(box.Emails())
		if err := update(elevated, map[string]*string{"email": field("new@example.com"), "username": field("taken_name")}); codeOf(err) != "username_already_exists" {
			t.Fatalf("UpdateProfile with a new email and a taken username: %v", err)
		}
		if n := len(box.Emails()) - sent; n != 0 {
			t.Fatalf("a refused change sent %d codes", n)
		}
		// every verification stored so far, expired or not, purged and counted
		if n, err := st.DeleteExpiredVerifications(ctx, time.Now().Add(24*time.Hour)); err != nil || n != 0 {
			t.Fatalf("a refused change stored %d verifications (%v)", n, err)
		}
		valid := map[string]*string{"firstName": field("Ada")}
		if err := update(elevated, valid); err != nil {
			t.Fatalf("the same elevated token with a valid change: %v", err)
		}
		if err := update(elevated, valid); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("the single-use token again: %v", err)
		}

		elevated = stepUp()
		var wg sync.WaitGroup
		errors := make([]error, 2)
		for i, name := range []string{"Grace", "Hedy"} {
			wg.Go(func() { errors[i] = update(elevated, map[string]*string{"firstName": field(name)}) })
		}
		wg.Wait()
		if (errors[0] == nil) == (errors[1] == nil) || !errs.Is(errors[0], errs.KindForbidden) && !errs.Is(errors[1], errs.KindForbidden) {
			t.Fatalf("two changes with one single-use token: %v, %v; want one passed and one forbidden", errors[0], errors[1])
		}
	})
}
