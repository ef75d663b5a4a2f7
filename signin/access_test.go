package signin_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

func TestSanctionedWalletRefusedAtSignInLinkAndTransfer(t *testing.T) {
	ctx := context.Background()
	clean, listed, later := newKey(t), newKey(t), newKey(t)
	list := filepath.Join(t.TempDir(), "sdn.txt")
	body := crypto.PubkeyToAddress(listed.PublicKey).Hex() + "\n" + crypto.PubkeyToAddress(later.PublicKey).Hex() + "\n"
	if err := os.WriteFile(list, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	screener, err := access.NewListScreener(list)
	if err != nil {
		t.Fatal(err)
	}
	var acc *access.Service
	f := newFixtureWith(t, func(d *signin.Deps, st *sqlite.Store) {
		acc = access.NewService(access.Deps{Store: st, Screener: screener})
		d.Access, d.Owners = acc, st
	})
	env := f.ids.EnvironmentID

	owner := f.signIn(t, later) // before screening is on: a wallet someone holds
	if err := acc.SetScreening(ctx, env, true); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.WalletSignIn(ctx, f.signedRequest(t, listed))
	wantSanctioned(t, err)
	assertCounts(t, f, 1, 1) // nothing written

	u := f.signIn(t, clean)
	_, err = f.svc.LinkWallet(ctx, u, f.signedRequest(t, listed), signin.LinkOptions{})
	wantSanctioned(t, err)
	_, err = f.svc.LinkWallet(ctx, u, f.signedRequest(t, later), signin.LinkOptions{Transfer: true, AllowEmptyAccount: true})
	wantSanctioned(t, err)
	if got, err := f.store.GetUser(ctx, owner.User.ID); err != nil || len(got.Credentials) != 1 {
		t.Fatalf("the refused transfer moved the wallet: %v %+v", err, got)
	}
	_, err = f.svc.Refresh(ctx, owner, nil, "", "")
	wantSanctioned(t, err)

	if err := acc.SetScreening(ctx, env, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.WalletSignIn(ctx, f.signedRequest(t, listed)); err != nil {
		t.Fatalf("screening off for the environment: %v", err)
	}
}

func wantSanctioned(t *testing.T, err error) {
	t.Helper()
	var e *errs.E
	if !errorsAs(err, &e) || e.Kind != errs.KindForbidden || e.Code != access.CodeSanctioned || e.Payload["walletPublicKey"] == nil {
		t.Fatalf("want 403 %s naming the wallet, got %v", access.CodeSanctioned, err)
	}
}
