package storetest

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/store"
)

// testDeletePasskeyProof: the proof a passkey's deletion takes (an
// mfaToken where passkeys are a second factor) is spent in the delete's
// transaction: a delete refused (the user's last way to sign in, no such
// passkey) leaves a single-use token unspent; a proof no live token
// serves refuses the delete with mfa.ErrProofRefused before the delete's
// own refusals, deleting nothing; of deletes racing with one single-use
// token, one passes.
func testDeletePasskeyProof(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	u, _ := signIn(t, s, c, env, newWallet(t, env))
	add := func() *passkey.Passkey {
		p, vc := newPasskey(t, env, u.ID, c.next())
		must(t, "InsertPasskey", s.InsertPasskey(ctx(t), p, vc, 10, nil))
		return p
	}
	only := add()
	_, err := s.UnlinkCredential(ctx(t), u.ID, getUser(t, s, u.ID).WalletCredentials()[0].ID, c.next())
	must(t, "unlink the wallet: the passkey is the user's last way to sign in", err)
	pr := proofs{s: s, userID: u.ID, now: c.next()}
	del := func(id string, p *mfa.TokenUse) error { return s.DeletePasskey(ctx(t), u.ID, id, c.next(), p) }
	stays := func(what string, p *passkey.Passkey) {
		t.Helper()
		_, err := s.GetPasskey(ctx(t), u.ID, p.ID)
		must(t, "the passkey after "+what, err)
	}
	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, mfa.ErrProofRefused) {
			t.Fatalf("%s: %v, want mfa.ErrProofRefused", what, err)
		}
	}

	once := pr.token(t)
	wantCode(t, "deleting the last way to sign in with a proof", del(only.ID, pr.of(ofSID, once.Hash)),
		errs.KindUnprocessable, "cannot_delete_last_sign_in_verified_credential")
	wantKind(t, "deleting no passkey with a proof", del(id(), pr.of(ofSID, once.Hash)), errs.KindNotFound)
	eq(t, "the token after the refused deletes is live", pr.live(t, once), true)
	refused("no passkey with an unknown token", del(id(), pr.of(ofSID, randomBytes(t, 32))))
	second := add()
	refused("a proof Accept refuses", del(only.ID, pr.of(func(*mfa.Token) bool { return false }, once.Hash)))
	stays("a refused proof", only)
	eq(t, "the token after the refused proofs is live", pr.live(t, once), true)
	// the token under a previous secret's hash, the current one unknown
	must(t, "delete with the proof", del(only.ID, pr.of(ofSID, randomBytes(t, 32), once.Hash)))
	eq(t, "the token after the delete is live", pr.live(t, once), false)
	refused("the spent token", del(second.ID, pr.of(ofSID, once.Hash)))
	stays("the spent token", second)

	race := pr.token(t)
	ids := make(chan string, 4)
	for range cap(ids) {
		ids <- add().ID
	}
	passed := countParallel(t, cap(ids), func() (bool, error) {
		err := s.DeletePasskey(ctx(t), u.ID, <-ids, pr.now, pr.of(ofSID, race.Hash))
		if errors.Is(err, mfa.ErrProofRefused) {
			return false, nil
		}
		return err == nil, err
	})
	eq(t, "deletes passed with one single-use token", passed, 1)
}
