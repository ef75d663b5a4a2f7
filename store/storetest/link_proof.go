package storetest

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testLinkCredentialProof: the step-up proof a link carries (a verified
// email joining the user, emailVerifications/verify) is spent in the
// link's transaction: a single-use token is consumed with the link it
// allows; a link the write refuses (an address another user has) leaves
// it unspent; a proof no live token serves refuses the link with
// mfa.ErrProofRefused before the write's own refusals, writing nothing
// (the nonces stay); of links racing with one single-use token, one
// passes.
func testLinkCredentialProof(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	alice, _ := signIn(t, s, c, env, newWallet(t, env))
	signIn(t, s, c, env, emailCredential(env, "bob@example.com"))
	pr := proofs{s: s, userID: alice.ID, now: c.next()}
	newEmailLink := func(address string, p *mfa.TokenUse) *signin.LinkWrite {
		lw := newLink(t, s, c, env, alice.ID, emailCredential(env, address), c.next())
		lw.Event, lw.Profile, lw.Proof = events.EmailLinked, &signin.NewUserProfile{Email: address}, p
		return lw
	}
	link := func(address string, p *mfa.TokenUse) error {
		_, err := s.LinkCredential(ctx(t), newEmailLink(address, p))
		return err
	}
	refused := func(what, address string, p *mfa.TokenUse) {
		t.Helper()
		before := getUser(t, s, alice.ID).Email
		lw := newEmailLink(address, p)
		if _, err := s.LinkCredential(ctx(t), lw); !errors.Is(err, mfa.ErrProofRefused) {
			t.Fatalf("%s: %v, want mfa.ErrProofRefused", what, err)
		}
		eq(t, "alice's email after "+what, getUser(t, s, alice.ID).Email, before)
		must(t, "ConsumeNonces of "+what, s.ConsumeNonces(ctx(t), env, lw.Nonces, c.t))
	}

	once := pr.token(t)
	if err := link("bob@example.com", pr.of(ofSID, once.Hash)); !users.OwnedByAnother(err) {
		t.Fatalf("a link of bob's email with a proof: %v, want it owned by another", err)
	}
	eq(t, "the token after the refused link is live", pr.live(t, once), true)
	refused("a proof Accept refuses", "alice@example.com", pr.of(func(*mfa.Token) bool { return false }, once.Hash))
	refused("an unknown token", "alice@example.com", pr.of(ofSID, randomBytes(t, 32)))
	refused("an unknown token with bob's email", "bob@example.com", pr.of(ofSID, randomBytes(t, 32)))
	eq(t, "the token after the refused proofs is live", pr.live(t, once), true)
	// the token under a previous secret's hash, the current one unknown
	must(t, "a free email with the proof", link("alice@example.com", pr.of(ofSID, randomBytes(t, 32), once.Hash)))
	eq(t, "alice's email", getUser(t, s, alice.ID).Email, "alice@example.com")
	eq(t, "the token after the link is live", pr.live(t, once), false)
	refused("the spent token", "alice2@example.com", pr.of(ofSID, once.Hash))

	race := pr.token(t)
	writes := make(chan *signin.LinkWrite, 4)
	for range cap(writes) {
		writes <- newEmailLink("racer-"+id()+"@example.com", pr.of(ofSID, race.Hash))
	}
	passed := countParallel(t, cap(writes), func() (bool, error) {
		_, err := s.LinkCredential(ctx(t), <-writes)
		if errors.Is(err, mfa.ErrProofRefused) {
			return false, nil
		}
		return err == nil, err
	})
	eq(t, "links passed with one single-use token", passed, 1)
}
