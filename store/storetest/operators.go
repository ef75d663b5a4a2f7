package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// checkSeedWritten reads back everything a seed names.
func checkSeedWritten(t *testing.T, s store.Store, what string, seed tenant.Seed) {
	t.Helper()
	org, err := s.GetOrganization(ctx(t), seed.Organization.ID)
	must(t, what+": GetOrganization", err)
	eqOrganization(t, what+" organization", org, seed.Organization)
	owner, err := s.GetMember(ctx(t), seed.Owner.ID)
	must(t, what+": GetMember(owner)", err)
	eqMember(t, what+" owner", owner, seed.Owner)
	p, err := s.GetProject(ctx(t), seed.Project.ID)
	must(t, what+": GetProject", err)
	eqProject(t, what+" project", p, seed.Project, refs(seed.Environments[0], seed.Environments[1]))
	for _, e := range seed.Environments {
		got, err := s.GetEnvironment(ctx(t), e.ID)
		must(t, what+": GetEnvironment", err)
		eqEnvironment(t, what+" environment "+e.Name, got, e)
	}
	tok, memberships, err := s.TokenByHash(ctx(t), seed.Token.Hash)
	must(t, what+": TokenByHash", err)
	eqToken(t, what+" token", tok, seed.Token)
	eq(t, what+" token creator's role", memberships[seed.Organization.ID], tenant.RoleOwner)
}

func testCreateTenant(t *testing.T, s store.Store) {
	c := newClock()
	a := newSeed(t, c, "first")
	must(t, "CreateTenant", s.CreateTenant(ctx(t), a))
	checkSeedWritten(t, s, "first tenant", a)
	// CreateTenant is not Bootstrap: nothing is recorded as the bootstrap.
	_, err := s.BootstrapIDs(ctx(t))
	wantKind(t, "BootstrapIDs after CreateTenant", err, errs.KindNotFound)

	// Any number of tenants, and Bootstrap still works afterwards.
	b := newSeed(t, c, "second")
	must(t, "second CreateTenant", s.CreateTenant(ctx(t), b))
	checkSeedWritten(t, s, "second tenant", b)
	boot := newSeed(t, c, "boot")
	must(t, "Bootstrap after CreateTenant", s.Bootstrap(ctx(t), boot))
	got, err := s.BootstrapIDs(ctx(t))
	must(t, "BootstrapIDs", err)
	eq(t, "BootstrapIDs organization", got.OrganizationID, boot.Organization.ID)
	c3 := newSeed(t, c, "third")
	must(t, "CreateTenant after Bootstrap", s.CreateTenant(ctx(t), c3))
	got, err = s.BootstrapIDs(ctx(t))
	must(t, "BootstrapIDs after another CreateTenant", err)
	eq(t, "BootstrapIDs organization after another CreateTenant", got.OrganizationID, boot.Organization.ID)

	// All or nothing: a seed whose project id is taken leaves no organization.
	bad := newSeed(t, c, "bad")
	bad.Project.ID = a.Project.ID
	for _, e := range bad.Environments {
		e.ProjectID = a.Project.ID
	}
	wantKind(t, "CreateTenant with a taken project id", s.CreateTenant(ctx(t), bad), errs.KindConflict)
	_, err = s.GetOrganization(ctx(t), bad.Organization.ID)
	wantKind(t, "organization of the refused tenant", err, errs.KindNotFound)
	_, err = s.GetMember(ctx(t), bad.Owner.ID)
	wantKind(t, "owner of the refused tenant", err, errs.KindNotFound)
	_, _, err = s.TokenByHash(ctx(t), bad.Token.Hash)
	wantKind(t, "token of the refused tenant", err, errs.KindNotFound)
	orgs, err := s.ListOrganizationsForUser(ctx(t), bad.Owner.User.ID)
	must(t, "ListOrganizationsForUser(refused owner)", err)
	eq(t, "organizations of the refused tenant's owner", len(orgs), 0)
	_, err = s.DashboardUserByEmail(ctx(t), bad.Owner.User.Email)
	wantKind(t, "DashboardUserByEmail(refused owner)", err, errs.KindNotFound)
	checkSeedWritten(t, s, "first tenant after the refused one", a)
}

func testOperators(t *testing.T, s store.Store) {
	c := newClock()
	alice, bob, carol := newUser(c, "alice"), newUser(c, "bob"), newUser(c, "carol")
	org, ao := createOrg(t, s, c, "acme", alice)
	other, co := createOrg(t, s, c, "other", carol)
	bm := addMember(t, s, c, org, bob, tenant.RoleDeveloper)

	// DashboardUserByEmail finds operators however they joined.
	for _, u := range []tenant.DashboardUser{alice, bob, carol} {
		got, err := s.DashboardUserByEmail(ctx(t), u.Email)
		must(t, "DashboardUserByEmail("+u.Email+")", err)
		eqUser(t, "operator "+u.Alias, *got, u, true)
	}
	_, err := s.DashboardUserByEmail(ctx(t), "nobody@example.com")
	wantKind(t, "DashboardUserByEmail(unknown)", err, errs.KindNotFound)

	// MemberOf: a user's membership of one organization.
	m, err := s.MemberOf(ctx(t), org.ID, alice.ID)
	must(t, "MemberOf(acme, alice)", err)
	eqMember(t, "alice in acme", m, ao)
	m, err = s.MemberOf(ctx(t), org.ID, bob.ID)
	must(t, "MemberOf(acme, bob)", err)
	eqMember(t, "bob in acme", m, bm)
	m, err = s.MemberOf(ctx(t), other.ID, carol.ID)
	must(t, "MemberOf(other, carol)", err)
	eqMember(t, "carol in other", m, co)
	_, err = s.MemberOf(ctx(t), other.ID, bob.ID)
	wantKind(t, "MemberOf(other, bob)", err, errs.KindNotFound)
	_, err = s.MemberOf(ctx(t), org.ID, id())
	wantKind(t, "MemberOf(acme, stranger)", err, errs.KindNotFound)
	_, err = s.MemberOf(ctx(t), id(), alice.ID)
	wantKind(t, "MemberOf(missing organization)", err, errs.KindNotFound)

	// It follows role changes and removals.
	must(t, "UpdateMemberRole", s.UpdateMemberRole(ctx(t), bm.ID, tenant.RoleAdmin))
	m, err = s.MemberOf(ctx(t), org.ID, bob.ID)
	must(t, "MemberOf after role change", err)
	eq(t, "bob's role after change", m.Role, tenant.RoleAdmin)
	must(t, "DeleteMember", s.DeleteMember(ctx(t), bm.ID))
	_, err = s.MemberOf(ctx(t), org.ID, bob.ID)
	wantKind(t, "MemberOf after DeleteMember", err, errs.KindNotFound)
}
