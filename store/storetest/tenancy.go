package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/dynamicauth/dynamicauth/tenant"
)

func newSeed(t *testing.T, c *clock, name string) tenant.Seed {
	user := newUser(c, name+"-owner")
	org := newOrgValue(c, name)
	owner := &tenant.Member{ID: id(), OrganizationID: org.ID, User: user, Role: tenant.RoleOwner, CreatedAt: c.next()}
	at := c.next()
	p := &tenant.Project{ID: id(), OrganizationID: org.ID, Name: name + " project", CreatedAt: at, UpdatedAt: at}
	sandbox := newEnv(c, p.ID, org.ID, tenant.EnvSandbox, p.Name)
	live := newEnv(c, p.ID, org.ID, tenant.EnvLive, p.Name)
	tok := newToken(t, c, sandbox, owner, "bootstrap", nil, true)
	return tenant.Seed{Organization: org, Owner: owner, Project: p,
		Environments: []*tenant.Environment{sandbox, live}, Token: tok}
}

func testBootstrap(t *testing.T, s store.Store) {
	c := newClock()
	_, err := s.BootstrapIDs(ctx(t))
	wantKind(t, "BootstrapIDs before Bootstrap", err, errs.KindNotFound)

	seed := newSeed(t, c, "first")
	must(t, "Bootstrap", s.Bootstrap(ctx(t), seed))
	want := tenant.Bootstrap{
		OrganizationID: seed.Organization.ID, ProjectID: seed.Project.ID,
		EnvironmentID: seed.Environments[0].ID, LiveEnvironmentID: seed.Environments[1].ID,
		OwnerMemberID: seed.Owner.ID,
	}
	got, err := s.BootstrapIDs(ctx(t))
	must(t, "BootstrapIDs", err)
	eq(t, "BootstrapIDs", *got, want)

	// Everything the seed names was written.
	org, err := s.GetOrganization(ctx(t), seed.Organization.ID)
	must(t, "GetOrganization", err)
	eqOrganization(t, "organization", org, seed.Organization)
	owner, err := s.GetMember(ctx(t), seed.Owner.ID)
	must(t, "GetMember(owner)", err)
	eqMember(t, "owner", owner, seed.Owner)
	p, err := s.GetProject(ctx(t), seed.Project.ID)
	must(t, "GetProject", err)
	eqProject(t, "project", p, seed.Project, refs(seed.Environments[0], seed.Environments[1]))
	for _, e := range seed.Environments {
		got, err := s.GetEnvironment(ctx(t), e.ID)
		must(t, "GetEnvironment", err)
		eqEnvironment(t, "environment "+e.Name, got, e)
	}
	tok, memberships, err := s.TokenByHash(ctx(t), seed.Token.Hash)
	must(t, "TokenByHash", err)
	eqToken(t, "token", tok, seed.Token)
	if len(memberships) != 1 || memberships[seed.Organization.ID] != tenant.RoleOwner {
		t.Errorf("memberships = %v, want {%s: owner}", memberships, seed.Organization.ID)
	}

	// A second Bootstrap conflicts and writes nothing.
	second := newSeed(t, c, "second")
	wantKind(t, "second Bootstrap", s.Bootstrap(ctx(t), second), errs.KindConflict)
	got, err = s.BootstrapIDs(ctx(t))
	must(t, "BootstrapIDs after second Bootstrap", err)
	eq(t, "BootstrapIDs after second Bootstrap", *got, want)
	_, err = s.GetOrganization(ctx(t), second.Organization.ID)
	wantKind(t, "second seed's organization", err, errs.KindNotFound)
	_, err = s.GetProject(ctx(t), second.Project.ID)
	wantKind(t, "second seed's project", err, errs.KindNotFound)
	_, _, err = s.TokenByHash(ctx(t), second.Token.Hash)
	wantKind(t, "second seed's token", err, errs.KindNotFound)
	orgs, err := s.ListOrganizationsForUser(ctx(t), second.Owner.User.ID)
	must(t, "ListOrganizationsForUser(second owner)", err)
	eq(t, "organizations of the second owner", len(orgs), 0)
}

