package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

func newExternalCredential(envID, sub string) users.Credential {
	return users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatExternalUser, Chain: "https://app.example",
		Address: sub, PublicIdentifier: sub, SignInEnabled: true}
}

func vouched(envID, email, first, last string) *signin.Vouched {
	v := &signin.Vouched{FirstName: first, LastName: last}
	if email != "" {
		c := users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatEmail, Address: email,
			PublicIdentifier: email, SignInEnabled: true}
		v.Email, v.EmailEvent = &c, events.EmailLinked
	}
	return v
}

// testVouchedSignIn: a sign-in's Vouched profile goes onto the user it
// creates or finds in the same transaction (the email as a credential
// and profile email, linked once, with its event; the names); an email
// another user has, as a credential or as a profile email, refuses the
// sign-in with nothing written.
func testVouchedSignIn(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	credentials := func(u *users.User) map[string]string {
		out := map[string]string{}
		for _, cr := range u.Credentials {
			out[cr.Format] = cr.Address
		}
		return out
	}

	w := newWrite(t, env, newExternalCredential(env, "ada"), c.next())
	w.Vouched = vouched(env, "ada@example.com", "Ada", "Lovelace")
	w.Vouched.Email.VerifiedAt, w.Vouched.Email.CreatedAt = w.Now, w.Now
	ada, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "first vouched sign-in", err)
	eq(t, "created", created, true)
	eq(t, "email", ada.Email, "ada@example.com")
	eq(t, "first name", ada.FirstName, "Ada")
	eq(t, "last name", ada.LastName, "Lovelace")
	eq(t, "credentials", len(ada.Credentials), 2)
	eq(t, "email credential", credentials(ada)[users.FormatEmail], "ada@example.com")
	eqStrings(t, "linked by the first sign-in", w.Linked, []string{w.Credential.ID, w.Vouched.Email.ID})
	eq(t, "the first sign-in wrote an existing user's profile", w.ProfileWritten, false)
	wantEvents(t, s, "after the first sign-in", env, map[string]int{events.EmailLinked: 1, events.UserCreated: 1})

	// Found again by issuer and sub; the email it has is not linked again,
	// empty names are left alone.
	w = newWrite(t, env, newExternalCredential(env, "ada"), c.next())
	w.Vouched = vouched(env, "ada@example.com", "", "King")
	again, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "returning vouched sign-in", err)
	eq(t, "created again", created, false)
	eq(t, "same user", again.ID, ada.ID)
	eq(t, "first name kept", again.FirstName, "Ada")
	eq(t, "last name replaced", again.LastName, "King")
	eq(t, "credentials again", len(again.Credentials), 2)
	eqStrings(t, "linked by the returning sign-in", w.Linked, nil)
	eq(t, "the returning sign-in wrote the profile", w.ProfileWritten, true)
	wantEvents(t, s, "after the second sign-in", env, map[string]int{events.EmailLinked: 1, events.SessionCreated: 2})

	// A wallet user, and a user with the email only in their profile.
	bob, _ := signIn(t, s, c, env, newWallet(t, env))
	carol, _ := signIn(t, s, c, env, newWallet(t, env))
	_, err = s.UpdateProfile(ctx(t), carol.ID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
		cur.Email, cur.UpdatedAt = "carol@example.com", c.next()
		return &users.ProfileChange{User: cur}, nil
	})
	must(t, "carol's profile email", err)
	olga := saveUser(t, s, draftUser(t, env, c.next(), "olga@example.com", "olga"), c.next())
	before, err := s.GetUser(ctx(t), bob.ID)
	must(t, "GetUser(bob)", err)

	for _, x := range []struct {
		what  string
		cred  users.Credential
		email string
	}{
		{"a new user with a credential's email", newExternalCredential(env, "mallory"), "ada@example.com"},
		{"a new user with an operator-given email", newExternalCredential(env, "mallory"), "OLGA@example.com"},
		{"a returning user with another's email", bob.Credentials[0], "ada@example.com"},
	} {
		w := newWrite(t, env, x.cred, c.next())
		w.Vouched = vouched(env, x.email, "Mallory", "")
		_, _, err := s.CompleteSignIn(ctx(t), w)
		wantCode(t, x.what, err, errs.KindUnprocessable, signin.ErrEmailOnOtherAccount.(*errs.E).Code)
		if _, err := s.GetSession(ctx(t), w.Session.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("%s: the refused sign-in's session: %v", x.what, err)
		}
	}
	_, err = s.UserByCredential(ctx(t), env, users.FormatExternalUser, "https://app.example", "mallory")
	wantKind(t, "the refused new user", err, errs.KindNotFound)
	after, err := s.GetUser(ctx(t), bob.ID)
	must(t, "GetUser(bob) after", err)
	eq(t, "bob's first name", after.FirstName, before.FirstName)
	eq(t, "bob's credentials", len(after.Credentials), len(before.Credentials))
	eqTime(t, "bob's last visit", after.LastVisitAt, before.LastVisitAt)
	wantEvents(t, s, "after the refusals", env, map[string]int{events.EmailLinked: 1, events.UserCreated: 4, events.SessionCreated: 4})
	eq(t, "olga's email after the refusal", getUser(t, s, olga.ID).Email, "olga@example.com")

	// Carol only typed her email in (PUT /users where codes are off): the
	// provider's verified email beats that claim, which she loses in the
	// sign-in's transaction (user.updated), and nobody joins her account.
	w = newWrite(t, env, newExternalCredential(env, "dan"), c.next())
	w.Vouched = vouched(env, "carol@example.com", "Dan", "")
	dan, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "a new user with an email another user only claimed", err)
	eq(t, "created over a claim", created, true)
	eq(t, "dan is not carol", dan.ID != carol.ID, true)
	eq(t, "dan's email", dan.Email, "carol@example.com")
	eq(t, "dan's email credential", credentials(dan)[users.FormatEmail], "carol@example.com")
	eq(t, "carol's profile email", getUser(t, s, carol.ID).Email, "")
	eq(t, "the claim cleared from", w.ClaimClearedFrom, carol.ID)
	eqStrings(t, "linked to dan", w.Linked, []string{w.Credential.ID, w.Vouched.Email.ID})
	wantEvents(t, s, "after the claim gave way", env, map[string]int{events.EmailLinked: 2, events.UserCreated: 5,
		events.SessionCreated: 5, events.UserUpdated: 1})

	// A returning user whose provider now vouches for an email nobody
	// has: linked to them.
	w = newWrite(t, env, newExternalCredential(env, "eve"), c.next())
	eve, _, err := s.CompleteSignIn(ctx(t), w)
	must(t, "eve's sign-in without an email", err)
	w = newWrite(t, env, newExternalCredential(env, "eve"), c.next())
	w.Vouched = vouched(env, "eve@example.com", "", "")
	again, created, err = s.CompleteSignIn(ctx(t), w)
	must(t, "eve's sign-in with a vouched email", err)
	eq(t, "eve again", again.ID, eve.ID)
	eq(t, "eve created again", created, false)
	eq(t, "eve's email credential", credentials(again)[users.FormatEmail], "eve@example.com")
	eqStrings(t, "linked to eve", w.Linked, []string{w.Vouched.Email.ID})
	eq(t, "eve's sign-in wrote her profile", w.ProfileWritten, true)
}
