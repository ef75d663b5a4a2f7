package storetest

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testPendingMerge: OfferMerge records whose account a link would merge,
// and PendingMergeFrom names that user to the caller only, in the
// environment and until the offer expires (the domain checks the other
// account's second factors before running it); MergeUsers runs it only
// for the user the domain checked, and keeps it otherwise.
func testPendingMerge(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	alice, _ := signIn(t, s, c, env, newWallet(t, env))
	b1, b2 := newWallet(t, env), newWallet(t, env)
	bob, _ := signIn(t, s, c, env, b1)
	now := c.next()
	if _, err := s.LinkCredential(ctx(t), newLink(t, s, c, env, bob.ID, b2, now)); err != nil {
		t.Fatal(err)
	}
	from, err := s.PendingMergeFrom(ctx(t), env, alice.ID, now)
	must(t, "PendingMergeFrom before an offer", err)
	eq(t, "pending merge before an offer", from, "")

	now = c.next()
	offered, err := s.OfferMerge(ctx(t), &signin.MergeOffer{EnvironmentID: env, UserID: alice.ID, Kind: signin.MergeByWallet,
		Credential: users.Credential{Format: b1.Format, Chain: b1.Chain, Address: b1.Address},
		Nonces:     []string{issueNonce(t, s, c, env)}, Now: now, ExpiresAt: now.Add(time.Minute)})
	must(t, "OfferMerge", err)
	if offered == nil || offered.ID != bob.ID {
		t.Fatalf("OfferMerge = %+v, want bob %s", offered, bob.ID)
	}
	for _, c := range []struct {
		what, env, user string
		at              time.Time
		want            string
	}{
		{"the caller's", env, alice.ID, now, bob.ID},
		{"the other user's", env, bob.ID, now, ""},
		{"in another environment", e.live.ID, alice.ID, now, ""},
		{"once expired", env, alice.ID, now.Add(time.Minute), ""},
	} {
		from, err := s.PendingMergeFrom(ctx(t), c.env, c.user, c.at)
		must(t, "PendingMergeFrom "+c.what, err)
		eq(t, "pending merge "+c.what, from, c.want)
	}

	// The caller's pending merge was replaced since the domain checked it.
	_, err = s.MergeUsers(ctx(t), &signin.MergeWrite{EnvironmentID: env, UserID: alice.ID, FromUserID: "checked-user", Now: now,
		Apply: func(into, from *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
			return &users.ProfileChange{User: into}, nil
		}})
	wantCode(t, "MergeUsers of another user than the pending merge's", err, errs.KindUnprocessable, signin.CodeMergeInvalid)
	from, err = s.PendingMergeFrom(ctx(t), env, alice.ID, now)
	must(t, "PendingMergeFrom after a refused merge", err)
	eq(t, "pending merge after a refused merge", from, bob.ID)

	// Run for the user checked, it moves bob's passkey to alice with the
	// user handle its authenticator was given, bob's id; alice's own
	// passkey keeps hers.
	mine, mineVC := newPasskey(t, env, alice.ID, c.next())
	must(t, "InsertPasskey alice", s.InsertPasskey(ctx(t), mine, mineVC, 5, nil))
	his, hisVC := newPasskey(t, env, bob.ID, c.next())
	must(t, "InsertPasskey bob", s.InsertPasskey(ctx(t), his, hisVC, 5, nil))
	_, err = s.MergeUsers(ctx(t), &signin.MergeWrite{EnvironmentID: env, UserID: alice.ID, FromUserID: bob.ID, Now: c.next(),
		Apply: func(into, from *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
			return &users.ProfileChange{User: into}, nil
		}})
	must(t, "MergeUsers", err)
	got, err := s.ListPasskeys(ctx(t), alice.ID)
	must(t, "ListPasskeys", err)
	handles := map[string]string{}
	for _, p := range got {
		handles[p.ID] = p.Handle()
	}
	if len(got) != 2 || handles[mine.ID] != alice.ID || handles[his.ID] != bob.ID {
		t.Fatalf("alice's passkeys after the merge: handles %v, want %s: %s and %s: %s", handles, mine.ID, alice.ID, his.ID, bob.ID)
	}
	p, err := s.PasskeyByCredentialID(ctx(t), env, his.CredentialID)
	must(t, "PasskeyByCredentialID", err)
	if p.UserID != alice.ID || p.Handle() != bob.ID || p.VerifiedCredentialID != hisVC.ID {
		t.Fatalf("the moved passkey: user %s handle %s credential %s", p.UserID, p.Handle(), p.VerifiedCredentialID)
	}
}