func testOrganizations(t *testing.T, s store.Store) {
	c := newClock()
	alice, bob := newUser(c, "alice"), newUser(c, "bob")
	a, aliceOwner := createOrg(t, s, c, "acme", alice)

	got, err := s.GetOrganization(ctx(t), a.ID)
	must(t, "GetOrganization", err)
	eqOrganization(t, "organization", got, a)
	m, err := s.GetMember(ctx(t), aliceOwner.ID)
	must(t, "GetMember(owner)", err)
	eqMember(t, "owner", m, aliceOwner)
	members, err := s.ListMembers(ctx(t), a.ID)
	must(t, "ListMembers", err)
	eqStrings(t, "members", memberIDs(members), []string{aliceOwner.ID})

	// Same id again: conflict.
	dup := newOrgValue(c, "dup")
	dup.ID = a.ID
	err = s.CreateOrganization(ctx(t), dup, &tenant.Member{ID: id(), OrganizationID: a.ID, User: bob,
		Role: tenant.RoleOwner, CreatedAt: c.next()})
	wantKind(t, "CreateOrganization with a taken id", err, errs.KindConflict)

	// Update every field; CreatedAt stays.
	upd := *a
	upd.Name, upd.Description, upd.WebsiteURL, upd.ImplementationTimeline = "Acme 2", "new desc", "https://new.example.com", "later"
	upd.Address = tenant.Address{Line1: "2 Side St", Line2: "", City: "Shelbyville", Region: "KY", PostalCode: "40065", Country: "CA"}
	upd.UpdatedAt = c.next()
	must(t, "UpdateOrganization", s.UpdateOrganization(ctx(t), &upd))
	got, err = s.GetOrganization(ctx(t), a.ID)
	must(t, "GetOrganization after update", err)
	eqOrganization(t, "updated organization", got, &upd)

	// Alice owns acme, is a developer of bob's beta; gamma is bob's alone.
	b, _ := createOrg(t, s, c, "beta", bob)
	createOrg(t, s, c, "gamma", bob)
	addMember(t, s, c, b, alice, tenant.RoleDeveloper)
	list, err := s.ListOrganizationsForUser(ctx(t), alice.ID)
	must(t, "ListOrganizationsForUser", err)
	if len(list) != 2 {
		t.Fatalf("ListOrganizationsForUser(alice) returned %d organizations, want 2", len(list))
	}
	roles := map[string]tenant.Role{}
	for i := range list {
		roles[list[i].ID] = list[i].Role
		switch list[i].ID {
		case a.ID:
			eqOrganization(t, "alice's acme", &list[i].Organization, &upd)
		case b.ID:
			eqOrganization(t, "alice's beta", &list[i].Organization, b)
		default:
			t.Errorf("ListOrganizationsForUser(alice) lists %s (%s)", list[i].ID, list[i].Name)
		}
	}
	eq(t, "alice's role in acme", roles[a.ID], tenant.RoleOwner)
	eq(t, "alice's role in beta", roles[b.ID], tenant.RoleDeveloper)
	list, err = s.ListOrganizationsForUser(ctx(t), bob.ID)
	must(t, "ListOrganizationsForUser(bob)", err)
	eq(t, "bob's organizations", len(list), 2)
}

