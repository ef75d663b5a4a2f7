package signin_test

import (
	"context"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
)

// racingMerges is the fixture's merge store with a hook that runs right
// after MergeAccounts read whom the caller's pending merge names, before
// it runs the merge: where a concurrent request of the caller lands.
type racingMerges struct {
	signin.MergeStore
	afterRead func()
}

func (r *racingMerges) PendingMergeFrom(ctx context.Context, envID, userID string, now time.Time) (string, error) {
	from, err := r.MergeStore.PendingMergeFrom(ctx, envID, userID, now)
	if hook := r.afterRead; hook != nil && err == nil {
		r.afterRead = nil
		hook()
	}
	return from, err
}

// TestMergeRunsTheAccountItChecked: /verify/merge refuses an account
// protected by a second factor, and must merge only the account it
// checked. A link of a protected account's wallet records its pending
// merge before refusing it (merge_accounts_invalid), replacing the
// caller's pending merge of an unprotected account; a /verify/merge of
// that unprotected account running at the same moment checked it, then
// merged whatever the pending merge named by then: the protected account,
// TOTP and all, handed over for one wallet signature.
func TestMergeRunsTheAccountItChecked(t *testing.T) {
	var f *fixture
	races := &racingMerges{}
	f = newFixtureWith(t, func(d *signin.Deps, st *sqlite.Store) {
		keys, err := secrets.New(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		d.MFA = mfa.New(mfa.Deps{Store: st, Secrets: keys, Now: func() time.Time { return f.clock.now() }})
		races.MergeStore = st
		d.Merges = races
	})
	ctx := context.Background()
	f.setSecurity(t, "mfa", map[string]any{"enabled": true, "required": false})

	// mallory's own second account (two wallets) and the victim's (two
	// wallets and a TOTP device; mallory holds one of its wallet keys).
	own, victim := f.twoAccounts(t), f.twoAccounts(t)
	en, err := f.svc.RegisterTOTP(ctx, victim.other, signin.Proof{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmTOTP(ctx, victim.other, mfatest.TOTP(t, en.Secret, f.clock.now())); err != nil {
		t.Fatal(err)
	}
	mallory := own.cur

	_, err = f.svc.LinkWallet(ctx, mallory, f.signedRequest(t, own.kb), signin.LinkOptions{})
	wantCode(t, err, signin.CodeMergeConfirmation)
	races.afterRead = func() {
		_, err := f.svc.LinkWallet(ctx, mallory, f.signedRequest(t, victim.kb), signin.LinkOptions{})
		wantCode(t, err, signin.CodeMergeInvalid)
	}
	_, err = f.svc.MergeAccounts(ctx, mallory, signin.MergeRequest{IssuerHost: "auth.test"})
	u, gerr := f.store.GetUser(ctx, victim.other.User.ID)
	if gerr != nil || len(u.Credentials) != 2 {
		t.Fatalf("the protected account was merged (MergeAccounts: %v): GetUser %v, %+v", err, gerr, u)
	}
	if err == nil {
		t.Fatal("the merge ran, though its pending merge changed since it was checked")
	}
	wantCode(t, err, signin.CodeMergeInvalid)
	if got, _ := f.store.GetUser(ctx, mallory.User.ID); got != nil && got.Same(&users.Credential{Format: users.FormatBlockchain,
		Chain: users.ChainEIP155, Address: victim.other.User.Credentials[0].Address}) != nil {
		t.Fatal("mallory holds the protected account's wallet")
	}
}
