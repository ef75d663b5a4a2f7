package storetest

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// codeEvents are the events an email code sign-in writes.
var codeEvents = []signin.Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.EmailLinked, OnlyIfNew: true},
	{Name: events.SessionCreated}}

func emailCredential(envID, address string) users.Credential {
	return users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatEmail, Address: address,
		PublicIdentifier: address, SignInEnabled: true}
}

// codeSignIn is an email code sign-in of address (a new user gets it as
// their profile email), as signin.CodeSignIn builds it.
func codeSignIn(t *testing.T, s store.Store, c *clock, envID, address string) (*users.User, bool, *signin.Write, error) {
	t.Helper()
	w := newWrite(t, envID, emailCredential(envID, address), c.next())
	w.Events, w.NewUser = codeEvents, &signin.NewUserProfile{Email: address}
	u, created, err := s.CompleteSignIn(ctx(t), w)
	return u, created, w, err
}

// claimEmail puts email into the user's profile as PUT /sdk/{env}/users
// does where email codes are off: unverified.
func claimEmail(t *testing.T, s store.Store, c *clock, userID, email string) {
	t.Helper()
	_, err := s.UpdateProfile(ctx(t), userID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
		cur.Email, cur.UpdatedAt = email, c.next()
		return &users.ProfileChange{User: cur}, nil
	})
	must(t, "claim "+email, err)
}

// testEmailClaims: an email in a user's profile that they never proved
// (typed in PUT /users while email codes were off) does not keep the
// address's owner out. A code sent to the address beats it: the owner's
// first code sign-in creates their user and their verify adds the email
// to their account, and either clears the claimant's profile email in the
// same transaction (user.updated for the claimant), never joining them.
// An email an operator gave a user (admin API) is that user's: the code
// sign-in of the address signs in to them, with the email credential
// linked; another user cannot verify it away.
func testEmailClaims(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID

	// Mallory squats Victor's address; Victor signs up with a code.
	mallory, _ := signIn(t, s, c, env, newWallet(t, env))
	claimEmail(t, s, c, mallory.ID, "Victor@Example.com")
	before := userCount(t, s, env)
	victor, created, w, err := codeSignIn(t, s, c, env, "victor@example.com")
	must(t, "the owner's code sign-in of a claimed email", err)
	eq(t, "created", created, true)
	eq(t, "victor is not mallory", victor.ID != mallory.ID, true)
	eq(t, "victor's email", victor.Email, "victor@example.com")
	eqSet(t, "victor's credentials", credentialIDs(victor), []string{w.Credential.ID})
	eqStrings(t, "linked by victor's sign-in", w.Linked, []string{w.Credential.ID})
	eq(t, "users", userCount(t, s, env), before+1)
	m := getUser(t, s, mallory.ID)
	eq(t, "mallory's profile email", m.Email, "")
	eq(t, "the claim cleared from", w.ClaimClearedFrom, mallory.ID)
	eq(t, "mallory's credentials", len(m.Credentials), len(mallory.Credentials))
	wantEvents(t, s, "after the code sign-in", env, map[string]int{events.UserUpdated: 1, events.EmailLinked: 1})
	again, created, w2, err := codeSignIn(t, s, c, env, "victor@example.com")
	must(t, "victor's second sign-in", err)
	eq(t, "victor again", again.ID, victor.ID)
	eq(t, "created again", created, false)
	eq(t, "no claim cleared by victor's second sign-in", w2.ClaimClearedFrom, "")
	eqStrings(t, "linked by victor's second sign-in", w2.Linked, nil)

	// Mallory squats Wendy's address; Wendy, a wallet user, verifies it.
	wendy, _ := signIn(t, s, c, env, newWallet(t, env))
	claimEmail(t, s, c, mallory.ID, "wendy@example.com")
	lw := newLink(t, s, c, env, wendy.ID, emailCredential(env, "wendy@example.com"), c.next())
	lw.Event, lw.Profile = events.EmailLinked, &signin.NewUserProfile{Email: "wendy@example.com"}
	wendy, err = s.LinkCredential(ctx(t), lw)
	must(t, "the owner's verify of a claimed email", err)
	eq(t, "wendy's email", wendy.Email, "wendy@example.com")
	eq(t, "wendy's email credential", wendy.Credential(lw.Credential.ID) != nil, true)
	eq(t, "mallory's profile email after the verify", getUser(t, s, mallory.ID).Email, "")
	eq(t, "the claim cleared by the verify from", lw.ClaimClearedFrom, mallory.ID)
	wantEvents(t, s, "after the verify", env, map[string]int{events.UserUpdated: 2, events.EmailLinked: 2})

	// An operator's user: their email is theirs.
	d := draftUser(t, env, c.next(), "olga@example.com", "olga")
	olga := saveUser(t, s, d, c.next())
	u, created, w, err := codeSignIn(t, s, c, env, "olga@example.com")
	must(t, "the code sign-in of an operator-given email", err)
	eq(t, "signed in to the operator's user", u.ID, olga.ID)
	eq(t, "created", created, false)
	eq(t, "olga's email", u.Email, "olga@example.com")
	eq(t, "no claim cleared by olga's sign-in", w.ClaimClearedFrom, "")
	eqSet(t, "olga's credentials", credentialIDs(u), append(credentialIDs(olga), w.Credential.ID))
	eqStrings(t, "linked to olga by her sign-in", w.Linked, []string{w.Credential.ID})
	wantEvents(t, s, "after olga's sign-in", env, map[string]int{events.UserUpdated: 2, events.EmailLinked: 3})

	d = draftUser(t, env, c.next(), "pat@example.com", "pat")
	pat := saveUser(t, s, d, c.next())
	lw = newLink(t, s, c, env, wendy.ID, emailCredential(env, "pat@example.com"), c.next())
	lw.Event, lw.Profile = events.EmailLinked, &signin.NewUserProfile{Email: "pat@example.com"}
	_, err = s.LinkCredential(ctx(t), lw)
	wantCode(t, "verifying an operator-given email of another user", err, errs.KindUnprocessable, users.ErrEmailTaken().(*errs.E).Code)
	eq(t, "pat's email", getUser(t, s, pat.ID).Email, "pat@example.com")
	eq(t, "wendy's email after the refusal", getUser(t, s, wendy.ID).Email, "wendy@example.com")
}

