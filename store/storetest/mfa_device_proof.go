package storetest

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/store"
)

// testDeleteMFADeviceProof: the proof an MFA device's deletion takes (an
// mfaToken, or an elevatedAccessToken with credential:unlink) is spent
// in the delete's transaction: a delete refused (no such device of the
// user) leaves a single-use token unspent; a proof no live token serves
// refuses the delete with mfa.ErrProofRefused before the delete's own
// refusal, deleting nothing; of deletes racing with one single-use
// token, one passes.
func testDeleteMFADeviceProof(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	u, _ := signIn(t, s, c, env, newWallet(t, env))
	other, _ := signIn(t, s, c, env, newWallet(t, env))
	add := func(userID string) *mfa.Device { // verified: a new enrollment replaces a pending one
		at := c.next()
		d := newDevice(t, env, userID, at)
		d.VerifiedAt = &at
		must(t, "InsertMFADevice", s.InsertMFADevice(ctx(t), d, nil))
		return d
	}
	pr := proofs{s: s, userID: u.ID, now: c.next()}
	del := func(id string, p *mfa.TokenUse) error { return s.DeleteMFADevice(ctx(t), u.ID, id, pr.now, p) }
	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, mfa.ErrProofRefused) {
			t.Fatalf("%s: %v, want mfa.ErrProofRefused", what, err)
		}
	}
	stays := func(what string, d *mfa.Device) {
		t.Helper()
		_, err := s.GetMFADevice(ctx(t), d.UserID, d.ID)
		must(t, "the device after "+what, err)
	}

	mine, theirs := add(u.ID), add(other.ID)
	once := pr.token(t)
	wantKind(t, "deleting another user's device with a proof", del(theirs.ID, pr.of(ofSID, once.Hash)), errs.KindNotFound)
	stays("a refused delete", theirs)
	eq(t, "the token after the refused delete is live", pr.live(t, once), true)
	refused("no device with an unknown token", del(id(), pr.of(ofSID, randomBytes(t, 32))))
	refused("a proof Accept refuses", del(mine.ID, pr.of(func(*mfa.Token) bool { return false }, once.Hash)))
	stays("a refused proof", mine)
	eq(t, "the token after the refused proofs is live", pr.live(t, once), true)
	must(t, "delete with the proof", del(mine.ID, pr.of(ofSID, randomBytes(t, 32), once.Hash)))
	eq(t, "the token after the delete is live", pr.live(t, once), false)
	second := add(u.ID)
	refused("the spent token", del(second.ID, pr.of(ofSID, once.Hash)))
	stays("the spent token", second)

	race := pr.token(t)
	ids := make(chan string, 4)
	for range cap(ids) {
		ids <- add(u.ID).ID
	}
	passed := countParallel(t, cap(ids), func() (bool, error) {
		err := del(<-ids, pr.of(ofSID, race.Hash))
		if errors.Is(err, mfa.ErrProofRefused) {
			return false, nil
		}
		return err == nil, err
	})
	eq(t, "deletes passed with one single-use token", passed, 1)
}
