package dynamicauth_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/farcaster/farcastertest"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/wallets"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// Sign In With Farcaster from Go: the facade's SignInWithFarcaster with
// the registry on a simulated chain.
func TestSignInWithFarcasterFromGo(t *testing.T) {
	ctx := context.Background()
	reg := farcastertest.NewRegistry(t)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32),
		SignIn:    signin.Config{RPC: map[string]wallets.ChainCaller{"10": reg.Chain.Client}},
		Farcaster: dynamicauth.FarcasterConfig{Registry: reg.Address}})
	if err != nil {
		t.Fatal(err)
	}
	ids, _, err := a.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	typ := social.Farcaster
	if _, err := a.Providers().Create(ctx, dynamicauth.System(ids.OrganizationID), ids.EnvironmentID, social.ProviderInput{Type: &typ}); err != nil {
		t.Fatal(err)
	}
	key, _ := crypto.GenerateKey()
	fid := reg.Register(t, crypto.PubkeyToAddress(key.PublicKey))
	res, err := a.SignInWithFarcaster(ctx, siwf(t, a, ids.EnvironmentID, key, fid))
	if err != nil {
		t.Fatal(err)
	}
	c := res.User.Credentials[0]
	if c.Chain != social.Farcaster || c.Address != fmt.Sprint(fid) || !res.NewUser || res.Tokens == nil {
		t.Fatalf("signed in as %+v (new %v)", c, res.NewUser)
	}
}

// siwf is a Sign In With Farcaster request for fid, signed by its
// custody key, with a fresh nonce of the environment.
func siwf(t *testing.T, a *dynamicauth.Auth, envID string, key *ecdsa.PrivateKey, fid uint64) signin.FarcasterRequest {
	t.Helper()
	nonces, err := a.IssueNonces(t.Context(), envID, 1)
	if err != nil {
		t.Fatal(err)
	}
	custody := crypto.PubkeyToAddress(key.PublicKey).Hex()
	msg := farcastertest.Message{Address: custody, FID: fid, Nonce: nonces[0]}.String()
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return signin.FarcasterRequest{EnvironmentID: envID, Address: custody, Domain: "localhost:3000", Nonce: nonces[0],
		Message: msg, Signature: fmt.Sprintf("0x%x", sig)}
}

// TestLinkFarcasterFromGo: a signed-in user adds the Farcaster account a
// SIWF message proves by session (LinkFarcaster, farcaster/verify): the
// session's tokens come back with the account on the user, who then signs
// in with it; the same message again, and another user linking the
// account, are refused.
func TestLinkFarcasterFromGo(t *testing.T) {
	reg := farcastertest.NewRegistry(t)
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		typ := social.Farcaster
		if _, err := app.Providers().Create(ctx, app.System, env, social.ProviderInput{Type: &typ}); err != nil {
			t.Fatal(err)
		}
		key, _ := crypto.GenerateKey()
		fid := reg.Register(t, crypto.PubkeyToAddress(key.PublicKey))
		ann, bob := dynamicauthtest.SignInWallet(t, app), dynamicauthtest.SignInWallet(t, app)

		req := siwf(t, app.Auth, env, key, fid)
		req.EnvironmentID, req.Origin = "", app.Origin
		res, err := app.LinkFarcaster(ctx, env, ann.MinifiedJWT, req)
		if err != nil {
			t.Fatal(err)
		}
		wantLinked(t, app, res, ann, social.Farcaster, fmt.Sprint(fid))
		if _, err := app.LinkFarcaster(ctx, env, ann.MinifiedJWT, req); err == nil {
			t.Fatal("the same message linked again")
		}
		if _, err := app.LinkFarcaster(ctx, env, bob.MinifiedJWT, siwf(t, app.Auth, env, key, fid)); codeOf(err) != signin.CodeSocialAccountExists {
			t.Fatalf("Bob links Ann's Farcaster account: %v, want %s", err, signin.CodeSocialAccountExists)
		}
		in, err := app.SignInWithFarcaster(ctx, siwf(t, app.Auth, env, key, fid))
		if err != nil || in.User.ID != ann.UserID || in.NewUser {
			t.Fatalf("sign in with the linked account: %+v, %v", in, err)
		}
	}, func(c *dynamicauth.Config) {
		c.SignIn.RPC = map[string]wallets.ChainCaller{"10": reg.Chain.Client}
		c.Farcaster = dynamicauth.FarcasterConfig{Registry: reg.Address}
	})
}
