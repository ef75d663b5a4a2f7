package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testUpdateProfileProof: the step-up proof a profile change carries is
// spent in the change's transaction: a single-use token is consumed with
// the change it allows; a change the write refuses (a taken username)
// leaves it unspent; a proof no live token serves (unknown, refused by
// Accept, spent) refuses the change with mfa.ErrProofRefused, writing
// nothing; of changes racing with one single-use token, one passes.
func testUpdateProfileProof(t *testing.T, s store.Store) {
	c, _, alice := aliceBesideBob(t, s)
	pr := proofs{s: s, userID: alice.ID, now: c.next()}
	change := func(username string, p *mfa.TokenUse) error {
		_, err := s.UpdateProfile(ctx(t), alice.ID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
			next := *cur
			next.Username, next.UpdatedAt = username, c.next()
			return &users.ProfileChange{User: &next, Proof: p}, nil
		})
		return err
	}
	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, mfa.ErrProofRefused) {
			t.Fatalf("%s: %v, want mfa.ErrProofRefused", what, err)
		}
		eq(t, "username after "+what, getUser(t, s, alice.ID).Username, "")
	}

	once := pr.token(t)
	wantCode(t, "a taken username with a proof", change("BOB", pr.of(ofSID, once.Hash)), errs.KindUnprocessable, "username_already_exists")
	eq(t, "the token after the refused change is live", pr.live(t, once), true)
	refused("a proof Accept refuses", change("alice", pr.of(func(*mfa.Token) bool { return false }, once.Hash)))
	refused("an unknown token", change("alice", pr.of(ofSID, randomBytes(t, 32))))
	eq(t, "the token after the refused proofs is live", pr.live(t, once), true)
	// the token under a previous secret's hash, the current one unknown
	must(t, "a free username with the proof", change("alice", pr.of(ofSID, randomBytes(t, 32), once.Hash)))
	eq(t, "username stored", getUser(t, s, alice.ID).Username, "alice")
	eq(t, "the token after the change is live", pr.live(t, once), false)
	err := change("alice2", pr.of(ofSID, once.Hash))
	if !errors.Is(err, mfa.ErrProofRefused) {
		t.Fatalf("the spent token again: %v, want mfa.ErrProofRefused", err)
	}
	eq(t, "username after the spent token", getUser(t, s, alice.ID).Username, "alice")

	race := pr.token(t)
	passed := countParallel(t, 4, func() (bool, error) {
		err := change("racer", pr.of(ofSID, race.Hash))
		if errors.Is(err, mfa.ErrProofRefused) {
			return false, nil
		}
		return err == nil, err
	})
	eq(t, "changes passed with one single-use token", passed, 1)
}

// testUpdateProfileVerification: the verification a profile change
// starts is stored in its transaction: not at all when the write is
// refused, checkable once the change is committed.
func testUpdateProfileVerification(t *testing.T, s store.Store) {
	c, env, alice := aliceBesideBob(t, s)
	now := c.next()
	verification := func() *otp.Verification {
		return &otp.Verification{ID: id(), EnvironmentID: env, Channel: otp.ChannelEmail, Address: "new@example.com",
			CodeHash: randomHex(t, 32), Session: id(), ExpiresAt: now.Add(10 * time.Minute), CreatedAt: now}
	}
	change := func(username string, v *otp.Verification) error {
		_, err := s.UpdateProfile(ctx(t), alice.ID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
			next := *cur
			next.Username, next.UpdatedAt = username, c.next()
			return &users.ProfileChange{User: &next, Verification: v}, nil
		})
		return err
	}
	check := func(v *otp.Verification) otp.Outcome { return checkCode(t, s, v, v.CodeHash, now) }

	refused := verification()
	wantCode(t, "a taken username with a verification", change("BOB", refused), errs.KindUnprocessable, "username_already_exists")
	eq(t, "the refused change's verification", check(refused), otp.NotFound)
	stored := verification()
	must(t, "a free username with a verification", change("alice", stored))
	eq(t, "username stored", getUser(t, s, alice.ID).Username, "alice")
	eq(t, "the change's verification", check(stored), otp.Accepted)
}

// aliceBesideBob is a sandbox with two wallet users, alice and bob, bob
// holding the username "bob": a change of alice's that takes it is one
// the profile write refuses.
func aliceBesideBob(t *testing.T, s store.Store) (*clock, string, *users.User) {
	c := newClock()
	env := newEndEnv(t, s, c).sandbox.ID
	alice, _ := signIn(t, s, c, env, newWallet(t, env))
	bob, _ := signIn(t, s, c, env, newWallet(t, env))
	_, err := setProfile(s, t, bob.ID, c.next(), func(u *users.User) { u.Username = "bob" })
	must(t, "bob takes a username", err)
	return c, env, alice
}
