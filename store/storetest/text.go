package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// testUnstorableText: text PostgreSQL cannot keep (U+0000, bytes that are
// not UTF-8) is an invalid-input error on every backend, with nothing
// written; the store's other writes go on.
func testUnstorableText(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	for _, name := range []string{"nul\x00project", "latin1 caf\xe9"} {
		at := c.next()
		p := &tenant.Project{ID: id(), OrganizationID: org.ID, Name: name, CreatedAt: at, UpdatedAt: at}
		err := s.CreateProject(ctx(t), p, []*tenant.Environment{newEnv(c, p.ID, org.ID, tenant.EnvSandbox, "x")}, tenant.MaxProjects)
		wantKind(t, "CreateProject("+name+")", err, errs.KindInvalid)
	}
	list, err := s.ListProjects(ctx(t), org.ID)
	must(t, "ListProjects", err)
	eq(t, "projects after the refusals", len(list), 0)
	createProject(t, s, c, org.ID, "fine")
}
