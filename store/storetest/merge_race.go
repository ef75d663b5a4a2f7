package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// twoWalletUser signs a new user in with one wallet and links a second,
// so that a link of either by another user offers a merge; it returns
// the user and both wallets.
func twoWalletUser(t *testing.T, s store.Store, c *clock, env string) (*users.User, []users.Credential) {
	t.Helper()
	w1, w2 := newWallet(t, env), newWallet(t, env)
	u, _ := signIn(t, s, c, env, w1)
	_, err := s.LinkCredential(ctx(t), newLink(t, s, c, env, u.ID, w2, c.next()))
	must(t, "LinkCredential", err)
	return u, []users.Credential{w1, w2}
}

// offerMerge records intoID's pending merge of the owner of w.
func offerMerge(t *testing.T, s store.Store, c *clock, env, intoID string, w users.Credential) {
	t.Helper()
	now := c.next()
	_, err := s.OfferMerge(ctx(t), &signin.MergeOffer{EnvironmentID: env, UserID: intoID, Kind: signin.MergeByWallet,
		Credential: users.Credential{Format: w.Format, Chain: w.Chain, Address: w.Address},
		Nonces:     []string{issueNonce(t, s, c, env)}, Now: now, ExpiresAt: now.Add(time.Hour)})
	must(t, "OfferMerge", err)
}

// runMerge runs intoID's pending merge of fromID.
func runMerge(s store.Store, env, intoID, fromID string, now time.Time) func() error {
	return func() error {
		_, err := s.MergeUsers(context.Background(), &signin.MergeWrite{EnvironmentID: env, UserID: intoID, FromUserID: fromID, Now: now,
			Apply: func(into, _ *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
				return &users.ProfileChange{User: into}, nil
			}})
		return err
	}
}

// wantHeldBy checks each credential belongs to one of the users and that
// user still exists; it returns how many each holds.
func wantHeldBy(t *testing.T, s store.Store, what string, creds []users.Credential) map[string]int {
	t.Helper()
	held := map[string]int{}
	for _, w := range creds {
		cred, err := s.GetCredential(ctx(t), w.ID)
		if err != nil {
			t.Fatalf("%s: credential %s lost: %v", what, w.ID, err)
		}
		if _, err := s.GetUser(ctx(t), cred.UserID); err != nil {
			t.Fatalf("%s: credential %s held by a user who is gone: %v", what, w.ID, err)
		}
		held[cred.UserID]++
	}
	return held
}

// testMergeRace: merges racing (a few rounds): one pair merged twice at
// once, two users merging each other, and a chain (alice merging bob
// while bob merges carol). Of the first two exactly one merge runs; in
// every case no credential is lost nor left to a deleted user, and a user
// merged away is gone with their sessions.
func testMergeRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	for round := range 3 {
		what := func(s string) string { return fmt.Sprintf("round %d: %s", round, s) }

		alice, aw := twoWalletUser(t, s, c, env)
		bob, bw := twoWalletUser(t, s, c, env)
		offerMerge(t, s, c, env, alice.ID, bw[0])
		at := c.next()
		oneWins(t, what("one merge twice"), race(runMerge(s, env, alice.ID, bob.ID, at), runMerge(s, env, alice.ID, bob.ID, at)),
			signin.CodeMergeInvalid)
		eq(t, what("alice's credentials after one merge twice"), wantHeldBy(t, s, what("one merge twice"), append(aw, bw...))[alice.ID], 4)
		_, err := s.GetUser(ctx(t), bob.ID)
		wantKind(t, what("bob after the merge"), err, errs.KindNotFound)

		alice, aw = twoWalletUser(t, s, c, env)
		bob, bw = twoWalletUser(t, s, c, env)
		offerMerge(t, s, c, env, alice.ID, bw[0])
		offerMerge(t, s, c, env, bob.ID, aw[0])
		at = c.next()
		won := oneWins(t, what("each other"), race(runMerge(s, env, alice.ID, bob.ID, at), runMerge(s, env, bob.ID, alice.ID, at)),
			signin.CodeMergeInvalid)
		stays, gone := alice.ID, bob.ID
		if won == 1 {
			stays, gone = bob.ID, alice.ID
		}
		eq(t, what("the staying user's credentials after merging each other"), wantHeldBy(t, s, what("each other"), append(aw, bw...))[stays], 4)
		_, err = s.GetUser(ctx(t), gone)
		wantKind(t, what("the merged user after merging each other"), err, errs.KindNotFound)

		alice, aw = twoWalletUser(t, s, c, env)
		bob, bw = twoWalletUser(t, s, c, env)
		carol, cw := twoWalletUser(t, s, c, env)
		_, carolSession := signIn(t, s, c, env, cw[0])
		offerMerge(t, s, c, env, alice.ID, bw[0])
		offerMerge(t, s, c, env, bob.ID, cw[0])
		at = c.next()
		results := race(runMerge(s, env, alice.ID, bob.ID, at), runMerge(s, env, bob.ID, carol.ID, at))
		for i, err := range results {
			if err != nil {
				wantCode(t, what(fmt.Sprintf("chain merge #%d", i)), err, errs.KindUnprocessable, signin.CodeMergeInvalid)
			}
		}
		all := append(append(aw, bw...), cw...)
		held := wantHeldBy(t, s, what("chain"), all)
		if results[1] == nil { // carol was merged (into bob, who may have gone to alice since)
			_, err := s.GetUser(ctx(t), carol.ID)
			wantKind(t, what("carol after her merge"), err, errs.KindNotFound)
			_, err = s.GetSession(ctx(t), carolSession.ID)
			wantKind(t, what("carol's session after her merge"), err, errs.KindNotFound)
		} else {
			eq(t, what("carol's credentials when her merge lost"), held[carol.ID], 2)
		}
		if results[0] == nil {
			_, err := s.GetUser(ctx(t), bob.ID)
			wantKind(t, what("bob after his merge"), err, errs.KindNotFound)
		}
	}
}