// mergeByWallet merges the owner of wallet (who has another credential)
// into userID, resolving conflicts with rs as POST /users/merge does.
func mergeByWallet(t *testing.T, s store.Store, c *clock, envID, userID string, wallet users.Credential, rs []users.MergeResolution) *users.User {
	t.Helper()
	now := c.next()
	from, err := s.OfferMerge(ctx(t), &signin.MergeOffer{EnvironmentID: envID, UserID: userID, Kind: signin.MergeByWallet,
		Credential: users.Credential{Format: wallet.Format, Chain: wallet.Chain, Address: wallet.Address},
		Nonces:     []string{issueNonce(t, s, c, envID)}, Now: now, ExpiresAt: now.Add(time.Minute)})
	must(t, "OfferMerge", err)
	if from == nil {
		t.Fatalf("OfferMerge by %s: no merge offered", wallet.Address)
	}
	now = c.next()
	u, err := s.MergeUsers(ctx(t), &signin.MergeWrite{EnvironmentID: envID, UserID: userID, FromUserID: from.ID, Now: now,
		Apply: func(into, from *users.User, fields []users.CustomField) (*users.ProfileChange, error) {
			return users.ApplyMerge(into, from, nil, fields, rs, now)
		}})
	must(t, "MergeUsers", err)
	return u
}

// testMergeEmailMark: the email a merge keeps keeps who gave it. An
// operator's email coming over from the merged user stays the operator's
// (its code sign-in signs in to the merged user); a claim coming over
// onto an operator's user stays a claim (its owner's code sign-in clears
// it).
func testMergeEmailMark(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID

	quinn := saveUser(t, s, draftUser(t, env, c.next(), "quinn@example.com", "quinn"), c.next())
	_, err := s.LinkCredential(ctx(t), newLink(t, s, c, env, quinn.ID, newWallet(t, env), c.next()))
	must(t, "link quinn's second wallet", err)
	alice, _ := signIn(t, s, c, env, newWallet(t, env))
	merged := mergeByWallet(t, s, c, env, alice.ID, quinn.Credentials[0], nil)
	eq(t, "the merged user's email", merged.Email, "quinn@example.com")
	u, created, _, err := codeSignIn(t, s, c, env, "quinn@example.com")
	must(t, "the code sign-in of the operator's email the merge kept", err)
	eq(t, "signed in to the merged user", u.ID, alice.ID)
	eq(t, "created", created, false)

	rita := saveUser(t, s, draftUser(t, env, c.next(), "rita@example.com", "rita"), c.next())
	m0 := newWallet(t, env)
	mallory, _ := signIn(t, s, c, env, m0)
	_, err = s.LinkCredential(ctx(t), newLink(t, s, c, env, mallory.ID, newWallet(t, env), c.next()))
	must(t, "link mallory's second wallet", err)
	claimEmail(t, s, c, mallory.ID, "sam@example.com")
	merged = mergeByWallet(t, s, c, env, rita.ID, m0,
		[]users.MergeResolution{{UserID: mallory.ID, FieldKey: "email", Type: users.KycStandard}})
	eq(t, "the merged user's email", merged.Email, "sam@example.com")
	sam, created, _, err := codeSignIn(t, s, c, env, "sam@example.com")
	must(t, "the owner's code sign-in of the claim the merge kept", err)
	eq(t, "created", created, true)
	eq(t, "sam is not rita", sam.ID != rita.ID, true)
	eq(t, "rita's email after sam's sign-in", getUser(t, s, rita.ID).Email, "")
}
