package dynamicauth_test

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestMergeAccountsFromGo: a link of a wallet of an account that signs in
// otherwise too offers a merge (MergeConflictsOf); MergeAccounts runs it
// once, only for the session whose link offered it and only in its
// environment, moving the other account's credentials over and deleting
// it; MergeUsers runs a pending merge without conflicts and, with none,
// refuses with nothing to merge.
func TestMergeAccountsFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, live := t.Context(), app.IDs.EnvironmentID, app.IDs.LiveEnvironmentID
		// twoWallets is a user with two wallets: a link of either offers a merge.
		twoWallets := func() *dynamicauthtest.SignedIn {
			s := dynamicauthtest.SignInWallet(t, app)
			if _, err := app.LinkWallet(ctx, env, s.MinifiedJWT, walletProof(t, app, dynamicauthtest.NewWallet(t))); err != nil {
				t.Fatal(err)
			}
			return s
		}
		ann, carol := dynamicauthtest.SignInWallet(t, app), twoWallets()

		_, err := app.LinkWallet(ctx, env, ann.MinifiedJWT, walletProof(t, app, carol.Wallet))
		mc := dynamicauth.MergeConflictsOf(err)
		if mc == nil || mc.FromUser == nil || mc.FromUser.User.ID != carol.UserID || len(mc.FromUser.User.Credentials) != 2 {
			t.Fatalf("link of carol's wallet: %v; offered %+v", err, mc)
		}
		if dynamicauth.MergeConflictsOf(errors.New("other")) != nil || dynamicauth.MergeConflictsOf(nil) != nil {
			t.Fatal("MergeConflictsOf read conflicts out of another error")
		}

		// Refusals: carol's own session has no pending merge, the live
		// environment knows no sandbox session, a resolution must name a
		// field type. None of them runs ann's merge.
		if _, err := app.MergeAccounts(ctx, env, carol.MinifiedJWT, signin.MergeRequest{}); !errors.Is(err, signin.ErrNoPendingMerge) {
			t.Fatalf("merge in the session of the account to be merged: %v", err)
		}
		if _, err := app.MergeAccounts(ctx, live, ann.MinifiedJWT, signin.MergeRequest{}); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("merge with a sandbox session in the live environment: %v", err)
		}
		bad := signin.MergeRequest{Resolutions: []signin.MergeResolution{{UserID: ann.UserID, FieldKey: "email", Type: "other"}}}
		if _, err := app.MergeAccounts(ctx, env, ann.MinifiedJWT, bad); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("merge with a resolution of no field type: %v", err)
		}
		if _, _, err := app.Users().GetUser(ctx, app.System, env, carol.UserID); err != nil {
			t.Fatalf("a refused merge deleted carol: %v", err)
		}

		res, err := app.MergeAccounts(ctx, env, ann.MinifiedJWT, signin.MergeRequest{Origin: app.Origin})
		if err != nil || res.User.ID != ann.UserID || len(walletCredentials(res.User)) != 3 || credentialOf(res.User, carol.Wallet) == "" {
			t.Fatalf("MergeAccounts: %+v, %v", res, err)
		}
		if _, _, err := app.Users().GetUser(ctx, app.System, env, carol.UserID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("carol after the merge: %v", err)
		}
		if _, err := app.RefreshSession(ctx, env, carol.MinifiedJWT); err == nil {
			t.Fatal("the merged account's session lives on")
		}
		if _, err := app.MergeAccounts(ctx, env, res.Tokens.MinifiedJWT, signin.MergeRequest{}); !errors.Is(err, signin.ErrNoPendingMerge) {
			t.Fatalf("the merge ran twice: %v", err)
		}

		// MergeUsers: nothing to merge, then a pending merge without conflicts.
		token := res.Tokens.MinifiedJWT
		if _, err := app.MergeUsers(ctx, env, token); codeOf(err) != signin.CodeMergeInvalid {
			t.Fatalf("MergeUsers with nothing to merge: %v", err)
		}
		dave := twoWallets()
		if _, err := app.LinkWallet(ctx, env, token, walletProof(t, app, dave.Wallet)); dynamicauth.MergeConflictsOf(err) == nil {
			t.Fatalf("link of dave's wallet: %v", err)
		}
		if _, err := app.MergeUsers(ctx, live, token); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("MergeUsers in another environment: %v", err)
		}
		res, err = app.MergeUsers(ctx, env, token)
		if err != nil || len(walletCredentials(res.User)) != 5 {
			t.Fatalf("MergeUsers: %+v, %v", res, err)
		}
		u, err := app.Users().FindByWallet(ctx, app.System, env, dave.Wallet.Address)
		if err != nil || u.ID != ann.UserID {
			t.Fatalf("dave's wallet after the merge: %+v, %v", u, err)
		}
	})
}
