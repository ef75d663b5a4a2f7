package storetest

import (
	"errors"
	"testing"
	"time"

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
	now := c.next()
	token := func() *mfa.Token {
		tok := &mfa.Token{Hash: randomBytes(t, 32), UserID: alice.ID, SessionID: "sid", SingleUse: true,
			Scopes: []string{"user:update"}, ExpiresAt: now.Add(time.Hour)}
		must(t, "InsertMFAToken", s.InsertMFAToken(ctx(t), tok))
		return tok
	}
	live := func(tok *mfa.Token) bool { // looked at, not spent
		seen := false
		_, err := s.UseMFAToken(ctx(t), alice.ID, tok.Hash, now, func(*mfa.Token) bool { seen = true; return false })
		must(t, "UseMFAToken (a look)", err)
		return seen
	}
	proof := func(accept func(*mfa.Token) bool, hashes ...[]byte) *mfa.TokenUse {
		return &mfa.TokenUse{UserID: alice.ID, Hashes: hashes, Now: now, Accept: accept}
	}
	sid := func(tok *mfa.Token) bool { return tok.SessionID == "sid" }
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

	once := token()
	if err := link("bob@example.com", proof(sid, once.Hash)); !users.OwnedByAnother(err) {
		t.Fatalf("a link of bob's email with a proof: %v, want it owned by another", err)
	}
	eq(t, "the token after the refused link is live", live(once), true)
	refused("a proof Accept refuses", "alice@example.com", proof(func(*mfa.Token) bool { return false }, once.Hash))
	refused("an unknown token", "alice@example.com", proof(sid, randomBytes(t, 32)))
	refused("an unknown token with bob's email", "bob@example.com", proof(sid, randomBytes(t, 32)))
	eq(t, "the token after the refused proofs is live", live(once), true)
	// the token under a previous secret's hash, the current one unknown
	must(t, "a free email with the proof", link("alice@example.com", proof(sid, randomBytes(t, 32), once.Hash)))
	eq(t, "alice's email", getUser(t, s, alice.ID).Email, "alice@example.com")
	eq(t, "the token after the link is live", live(once), false)
	refused("the spent token", "alice2@example.com", proof(sid, once.Hash))

	race := token()
	writes := make(chan *signin.LinkWrite, 4)
	for range cap(writes) {
		writes <- newEmailLink("racer-"+id()+"@example.com", proof(sid, race.Hash))
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
