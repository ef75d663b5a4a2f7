package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// newSocialWrite is a social sign-in of the oauth account with the
// provider-verified email, as signin builds it (EmailJoinsOwner).
func newSocialWrite(t *testing.T, envID, accountID, email string, now time.Time) *signin.Write {
	w := newWrite(t, envID, newOAuthCredential(envID, accountID), now)
	w.Events = []signin.Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.SessionCreated}}
	w.Vouched = vouched(envID, email, "", "")
	w.Vouched.Email.VerifiedAt, w.Vouched.Email.CreatedAt = now, now
	w.Vouched.Rule, w.Vouched.JoinEvent = signin.EmailJoinsOwner, events.SocialLinked
	return w
}

// withEmail signs a wallet user in and links the verified email to them.
func withEmail(t *testing.T, s store.Store, c *clock, envID, email string) *users.User {
	t.Helper()
	u, _ := signIn(t, s, c, envID, newWallet(t, envID))
	now := c.next()
	e := users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatEmail, Address: email, PublicIdentifier: email,
		SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	u, err := s.LinkCredential(ctx(t), &signin.LinkWrite{EnvironmentID: envID, UserID: u.ID, Now: now, Credential: e,
		Event: events.EmailLinked})
	must(t, "link "+email, err)
	return u
}

// wantFormats checks how many credentials of each format u has.
func wantFormats(t *testing.T, what string, u *users.User, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, c := range u.Credentials {
		got[c.Format]++
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: credentials by format %v, want %v", what, got, want)
	}
}

// testSocialJoinSignIn: with EmailJoinsOwner, a social account seen for
// the first time whose verified email a user holds joins that user in the
// sign-in's transaction (the credential is theirs, the session too, one
// social-linked event and no user created); a returning account signs its
// user in; a new account with an email nobody has creates the user with
// both credentials and the profile email in one commit; an email another
// user has only as an (unverified) profile email is not joined, nor given
// to the new user.
func testSocialJoinSignIn(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	grace := withEmail(t, s, c, env, "grace@example.com")
	wantEvents(t, s, "before", env, map[string]int{events.UserCreated: 1, events.EmailLinked: 1, events.SessionCreated: 1})

	w := newSocialWrite(t, env, "g-1", "grace@example.com", c.next())
	u, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "joining sign-in", err)
	eq(t, "created", created, false)
	eq(t, "joined user", u.ID, grace.ID)
	wantFormats(t, "grace's credentials", u, map[string]int{users.FormatBlockchain: 1, users.FormatEmail: 1, users.FormatOAuth: 1})
	owner, err := s.UserByCredential(ctx(t), env, users.FormatOAuth, w.Credential.Chain, "g-1")
	must(t, "the oauth credential's user", err)
	eq(t, "the oauth credential is grace's", owner.ID, grace.ID)
	ss, err := s.GetSession(ctx(t), w.Session.ID)
	must(t, "the joining sign-in's session", err)
	eq(t, "session user", ss.UserID, grace.ID)
	eq(t, "session credential", ss.SigninCredentialID, w.Credential.ID)
	eqStrings(t, "linked to grace", w.Linked, []string{w.Credential.ID})
	eq(t, "the join wrote grace's profile", w.ProfileWritten, false)
	wantEvents(t, s, "after the join", env, map[string]int{events.UserCreated: 1, events.EmailLinked: 1,
		events.SocialLinked: 1, events.SessionCreated: 2})

	// The account again: found, nothing joined again.
	w = newSocialWrite(t, env, "g-1", "grace@example.com", c.next())
	u, created, err = s.CompleteSignIn(ctx(t), w)
	must(t, "returning sign-in", err)
	eq(t, "returning user", u.ID, grace.ID)
	eq(t, "returning created", created, false)
	eq(t, "credentials after returning", len(u.Credentials), 3)
	eqStrings(t, "linked by the returning sign-in", w.Linked, nil)

	// A new account with an email nobody has: one commit makes the user,
	// the oauth credential and the email credential.
	w = newSocialWrite(t, env, "a-1", "ada@example.com", c.next())
	ada, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "new user", err)
	eq(t, "new user created", created, true)
	wantFormats(t, "new user's credentials", ada, map[string]int{users.FormatEmail: 1, users.FormatOAuth: 1})
	eq(t, "new user's email", ada.Email, "ada@example.com")
	eqStrings(t, "linked to the new user", w.Linked, []string{w.Credential.ID, w.Vouched.Email.ID})
	byEmail, err := s.UserByCredential(ctx(t), env, users.FormatEmail, "", "ada@example.com")
	must(t, "the new user's email credential", err)
	eq(t, "email credential's user", byEmail.ID, ada.ID)
	wantEvents(t, s, "after the new user", env, map[string]int{events.UserCreated: 2, events.EmailLinked: 2,
		events.SocialLinked: 1, events.SessionCreated: 4})

	// An email held only as another user's profile email, typed in and
	// never verified for them: not joined; the provider's proof beats the
	// claim, which carol loses, and the new user gets the email.
	carol, _ := signIn(t, s, c, env, newWallet(t, env))
	_, err = s.UpdateProfile(ctx(t), carol.ID, func(cur *users.User, _ []users.CustomField) (*users.ProfileChange, error) {
		cur.Email, cur.UpdatedAt = "carol@example.com", c.next()
		return &users.ProfileChange{User: cur}, nil
	})
	must(t, "carol's profile email", err)
	w = newSocialWrite(t, env, "c-1", "Carol@example.com", c.next())
	u, created, err = s.CompleteSignIn(ctx(t), w)
	must(t, "profile email elsewhere", err)
	eq(t, "profile email: a new user", created, true)
	if u.ID == carol.ID {
		t.Fatal("a social account joined a user who has its email only as an unverified profile email")
	}
	wantFormats(t, "profile email: the new user's credentials", u, map[string]int{users.FormatOAuth: 1, users.FormatEmail: 1})
	eq(t, "profile email: the new user's email", strings.ToLower(u.Email), "carol@example.com")
	carolNow := getUser(t, s, carol.ID)
	eq(t, "carol's credentials", len(carolNow.Credentials), 1)
	eq(t, "carol's profile email", carolNow.Email, "")
	eq(t, "the claim cleared from", w.ClaimClearedFrom, carol.ID)

	// An email an operator gave a user: not joined (a social account joins
	// a verified email credential only), not given to the new user.
	olga := saveUser(t, s, draftUser(t, env, c.next(), "olga@example.com", "olga"), c.next())
	w = newSocialWrite(t, env, "o-1", "olga@example.com", c.next())
	u, created, err = s.CompleteSignIn(ctx(t), w)
	must(t, "operator-given email elsewhere", err)
	eq(t, "operator-given email: a new user", created, true)
	eq(t, "operator-given email: not olga", u.ID != olga.ID, true)
	wantFormats(t, "operator-given email: the new user's credentials", u, map[string]int{users.FormatOAuth: 1})
	eq(t, "olga's email", getUser(t, s, olga.ID).Email, "olga@example.com")
}

