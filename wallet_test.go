package dynamicauth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// Wallet sign-in and its session from Go (SignInWithWallet, LinkWallet,
// RefreshSession, SignOut), with the SDK routes' rules: a nonce serves
// once, a signature of another wallet or a message for another
// environment is refused with nothing written, a re-proved wallet earns
// an elevated token and links nothing, and a signed-out session is
// refused by Verifier and cannot be refreshed.
func TestWalletSessionFromGo(t *testing.T) {
	app := dynamicauthtest.New(t)
	ctx, env := t.Context(), app.IDs.EnvironmentID
	nonces, err := app.IssueNonces(ctx, env, 4)
	if err != nil {
		t.Fatal(err)
	}
	w := dynamicauthtest.NewWallet(t)
	request := func(w *dynamicauthtest.Wallet, nonce string) signin.WalletRequest {
		msg, sig := app.SignMessage(t, w, nonce)
		return signin.WalletRequest{EnvironmentID: env, Chain: "EVM", Address: w.Address, Message: msg, Signature: sig,
			WalletName: "metamask", WalletProvider: "browserExtension"}
	}
	first := request(w, nonces[0])

	// Refusals first: each leaves the nonce unspent and no user behind.
	forged := first
	_, forged.Signature = app.SignMessage(t, dynamicauthtest.NewWallet(t), nonces[0])
	wrongEnv := first
	wrongEnv.EnvironmentID = app.IDs.LiveEnvironmentID
	for name, req := range map[string]signin.WalletRequest{"another wallet's signature": forged, "another environment": wrongEnv} {
		if _, err := app.SignInWithWallet(ctx, req); errs.KindOf(err) != errs.KindUnprocessable && errs.KindOf(err) != errs.KindForbidden {
			t.Errorf("%s: %v", name, err)
		}
	}
	p := dynamicauth.System(app.IDs.OrganizationID)
	if u, err := app.Users().FindByWallet(ctx, p, env, w.Address); err == nil {
		t.Fatalf("a refused sign-in left user %s", u.ID)
	}

	res, err := app.SignInWithWallet(ctx, first)
	if err != nil || !res.NewUser || res.Tokens == nil || res.Tokens.MinifiedJWT == "" {
		t.Fatalf("sign-in: %+v, %v", res, err)
	}
	token := res.Tokens.MinifiedJWT
	v, err := app.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(ctx, token); err != nil || c.Sub != res.User.ID {
		t.Fatalf("verify the token: %+v, %v", c, err)
	}
	if _, err := app.SignInWithWallet(ctx, first); err == nil {
		t.Fatal("the same signed message signed in twice")
	}

	// A second wallet linked to the same user.
	second := dynamicauthtest.NewWallet(t)
	linked, err := app.LinkWallet(ctx, env, token, request(second, nonces[1]))
	if err != nil || linked.User.ID != res.User.ID || len(walletCredentials(linked.User)) != 2 || linked.ElevatedAccessToken != "" {
		t.Fatalf("link: %+v, %v", linked, err)
	}
	// Re-proving the first wallet with requestedScopes: an elevated token, nothing linked.
	again := request(w, nonces[2])
	again.Scopes = []string{"credential:link"}
	stepped, err := app.LinkWallet(ctx, env, token, again)
	if err != nil || stepped.ElevatedAccessToken == "" || len(walletCredentials(stepped.User)) != 2 {
		t.Fatalf("step-up: %+v, %v", stepped, err)
	}

	refreshed, err := app.RefreshSession(ctx, env, token)
	if err != nil || refreshed.Session.ID != res.Session.ID || refreshed.Tokens.MinifiedJWT == "" {
		t.Fatalf("refresh: %+v, %v", refreshed, err)
	}
	if _, err := app.RefreshSession(ctx, app.IDs.LiveEnvironmentID, token); err == nil {
		t.Error("a sandbox session refreshed in the live environment")
	}
	if err := app.SignOut(ctx, env, refreshed.Tokens.MinifiedJWT); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{token, refreshed.Tokens.MinifiedJWT} {
		if _, err := v.Verify(ctx, tok); err == nil {
			t.Error("Verifier accepted a signed-out session's token")
		}
		if _, err := app.RefreshSession(ctx, env, tok); err == nil {
			t.Error("a signed-out session refreshed")
		}
	}
	if _, err := app.LinkWallet(ctx, env, token, request(dynamicauthtest.NewWallet(t), nonces[3])); err == nil {
		t.Error("a signed-out session linked a wallet")
	}
}

