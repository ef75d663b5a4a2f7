package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/testaccounts"
)

// testTestAccounts: one account per environment, replaced whole (its uses
// back to zero), counted uses that never pass the limit under concurrent
// asks, a reset, and a delete; another environment is untouched.
func testTestAccounts(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	_, err := s.GetTestAccount(ctx(t), env)
	wantKind(t, "GetTestAccount before Put", err, errs.KindNotFound)
	ok, err := s.UseTestAccount(ctx(t), env, 5)
	must(t, "UseTestAccount without an account", err)
	eq(t, "use without an account", ok, false)
	must(t, "ResetTestAccountUses without an account", s.ResetTestAccountUses(ctx(t), env))

	a := &testaccounts.Account{EnvironmentID: env, Email: "a+dynamic_test@example.com", Phone: "+15551234242",
		CodeSealed: randomBytes(t, 30), CreatedAt: c.next()}
	must(t, "PutTestAccount", s.PutTestAccount(ctx(t), a))
	got, err := s.GetTestAccount(ctx(t), env)
	must(t, "GetTestAccount", err)
	eq(t, "email", got.Email, a.Email)
	eq(t, "phone", got.Phone, a.Phone)
	eq(t, "code", string(got.CodeSealed), string(a.CodeSealed))
	eq(t, "uses", got.Uses, 0)
	eqTime(t, "created", got.CreatedAt, a.CreatedAt)

	const max = 7
	n := countParallel(t, max+5, func() (bool, error) { return s.UseTestAccount(ctx(t), env, max) })
	eq(t, "concurrent uses granted", n, max)
	got, err = s.GetTestAccount(ctx(t), env)
	must(t, "GetTestAccount after uses", err)
	eq(t, "uses counted", got.Uses, max)
	must(t, "ResetTestAccountUses", s.ResetTestAccountUses(ctx(t), env))
	ok, err = s.UseTestAccount(ctx(t), env, max)
	must(t, "UseTestAccount after a reset", err)
	eq(t, "use after a reset", ok, true)

	b := &testaccounts.Account{EnvironmentID: env, Email: "b@example.com", CodeSealed: randomBytes(t, 30), CreatedAt: c.next()}
	must(t, "PutTestAccount (replace)", s.PutTestAccount(ctx(t), b))
	got, err = s.GetTestAccount(ctx(t), env)
	must(t, "GetTestAccount after a replace", err)
	eq(t, "replaced email", got.Email, b.Email)
	eq(t, "replaced phone", got.Phone, "")
	eq(t, "replaced code", string(got.CodeSealed), string(b.CodeSealed))
	eq(t, "uses after a replace", got.Uses, 0)

	_, err = s.GetTestAccount(ctx(t), e.live.ID)
	wantKind(t, "the other environment's account", err, errs.KindNotFound)
	wantKind(t, "PutTestAccount of an unknown environment", s.PutTestAccount(ctx(t),
		&testaccounts.Account{EnvironmentID: id(), Email: "x@example.com", CodeSealed: []byte{1}, CreatedAt: c.next()}), errs.KindNotFound)
	must(t, "DeleteTestAccount", s.DeleteTestAccount(ctx(t), env))
	wantKind(t, "DeleteTestAccount again", s.DeleteTestAccount(ctx(t), env), errs.KindNotFound)
	_, err = s.GetTestAccount(ctx(t), env)
	wantKind(t, "GetTestAccount after a delete", err, errs.KindNotFound)
}
