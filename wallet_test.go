package dynamicauth_test

import (
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