func testProjects(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	other, _ := createOrg(t, s, c, "other", newUser(c, "olga"))
	p1, sb1, lv1 := createProject(t, s, c, org.ID, "one")
	p2, sb2, lv2 := createProject(t, s, c, org.ID, "two")
	p3, _, _ := createProject(t, s, c, other.ID, "three")

	got, err := s.GetProject(ctx(t), p1.ID)
	must(t, "GetProject", err)
	eqProject(t, "project one", got, p1, refs(sb1, lv1))

	list, err := s.ListProjects(ctx(t), org.ID)
	must(t, "ListProjects", err)
	eqStrings(t, "ListProjects ids (creation order)", projectIDs(list), []string{p1.ID, p2.ID})
	if len(list) == 2 {
		eqProject(t, "listed project one", &list[0], p1, refs(sb1, lv1))
		eqProject(t, "listed project two", &list[1], p2, refs(sb2, lv2))
	}
	list, err = s.ListProjects(ctx(t), other.ID)
	must(t, "ListProjects(other)", err)
	eqStrings(t, "ListProjects(other)", projectIDs(list), []string{p3.ID})

	envs, err := s.ListEnvironments(ctx(t), p1.ID)
	must(t, "ListEnvironments", err)
	if len(envs) != 2 {
		t.Fatalf("ListEnvironments returned %d environments, want 2", len(envs))
	}
	eqEnvironment(t, "listed sandbox", &envs[0], sb1)
	eqEnvironment(t, "listed live", &envs[1], lv1)

	for _, want := range []*tenant.Environment{sb1, lv1, sb2, lv2} {
		e, err := s.GetEnvironment(ctx(t), want.ID)
		must(t, "GetEnvironment", err)
		eqEnvironment(t, "environment", e, want)
	}

	// Settings replace wholesale and round trip as JSON.
	newSettings := json.RawMessage(`{"general":{"displayName":"Renamed","tags":["a","b"]},"nested":{"x":{"y":null,"z":1.5}},"unicode":"héllo ✓"}`)
	at := c.next()
	must(t, "UpdateEnvironmentSettings", s.UpdateEnvironmentSettings(ctx(t), sb1.ID, newSettings, at))
	e, err := s.GetEnvironment(ctx(t), sb1.ID)
	must(t, "GetEnvironment after settings update", err)
	eqJSON(t, "updated settings", e.Settings, newSettings)
	eqTime(t, "UpdatedAt after settings update", e.UpdatedAt, at)
	eqTime(t, "CreatedAt after settings update", e.CreatedAt, sb1.CreatedAt)
	e, err = s.GetEnvironment(ctx(t), lv1.ID)
	must(t, "GetEnvironment(live) after sandbox update", err)
	eqEnvironment(t, "untouched live environment", e, lv1)

	upd := *p1
	upd.Name, upd.UpdatedAt = "one renamed", c.next()
	must(t, "UpdateProject", s.UpdateProject(ctx(t), &upd))
	got, err = s.GetProject(ctx(t), p1.ID)
	must(t, "GetProject after update", err)
	eqProject(t, "renamed project", got, &upd, refs(sb1, lv1))

	// Duplicate project id: conflict.
	dup := *p2
	wantKind(t, "CreateProject with a taken id",
		s.CreateProject(ctx(t), &dup, []*tenant.Environment{newEnv(c, dup.ID, org.ID, tenant.EnvSandbox, "dup")}, tenant.MaxProjects),
		errs.KindConflict)
	// A failed CreateProject leaves nothing behind.
	p4 := &tenant.Project{ID: id(), OrganizationID: org.ID, Name: "four", CreatedAt: c.next(), UpdatedAt: c.next()}
	e4 := newEnv(c, p4.ID, org.ID, tenant.EnvSandbox, "four")
	e4dup := newEnv(c, p4.ID, org.ID, tenant.EnvLive, "four")
	e4dup.ID = sb2.ID
	wantKind(t, "CreateProject with a taken environment id",
		s.CreateProject(ctx(t), p4, []*tenant.Environment{e4, e4dup}, tenant.MaxProjects), errs.KindConflict)
	_, err = s.GetProject(ctx(t), p4.ID)
	wantKind(t, "GetProject after failed CreateProject", err, errs.KindNotFound)
	_, err = s.GetEnvironment(ctx(t), e4.ID)
	wantKind(t, "GetEnvironment after failed CreateProject", err, errs.KindNotFound)
}

