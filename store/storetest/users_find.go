package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testUserFinder: exact lookups by credential, email (any case) and
// phone, within one environment only.
func testUserFinder(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	d := draftUser(t, env, c.next(), "Ann@Example.com", "ann")
	d.PhoneNumber = "+15550100"
	ann := saveUser(t, s, d, c.next())
	later := draftUser(t, env, c.next(), "", "ann2")
	later.PhoneNumber = "+15550100"
	saveUser(t, s, later, c.next())
	bob := saveUser(t, s, draftUser(t, env, c.next(), "bob@example.com", "bob"), c.next())
	wallet := ann.Credentials[0]

	found := func(what string, u *users.User, err error, want *users.User) {
		t.Helper()
		must(t, what, err)
		eq(t, what, u.ID, want.ID)
		eq(t, what+": credentials loaded", len(u.Credentials), len(want.Credentials))
	}
	u, err := s.UserByCredential(ctx(t), env, wallet.Format, wallet.Chain, wallet.Address)
	found("UserByCredential", u, err, ann)
	u, err = s.UserByEmail(ctx(t), env, "ann@EXAMPLE.com")
	found("UserByEmail in another case", u, err, ann)
	u, err = s.UserByEmail(ctx(t), env, "bob@example.com")
	found("UserByEmail(bob)", u, err, bob)
	u, err = s.UserByPhone(ctx(t), env, "+15550100")
	found("UserByPhone (the first of two)", u, err, ann)

	// EmailHolder: the user an operator gave the email (SaveUser is the
	// admin API's), never one who typed it into their own profile.
	u, err = s.EmailHolder(ctx(t), env, "ANN@example.com")
	found("EmailHolder in another case", u, err, ann)
	_, err = s.EmailHolder(ctx(t), e.live.ID, "ann@example.com")
	wantKind(t, "EmailHolder in another environment", err, errs.KindNotFound)
	claimant := saveUser(t, s, draftUser(t, env, c.next(), "", "claimant"), c.next())
	claimEmail(t, s, c, claimant.ID, "typed@example.com")
	_, err = s.EmailHolder(ctx(t), env, "typed@example.com")
	wantKind(t, "EmailHolder of an email a user typed into their profile", err, errs.KindNotFound)

	_, err = s.UserByCredential(ctx(t), e.live.ID, wallet.Format, wallet.Chain, wallet.Address)
	wantKind(t, "UserByCredential in another environment", err, errs.KindNotFound)
	_, err = s.UserByCredential(ctx(t), env, wallet.Format, users.ChainSolana, wallet.Address)
	wantKind(t, "UserByCredential on another chain", err, errs.KindNotFound)
	_, err = s.UserByEmail(ctx(t), e.live.ID, "ann@example.com")
	wantKind(t, "UserByEmail in another environment", err, errs.KindNotFound)
	_, err = s.UserByEmail(ctx(t), env, "")
	wantKind(t, "UserByEmail of a user without email", err, errs.KindNotFound)
	_, err = s.UserByPhone(ctx(t), env, "")
	wantKind(t, "UserByPhone of users without phone", err, errs.KindNotFound)
	_, err = s.UserByPhone(ctx(t), env, "+15550199")
	wantKind(t, "UserByPhone unknown", err, errs.KindNotFound)
}
