package storetest

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/store"
)

// testInsertFactorProof: the proof adding a factor takes (an mfaToken, or
// an elevatedAccessToken with credential:link) is spent in the insert's
// transaction, of a TOTP device as of a passkey: an insert refused (an
// id or credential taken, the user's most passkeys) leaves a single-use
// token unspent; a proof no live token serves refuses the insert with
// mfa.ErrProofRefused, inserting nothing; of inserts racing with one
// single-use token, one passes.
func testInsertFactorProof(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	u, _ := signIn(t, s, c, env, newWallet(t, env))
	other, _ := signIn(t, s, c, env, newWallet(t, env))
	pr := proofs{s: s, userID: u.ID, now: c.next()}
	refused := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, mfa.ErrProofRefused) {
			t.Fatalf("%s: %v, want mfa.ErrProofRefused", what, err)
		}
	}

	t.Run("device", func(t *testing.T) {
		devices := func() int {
			t.Helper()
			ds, err := s.ListMFADevices(ctx(t), u.ID)
			must(t, "ListMFADevices", err)
			return len(ds)
		}
		theirs := newDevice(t, env, other.ID, c.next())
		must(t, "InsertMFADevice of the other user", s.InsertMFADevice(ctx(t), theirs, nil))
		once := pr.token(t)
		taken := newDevice(t, env, u.ID, c.next())
		taken.ID = theirs.ID
		wantKind(t, "a device of a taken id with a proof", s.InsertMFADevice(ctx(t), taken, pr.of(ofSID, once.Hash)), errs.KindConflict)
		eq(t, "the token after the refused insert is live", pr.live(t, once), true)
		refused(t, "an unknown token", s.InsertMFADevice(ctx(t), newDevice(t, env, u.ID, c.next()), pr.of(ofSID, randomBytes(t, 32))))
		refused(t, "a proof Accept refuses", s.InsertMFADevice(ctx(t), newDevice(t, env, u.ID, c.next()),
			pr.of(func(*mfa.Token) bool { return false }, once.Hash)))
		eq(t, "devices after the refused proofs", devices(), 0)
		eq(t, "the token after the refused proofs is live", pr.live(t, once), true)
		must(t, "insert with the proof", s.InsertMFADevice(ctx(t), newDevice(t, env, u.ID, c.next()), pr.of(ofSID, randomBytes(t, 32), once.Hash)))
		eq(t, "the token after the insert is live", pr.live(t, once), false)
		refused(t, "the spent token", s.InsertMFADevice(ctx(t), newDevice(t, env, u.ID, c.next()), pr.of(ofSID, once.Hash)))

		race := pr.token(t)
		passed := countParallel(t, 4, func() (bool, error) {
			err := s.InsertMFADevice(ctx(t), newDevice(t, env, u.ID, pr.now), pr.of(ofSID, race.Hash))
			if errors.Is(err, mfa.ErrProofRefused) {
				return false, nil
			}
			return err == nil, err
		})
		eq(t, "inserts passed with one single-use token", passed, 1)
	})

	t.Run("passkey", func(t *testing.T) {
		passkeys := func() int {
			t.Helper()
			ps, err := s.ListPasskeys(ctx(t), u.ID)
			must(t, "ListPasskeys", err)
			return len(ps)
		}
		theirs, theirsVC := newPasskey(t, env, other.ID, c.next())
		must(t, "InsertPasskey of the other user", s.InsertPasskey(ctx(t), theirs, theirsVC, 10, nil))
		once := pr.token(t)
		dup, dupVC := newPasskey(t, env, u.ID, c.next())
		dup.CredentialID, dupVC.Address = theirs.CredentialID, theirsVC.Address
		wantKind(t, "a registered credential with a proof", s.InsertPasskey(ctx(t), dup, dupVC, 10, pr.of(ofSID, once.Hash)), errs.KindConflict)
		p, vc := newPasskey(t, env, u.ID, c.next())
		wantCode(t, "a passkey over the limit with a proof", s.InsertPasskey(ctx(t), p, vc, 0, pr.of(ofSID, once.Hash)),
			errs.KindUnprocessable, passkey.CodeMaxPasskeys)
		eq(t, "the token after the refused inserts is live", pr.live(t, once), true)
		refused(t, "an unknown token", s.InsertPasskey(ctx(t), p, vc, 10, pr.of(ofSID, randomBytes(t, 32))))
		refused(t, "a proof Accept refuses", s.InsertPasskey(ctx(t), p, vc, 10, pr.of(func(*mfa.Token) bool { return false }, once.Hash)))
		eq(t, "passkeys after the refused proofs", passkeys(), 0)
		if getUser(t, s, u.ID).Credential(vc.ID) != nil {
			t.Fatal("a refused proof linked the passkey's credential")
		}
		eq(t, "the token after the refused proofs is live", pr.live(t, once), true)
		must(t, "insert with the proof", s.InsertPasskey(ctx(t), p, vc, 10, pr.of(ofSID, randomBytes(t, 32), once.Hash)))
		eq(t, "the token after the insert is live", pr.live(t, once), false)
		p2, vc2 := newPasskey(t, env, u.ID, c.next())
		refused(t, "the spent token", s.InsertPasskey(ctx(t), p2, vc2, 10, pr.of(ofSID, once.Hash)))

		race := pr.token(t)
		passed := countParallel(t, 4, func() (bool, error) {
			p, vc := newPasskey(t, env, u.ID, pr.now)
			err := s.InsertPasskey(ctx(t), p, vc, 10, pr.of(ofSID, race.Hash))
			if errors.Is(err, mfa.ErrProofRefused) {
				return false, nil
			}
			return err == nil, err
		})
		eq(t, "inserts passed with one single-use token", passed, 1)
		eq(t, "passkeys", passkeys(), 2)
	})
}