func testDeleteProjectCascades(t *testing.T, s store.Store) {
	c := newClock()
	org, owner := createOrg(t, s, c, "acme", newUser(c, "alice"))
	keep, keepSb, _ := createProject(t, s, c, org.ID, "keep")
	p, sb, lv := createProject(t, s, c, org.ID, "doomed")
	tokSb := createToken(t, s, c, sb, owner, "sandbox", nil, false)
	tokLv := createToken(t, s, c, lv, owner, "live", nil, false)
	tokKeep := createToken(t, s, c, keepSb, owner, "keep", nil, false)
	oSb := createOrigin(t, s, c, sb.ID, "https://a.example.com")
	oLv := createOrigin(t, s, c, lv.ID, "https://b.example.com")
	oKeep := createOrigin(t, s, c, keepSb.ID, "https://a.example.com")
	_, err := s.InsertSigningKey(ctx(t), newSigningKey(t, c, sb.ID))
	must(t, "InsertSigningKey", err)

	must(t, "DeleteProject", s.DeleteProject(ctx(t), p.ID))

	_, err = s.GetProject(ctx(t), p.ID)
	wantKind(t, "GetProject after delete", err, errs.KindNotFound)
	for _, e := range []*tenant.Environment{sb, lv} {
		_, err = s.GetEnvironment(ctx(t), e.ID)
		wantKind(t, "GetEnvironment("+e.Name+") after delete", err, errs.KindNotFound)
	}
	envs, err := s.ListEnvironments(ctx(t), p.ID)
	must(t, "ListEnvironments after delete", err)
	eq(t, "environments after delete", len(envs), 0)
	for _, tok := range []*tenant.Token{tokSb, tokLv} {
		_, _, err = s.TokenByHash(ctx(t), tok.Hash)
		wantKind(t, "TokenByHash("+tok.Note+") after delete", err, errs.KindNotFound)
	}
	for _, o := range []*tenant.Origin{oSb, oLv} {
		_, err = s.GetOrigin(ctx(t), o.ID)
		wantKind(t, "GetOrigin("+o.Origin+") after delete", err, errs.KindNotFound)
	}
	_, err = s.ActiveSigningKey(ctx(t), sb.ID)
	wantKind(t, "ActiveSigningKey after delete", err, errs.KindNotFound)
	wantKind(t, "second DeleteProject", s.DeleteProject(ctx(t), p.ID), errs.KindNotFound)

	// The other project is untouched.
	list, err := s.ListProjects(ctx(t), org.ID)
	must(t, "ListProjects", err)
	eqStrings(t, "projects after delete", projectIDs(list), []string{keep.ID})
	_, _, err = s.TokenByHash(ctx(t), tokKeep.Hash)
	must(t, "TokenByHash(kept)", err)
	_, err = s.GetOrigin(ctx(t), oKeep.ID)
	must(t, "GetOrigin(kept)", err)
	_, err = s.GetMember(ctx(t), owner.ID)
	must(t, "GetMember(owner) after delete", err)
}

