package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testUserCount: the unfiltered users list's count, kept by the store as
// users come and go (sign-in, admin create, delete), per environment;
// deleting the project with its users works and leaves nothing counted.
func testUserCount(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	count := func(what, envID string, want int) {
		t.Helper()
		l, err := s.ListUsers(ctx(t), envID, users.ListQuery{Order: users.Order{Field: "createdAt"}, Page: users.Page{Limit: 1}})
		must(t, what, err)
		eq(t, what+": count", l.Total, want)
	}
	count("empty", env, 0)
	signed, _ := signIn(t, s, c, env, newWallet(t, env))
	signIn(t, s, c, env, newWallet(t, env))
	made := saveUser(t, s, draftUser(t, env, c.next(), "ann@example.com", "ann"), c.next())
	signIn(t, s, c, e.live.ID, newWallet(t, e.live.ID))
	count("after three users", env, 3)
	count("the other environment", e.live.ID, 1)
	must(t, "DeleteUser", s.DeleteUser(ctx(t), signed.ID, c.next()))
	must(t, "DeleteUser", s.DeleteUser(ctx(t), made.ID, c.next()))
	count("after two deletes", env, 1)
	signIn(t, s, c, env, newWallet(t, env))
	count("after another sign-in", env, 2)

	// A filtered list counts its matches.
	l, err := s.ListUsers(ctx(t), env, users.ListQuery{Filter: users.Filter{Column: users.FilterEmail, Value: "nobody"},
		Order: users.Order{Field: "createdAt"}, Page: users.Page{Limit: 1}})
	must(t, "filtered list", err)
	eq(t, "filtered count", l.Total, 0)

	must(t, "DeleteProject", s.DeleteProject(ctx(t), e.sandbox.ProjectID))
	count("deleted project's environment", env, 0)
}
