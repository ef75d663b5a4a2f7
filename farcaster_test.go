package dynamicauth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth"
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
	custody := crypto.PubkeyToAddress(key.PublicKey)
	fid := reg.Register(t, custody)
	nonces, err := a.IssueNonces(ctx, ids.EnvironmentID, 1)
	if err != nil {
		t.Fatal(err)
	}
	msg := farcastertest.Message{Address: custody.Hex(), FID: fid, Nonce: nonces[0]}.String()
	sig, _ := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	sig[64] += 27
	res, err := a.SignInWithFarcaster(ctx, signin.FarcasterRequest{EnvironmentID: ids.EnvironmentID, Address: custody.Hex(),
		Domain: "localhost:3000", Nonce: nonces[0], Message: msg, Signature: fmt.Sprintf("0x%x", sig)})
	if err != nil {
		t.Fatal(err)
	}
	c := res.User.Credentials[0]
	if c.Chain != social.Farcaster || c.Address != fmt.Sprint(fid) || !res.NewUser || res.Tokens == nil {
		t.Fatalf("signed in as %+v (new %v)", c, res.NewUser)
	}
}