func testTokens(t *testing.T, s store.Store) {
	c := newClock()
	alice := newUser(c, "alice")
	org, owner := createOrg(t, s, c, "acme", alice)
	other, _ := createOrg(t, s, c, "beta", newUser(c, "bob"))
	addMember(t, s, c, other, alice, tenant.RoleViewer)
	_, sb, lv := createProject(t, s, c, org.ID, "one")

	t1 := createToken(t, s, c, sb, owner, "scoped", []tenant.Scope{tenant.ScopeSettingsRead, tenant.ScopeUsersWrite}, false)
	t2 := createToken(t, s, c, sb, owner, "org-wide", nil, true)
	t3 := createToken(t, s, c, lv, owner, "live", []tenant.Scope{tenant.ScopeWaasAuth}, false)

	got, memberships, err := s.TokenByHash(ctx(t), t1.Hash)
	must(t, "TokenByHash", err)
	eqToken(t, "token", got, t1)
	want := map[string]tenant.Role{org.ID: tenant.RoleOwner, other.ID: tenant.RoleViewer}
	if len(memberships) != len(want) {
		t.Errorf("memberships = %v, want %v", memberships, want)
	}
	for o, r := range want {
		eq(t, "membership role in "+o, memberships[o], r)
	}
	got, _, err = s.TokenByHash(ctx(t), t2.Hash)
	must(t, "TokenByHash(org-wide)", err)
	eqToken(t, "org-wide token", got, t2)

	list, err := s.ListTokens(ctx(t), sb.ID)
	must(t, "ListTokens(sandbox)", err)
	eqStrings(t, "ListTokens(sandbox)", tokenIDs(list), []string{t1.ID, t2.ID})
	if len(list) == 2 {
		eqToken(t, "listed token", &list[0], t1)
	}
	list, err = s.ListTokens(ctx(t), lv.ID)
	must(t, "ListTokens(live)", err)
	eqStrings(t, "ListTokens(live)", tokenIDs(list), []string{t3.ID})

	// The hash is unique.
	dup := newToken(t, c, lv, owner, "dup", nil, false)
	dup.Hash = t1.Hash
	wantKind(t, "CreateToken with a taken hash", s.CreateToken(ctx(t), dup, tenant.MaxTokens), errs.KindConflict)
	dupID := newToken(t, c, lv, owner, "dup-id", nil, false)
	dupID.ID = t3.ID
	wantKind(t, "CreateToken with a taken id", s.CreateToken(ctx(t), dupID, tenant.MaxTokens), errs.KindConflict)

	// Deleting through another environment does nothing.
	wantKind(t, "DeleteToken via another environment", s.DeleteToken(ctx(t), lv.ID, t1.ID), errs.KindNotFound)
	_, _, err = s.TokenByHash(ctx(t), t1.Hash)
	must(t, "TokenByHash after foreign delete", err)

	must(t, "DeleteToken", s.DeleteToken(ctx(t), sb.ID, t1.ID))
	_, _, err = s.TokenByHash(ctx(t), t1.Hash)
	wantKind(t, "TokenByHash after delete", err, errs.KindNotFound)
	list, err = s.ListTokens(ctx(t), sb.ID)
	must(t, "ListTokens after delete", err)
	eqStrings(t, "ListTokens after delete", tokenIDs(list), []string{t2.ID})
	wantKind(t, "second DeleteToken", s.DeleteToken(ctx(t), sb.ID, t1.ID), errs.KindNotFound)
}

func testOrigins(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")

	o1 := createOrigin(t, s, c, sb.ID, "https://app.example.com")
	o2 := createOrigin(t, s, c, sb.ID, "http://localhost:3000")
	dup := &tenant.Origin{ID: id(), EnvironmentID: sb.ID, Origin: o1.Origin, CreatedAt: c.next()}
	wantKind(t, "AddOrigin duplicate in one environment", s.AddOrigin(ctx(t), dup, tenant.MaxOrigins), errs.KindConflict)
	o3 := createOrigin(t, s, c, lv.ID, o1.Origin) // same origin, other environment: fine

	got, err := s.GetOrigin(ctx(t), o1.ID)
	must(t, "GetOrigin", err)
	eqOrigin(t, "origin", got, o1)
	got, err = s.GetOrigin(ctx(t), o3.ID)
	must(t, "GetOrigin(live)", err)
	eqOrigin(t, "live origin", got, o3)

	list, err := s.ListOrigins(ctx(t), sb.ID)
	must(t, "ListOrigins", err)
	eqStrings(t, "ListOrigins(sandbox)", originIDs(list), []string{o1.ID, o2.ID})
	if len(list) == 2 {
		eqOrigin(t, "listed origin", &list[1], o2)
	}

	must(t, "DeleteOrigin", s.DeleteOrigin(ctx(t), o1.ID))
	_, err = s.GetOrigin(ctx(t), o1.ID)
	wantKind(t, "GetOrigin after delete", err, errs.KindNotFound)
	wantKind(t, "second DeleteOrigin", s.DeleteOrigin(ctx(t), o1.ID), errs.KindNotFound)
	list, err = s.ListOrigins(ctx(t), sb.ID)
	must(t, "ListOrigins after delete", err)
	eqStrings(t, "ListOrigins after delete", originIDs(list), []string{o2.ID})
	list, err = s.ListOrigins(ctx(t), lv.ID)
	must(t, "ListOrigins(live) after delete", err)
	eqStrings(t, "ListOrigins(live) after delete", originIDs(list), []string{o3.ID})
	// The deleted origin can be added again.
	createOrigin(t, s, c, sb.ID, o1.Origin)
}