// errHook stands for a write failing inside the sign-in's transaction.
var errHook = errors.New("the application's sign-in hook failed")

// testSocialSignInAtomic: a social sign-in whose transaction fails after
// the email link (or the join) writes nothing: no user, no credential, no
// email credential, no session, no event. The failure is a real
// constraint violation (the session's id is one a stored session has,
// inserted after the email link), and an in-transaction hook's error.
func testSocialSignInAtomic(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	grace := withEmail(t, s, c, env, "grace@example.com")
	_, taken := signIn(t, s, c, env, newWallet(t, env))
	before := map[string]int{events.UserCreated: 2, events.EmailLinked: 1, events.SessionCreated: 2, events.SocialLinked: 0}
	wantEvents(t, s, "before", env, before)
	users0 := userCount(t, s, env)

	failures := []struct {
		what string
		fail func(w *signin.Write)
	}{
		{"a session id already stored", func(w *signin.Write) { w.Session.ID = taken.ID }},
		{"an in-transaction hook's error", func(w *signin.Write) {
			w.InTx = func(context.Context, *users.User, bool) (json.RawMessage, error) { return nil, errHook }
		}},
	}
	for _, f := range failures {
		for _, x := range []struct{ what, account, email string }{
			{"new user", "n-1", "new@example.com"},
			{"joining the email's owner", "g-1", "grace@example.com"},
		} {
			what := x.what + ", failing on " + f.what
			w := newSocialWrite(t, env, x.account, x.email, c.next())
			f.fail(w)
			if _, _, err := s.CompleteSignIn(ctx(t), w); err == nil {
				t.Fatalf("%s: the sign-in succeeded", what)
			}
			_, err := s.UserByCredential(ctx(t), env, users.FormatOAuth, w.Credential.Chain, x.account)
			wantKind(t, what+": the oauth credential", err, errs.KindNotFound)
			if x.email != "grace@example.com" {
				_, err = s.UserByCredential(ctx(t), env, users.FormatEmail, "", x.email)
				wantKind(t, what+": the email credential", err, errs.KindNotFound)
			}
			if w.Session.ID != taken.ID {
				_, err = s.GetSession(ctx(t), w.Session.ID)
				wantKind(t, what+": the session", err, errs.KindNotFound)
			}
			eq(t, what+": users", userCount(t, s, env), users0)
			eq(t, what+": grace's credentials", len(getUser(t, s, grace.ID).Credentials), 2)
			wantEvents(t, s, what+": events", env, before)
		}
	}
	ss, err := s.GetSession(ctx(t), taken.ID)
	must(t, "the stored session", err)
	eq(t, "the stored session's user", ss.UserID, taken.UserID)
}