func walletCredentials(u *users.User) []users.Credential {
	var out []users.Credential
	for _, c := range u.Credentials {
		if c.Format == users.FormatBlockchain {
			out = append(out, c)
		}
	}
	return out
}

// walletProof is a fresh signed sign-in message of w (a nonce of its own)
// as a request to the sandbox.
func walletProof(t *testing.T, app *dynamicauthtest.App, w *dynamicauthtest.Wallet) signin.WalletRequest {
	t.Helper()
	nonces, err := app.IssueNonces(t.Context(), app.IDs.EnvironmentID, 1)
	if err != nil {
		t.Fatal(err)
	}
	msg, sig := app.SignMessage(t, w, nonces[0])
	return signin.WalletRequest{EnvironmentID: app.IDs.EnvironmentID, Chain: "EVM", Address: w.Address, Message: msg,
		Signature: sig, WalletName: "metamask", WalletProvider: "browserExtension", Origin: app.Origin}
}

// credentialOf is the id of u's credential for the wallet w, "" if none.
func credentialOf(u *users.User, w *dynamicauthtest.Wallet) string {
	for _, c := range walletCredentials(u) {
		if strings.EqualFold(c.Address, w.Address) {
			return c.ID
		}
	}
	return ""
}

// TestWalletTransferUnlinkSelectFromGo: a user's wallets managed from Go
// (TransferWallet, SelectWallet, UnlinkCredential) with the routes'
// rules: a transfer that would leave the owner nothing to sign in with
// needs AllowEmptyAccount, a transfer moves the wallet without a merge,
// a credential of another user can be neither selected nor unlinked, the
// last credential stays, and a session of another environment or a
// signed-out one changes nothing.
func TestWalletTransferUnlinkSelectFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, live := t.Context(), app.IDs.EnvironmentID, app.IDs.LiveEnvironmentID
		ann := dynamicauthtest.SignInWallet(t, app)
		bob := dynamicauthtest.SignInWallet(t, app) // one wallet: his only way in
		carol := dynamicauthtest.SignInWallet(t, app)
		carolsSecond := dynamicauthtest.NewWallet(t)
		if _, err := app.LinkWallet(ctx, env, carol.MinifiedJWT, walletProof(t, app, carolsSecond)); err != nil {
			t.Fatal(err)
		}
		user := func(id string) *users.User {
			t.Helper()
			u, _, err := app.Users().GetUser(ctx, app.System, env, id)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}

		// Bob's only wallet: a link or a plain transfer is refused, and so
		// are transfers by a session of another environment or none.
		if _, err := app.LinkWallet(ctx, env, ann.MinifiedJWT, walletProof(t, app, bob.Wallet)); !errors.Is(err, users.ErrTransferLeavesNoSignIn) {
			t.Fatalf("link of another user's only wallet: %v", err)
		}
		if _, err := app.TransferWallet(ctx, env, ann.MinifiedJWT, walletProof(t, app, bob.Wallet), dynamicauth.TransferOptions{}); !errors.Is(err, users.ErrTransferLeavesNoSignIn) {
			t.Fatalf("transfer of another user's only wallet: %v", err)
		}
		if _, err := app.TransferWallet(ctx, live, ann.MinifiedJWT, walletProof(t, app, bob.Wallet),
			dynamicauth.TransferOptions{AllowEmptyAccount: true}); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("transfer with a sandbox session in the live environment: %v", err)
		}
		if _, err := app.TransferWallet(ctx, env, "not-a-token", walletProof(t, app, bob.Wallet),
			dynamicauth.TransferOptions{AllowEmptyAccount: true}); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("transfer without a session: %v", err)
		}
		if credentialOf(user(bob.UserID), bob.Wallet) == "" {
			t.Fatal("a refused transfer moved the wallet")
		}
		moved, err := app.TransferWallet(ctx, env, ann.MinifiedJWT, walletProof(t, app, bob.Wallet), dynamicauth.TransferOptions{AllowEmptyAccount: true})
		if err != nil || moved.User.ID != ann.UserID || credentialOf(moved.User, bob.Wallet) == "" || moved.Session.ID == "" {
			t.Fatalf("transfer with AllowEmptyAccount: %+v, %v", moved, err)
		}
		if len(walletCredentials(user(bob.UserID))) != 0 {
			t.Fatal("the wallet stayed with its former owner too")
		}

		// Carol has two wallets: a link offers a merge, a transfer moves
		// one and leaves her the other.
		var e *errs.E
		if _, err := app.LinkWallet(ctx, env, ann.MinifiedJWT, walletProof(t, app, carol.Wallet)); !errors.As(err, &e) || e.Code != signin.CodeMergeConfirmation {
			t.Fatalf("link of a wallet of an account with another: %v", err)
		}
		moved, err = app.TransferWallet(ctx, env, moved.Tokens.MinifiedJWT, walletProof(t, app, carol.Wallet), dynamicauth.TransferOptions{})
		if err != nil || len(walletCredentials(moved.User)) != 3 {
			t.Fatalf("transfer: %+v, %v", moved, err)
		}
		if c := walletCredentials(user(carol.UserID)); len(c) != 1 || !strings.EqualFold(c[0].Address, carolsSecond.Address) {
			t.Fatalf("carol after the transfer: %+v", c)
		}
		token := moved.Tokens.MinifiedJWT

		// Select: one of Ann's wallets, not Carol's remaining one.
		bobs := credentialOf(moved.User, bob.Wallet)
		sel, err := app.SelectWallet(ctx, env, token, bobs)
		if err != nil || sel.User.PrimaryWallet() == nil || sel.User.PrimaryWallet().ID != bobs {
			t.Fatalf("SelectWallet: %+v, %v", sel, err)
		}
		carols := credentialOf(user(carol.UserID), carolsSecond)
		if _, err := app.SelectWallet(ctx, env, token, carols); codeOf(err) != "invalid_wallet_id" {
			t.Fatalf("selecting another user's wallet: %v", err)
		}
		if _, err := app.SelectWallet(ctx, live, token, bobs); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("select in another environment: %v", err)
		}

		// Unlink: not another user's, not in another environment, never the last.
		if _, err := app.UnlinkCredential(ctx, env, token, carols); codeOf(err) != "forbidden_unlink_request" {
			t.Fatalf("unlinking another user's wallet: %v", err)
		}
		if _, err := app.UnlinkCredential(ctx, live, token, bobs); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("unlink in another environment: %v", err)
		}
		if credentialOf(user(carol.UserID), carolsSecond) == "" || credentialOf(user(ann.UserID), bob.Wallet) == "" {
			t.Fatal("a refused unlink removed a wallet")
		}
		res, err := app.UnlinkCredential(ctx, env, token, bobs)
		if err != nil || credentialOf(res.User, bob.Wallet) != "" || len(walletCredentials(res.User)) != 2 {
			t.Fatalf("UnlinkCredential: %+v, %v", res, err)
		}
		res, err = app.UnlinkCredential(ctx, env, res.Tokens.MinifiedJWT, credentialOf(res.User, carol.Wallet))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.UnlinkCredential(ctx, env, res.Tokens.MinifiedJWT, credentialOf(res.User, ann.Wallet)); !errors.Is(err, users.ErrLastSignInCredential) {
			t.Fatalf("unlinking the last credential: %v", err)
		}
		if err := app.SignOut(ctx, env, token); err != nil {
			t.Fatal(err)
		}
		if _, err := app.SelectWallet(ctx, env, token, credentialOf(res.User, ann.Wallet)); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("a signed-out session selected a wallet: %v", err)
		}
	})
}