func testVisitorStats(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")
	v, err := s.VisitorStats(ctx(t), sb.ID, c.t.Add(-30*24*time.Hour))
	must(t, "VisitorStats", err)
	eq(t, "VisitorStats of an empty environment", *v, tenant.VisitorStats{})
}

// testNotFound calls every Get, Update and Delete with a random id on a
// populated store.
func testNotFound(t *testing.T, s store.Store) {
	c := newClock()
	seed := newSeed(t, c, "seeded")
	must(t, "Bootstrap", s.Bootstrap(ctx(t), seed))
	org := seed.Organization
	env := seed.Environments[0]
	createOrigin(t, s, c, env.ID, "https://app.example.com")
	createInvite(t, s, c, org, "bob@example.com", "", "", tenant.RoleViewer)

	nf := func(what string, err error) {
		t.Helper()
		wantKind(t, what, err, errs.KindNotFound)
	}
	_, err := s.GetOrganization(ctx(t), id())
	nf("GetOrganization", err)
	ghostOrg := newOrgValue(c, "ghost")
	nf("UpdateOrganization", s.UpdateOrganization(ctx(t), ghostOrg))

	_, err = s.GetProject(ctx(t), id())
	nf("GetProject", err)
	nf("UpdateProject", s.UpdateProject(ctx(t), &tenant.Project{ID: id(), OrganizationID: org.ID, Name: "x",
		CreatedAt: c.next(), UpdatedAt: c.next()}))
	nf("DeleteProject", s.DeleteProject(ctx(t), id()))
	ghostProject := &tenant.Project{ID: id(), OrganizationID: id(), Name: "x", CreatedAt: c.next(), UpdatedAt: c.next()}
	nf("CreateProject in a missing organization", s.CreateProject(ctx(t), ghostProject,
		[]*tenant.Environment{newEnv(c, ghostProject.ID, ghostProject.OrganizationID, tenant.EnvSandbox, "x")}, tenant.MaxProjects))

	_, err = s.GetEnvironment(ctx(t), id())
	nf("GetEnvironment", err)
	nf("UpdateEnvironmentSettings", s.UpdateEnvironmentSettings(ctx(t), id(), []byte(`{}`), c.next()))

	_, _, err = s.TokenByHash(ctx(t), randomBytes(t, 32))
	nf("TokenByHash", err)
	nf("DeleteToken", s.DeleteToken(ctx(t), env.ID, id()))
	nf("DeleteToken (seeded token, random environment)", s.DeleteToken(ctx(t), id(), seed.Token.ID))

	_, err = s.GetOrigin(ctx(t), id())
	nf("GetOrigin", err)
	nf("DeleteOrigin", s.DeleteOrigin(ctx(t), id()))
	nf("AddOrigin to a missing environment", s.AddOrigin(ctx(t),
		&tenant.Origin{ID: id(), EnvironmentID: id(), Origin: "https://x.example.com", CreatedAt: c.next()}, tenant.MaxOrigins))

	_, err = s.GetMember(ctx(t), id())
	nf("GetMember", err)
	nf("UpdateMemberRole", s.UpdateMemberRole(ctx(t), id(), tenant.RoleAdmin))
	nf("TransferOwnership", s.TransferOwnership(ctx(t), id(), id()))
	nf("DeleteMember", s.DeleteMember(ctx(t), id()))

	_, err = s.GetInvite(ctx(t), id())
	nf("GetInvite", err)
	nf("SetInviteStatus", s.SetInviteStatus(ctx(t), id(), tenant.InviteRejected, nil, tenant.MaxPendingInvites))
	nf("SetInviteStatus accepted", s.SetInviteStatus(ctx(t), id(), tenant.InviteAccepted,
		&tenant.Member{ID: id(), OrganizationID: org.ID, User: newUser(c, "zed"), Role: tenant.RoleViewer, CreatedAt: c.next()}, tenant.MaxPendingInvites))
	nf("DeleteInvite", s.DeleteInvite(ctx(t), id()))

	_, err = s.GetSsoProvider(ctx(t), id())
	nf("GetSsoProvider", err)
	nf("UpdateSsoProvider", s.UpdateSsoProvider(ctx(t), &tenant.SsoProvider{ID: id(), OrganizationID: org.ID,
		ClientSecretSealed: []byte{1}, CreatedAt: c.next(), UpdatedAt: c.next()}))
	nf("DeleteSsoProvider", s.DeleteSsoProvider(ctx(t), org.ID, id()))

	_, err = s.ActiveSigningKey(ctx(t), id())
	nf("ActiveSigningKey", err)
	_, err = s.InsertSigningKey(ctx(t), newSigningKey(t, c, id()))
	nf("InsertSigningKey for a missing environment", err)

	// Nothing above touched the seeded rows.
	got, err := s.BootstrapIDs(ctx(t))
	must(t, "BootstrapIDs", err)
	eq(t, "BootstrapIDs", got.OrganizationID, org.ID)
	o, err := s.GetOrganization(ctx(t), org.ID)
	must(t, "GetOrganization(seeded)", err)
	eqOrganization(t, "seeded organization", o, org)
	_, _, err = s.TokenByHash(ctx(t), seed.Token.Hash)
	must(t, "TokenByHash(seeded)", err)
}

// testEmptyLists: listing under a missing parent is empty, not an error.
func testEmptyLists(t *testing.T, s store.Store) {
	n := func(what string, l int, err error) {
		t.Helper()
		must(t, what, err)
		eq(t, what+" length", l, 0)
	}
	orgs, err := s.ListOrganizationsForUser(ctx(t), id())
	n("ListOrganizationsForUser", len(orgs), err)
	ps, err := s.ListProjects(ctx(t), id())
	n("ListProjects", len(ps), err)
	es, err := s.ListEnvironments(ctx(t), id())
	n("ListEnvironments", len(es), err)
	ts, err := s.ListTokens(ctx(t), id())
	n("ListTokens", len(ts), err)
	os, err := s.ListOrigins(ctx(t), id())
	n("ListOrigins", len(os), err)
	ms, err := s.ListMembers(ctx(t), id())
	n("ListMembers", len(ms), err)
	is, err := s.ListInvites(ctx(t), id(), "")
	n("ListInvites", len(is), err)
	is, err = s.ListInvitesFor(ctx(t), tenant.DashboardUser{ID: id(), Email: "nobody@example.com"}, "")
	n("ListInvitesFor", len(is), err)
	mfa, err := s.ListMfaSettings(ctx(t), id())
	n("ListMfaSettings", len(mfa), err)
	cs, err := s.ListCoupons(ctx(t), id())
	n("ListCoupons", len(cs), err)
	envIDs, err := s.MembershipEnvironmentIDs(ctx(t), id())
	n("MembershipEnvironmentIDs", len(envIDs), err)
}

// testDeleteProjectRemovesLogs: deleting a project removes its
// environments' events and analytics rows (PostgreSQL keeps them without
// a foreign key since migration 0047, a trigger removes them), and only
// theirs.
func testDeleteProjectRemovesLogs(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, keep, _ := createProject(t, s, c, org.ID, "keep")
	p, doomed, _ := createProject(t, s, c, org.ID, "doomed")
	for _, env := range []string{keep.ID, doomed.ID} {
		signIn(t, s, c, env, newWallet(t, env))
	}
	db := s.(interface{ Driver() sqlstore.Driver }).Driver()
	count := func(table, env string) int {
		var n int
		must(t, "count "+table, db.Reader().QueryRow(ctx(t), `SELECT count(*) FROM `+table+` WHERE environment_id = $1`, env).Scan(&n))
		return n
	}
	tables := []string{"events", "analytics_days", "analytics_user_days", "analytics_periods"}
	for _, table := range tables {
		if count(table, doomed.ID) == 0 || count(table, keep.ID) == 0 {
			t.Fatalf("a sign-in wrote no %s row", table)
		}
	}
	must(t, "DeleteProject", s.DeleteProject(ctx(t), p.ID))
	for _, table := range tables {
		if n := count(table, doomed.ID); n != 0 {
			t.Errorf("%d %s rows of the deleted environment remain", n, table)
		}
		if count(table, keep.ID) == 0 {
			t.Errorf("the kept environment's %s rows went too", table)
		}
	}
}
