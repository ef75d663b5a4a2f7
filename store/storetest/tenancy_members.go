package storetest

// The contract suite of an organization's people and options: members,
// invites, MFA settings, the SSO provider, coupons.

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
)

func testMembers(t *testing.T, s store.Store) {
	c := newClock()
	alice, bob, carol, dave := newUser(c, "alice"), newUser(c, "bob"), newUser(c, "carol"), newUser(c, "dave")
	org, ao := createOrg(t, s, c, "acme", alice)
	other, dOwner := createOrg(t, s, c, "other", dave)
	bm := addMember(t, s, c, org, bob, tenant.RoleAdmin)
	cm := addMember(t, s, c, org, carol, tenant.RoleViewer)
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	_, osb, olv := createProject(t, s, c, other.ID, "two")

	list, err := s.ListMembers(ctx(t), org.ID)
	must(t, "ListMembers", err)
	eqStrings(t, "ListMembers (creation order)", memberIDs(list), []string{ao.ID, bm.ID, cm.ID})
	if len(list) == 3 {
		eqMember(t, "listed owner", &list[0], ao)
		eqMember(t, "listed admin", &list[1], bm)
		eqMember(t, "listed viewer", &list[2], cm)
	}
	got, err := s.GetMember(ctx(t), bm.ID)
	must(t, "GetMember", err)
	eqMember(t, "member", got, bm)

	must(t, "UpdateMemberRole", s.UpdateMemberRole(ctx(t), cm.ID, tenant.RoleDeveloper))
	eq(t, "carol's role after update", roleOf(t, s, cm.ID), tenant.RoleDeveloper)

	// Ownership moves in one step.
	must(t, "TransferOwnership", s.TransferOwnership(ctx(t), ao.ID, bm.ID))
	eq(t, "alice's role after transfer", roleOf(t, s, ao.ID), tenant.RoleAdmin)
	eq(t, "bob's role after transfer", roleOf(t, s, bm.ID), tenant.RoleOwner)

	// From a non-owner: not found, nothing changes.
	err = s.TransferOwnership(ctx(t), ao.ID, cm.ID)
	wantKind(t, "TransferOwnership from a non-owner", err, errs.KindNotFound)
	eq(t, "alice's role after refused transfer", roleOf(t, s, ao.ID), tenant.RoleAdmin)
	eq(t, "bob's role after refused transfer", roleOf(t, s, bm.ID), tenant.RoleOwner)
	eq(t, "carol's role after refused transfer", roleOf(t, s, cm.ID), tenant.RoleDeveloper)

	// To a member of another organization: refused, and the owner's demotion rolls back.
	err = s.TransferOwnership(ctx(t), bm.ID, dOwner.ID)
	wantErr(t, "TransferOwnership to another organization's member", err)
	eq(t, "bob's role after cross-organization transfer", roleOf(t, s, bm.ID), tenant.RoleOwner)
	eq(t, "dave's role after cross-organization transfer", roleOf(t, s, dOwner.ID), tenant.RoleOwner)
	// To a missing member: same.
	err = s.TransferOwnership(ctx(t), bm.ID, id())
	wantKind(t, "TransferOwnership to a missing member", err, errs.KindNotFound)
	eq(t, "bob's role after transfer to nobody", roleOf(t, s, bm.ID), tenant.RoleOwner)

	// Environments reached through memberships.
	envIDs, err := s.MembershipEnvironmentIDs(ctx(t), alice.ID)
	must(t, "MembershipEnvironmentIDs(alice)", err)
	eqSet(t, "alice's environments", envIDs, []string{sb.ID, lv.ID})
	envIDs, err = s.MembershipEnvironmentIDs(ctx(t), dave.ID)
	must(t, "MembershipEnvironmentIDs(dave)", err)
	eqSet(t, "dave's environments", envIDs, []string{osb.ID, olv.ID})
	addMember(t, s, c, other, carol, tenant.RoleViewer)
	envIDs, err = s.MembershipEnvironmentIDs(ctx(t), carol.ID)
	must(t, "MembershipEnvironmentIDs(carol)", err)
	eqSet(t, "carol's environments", envIDs, []string{sb.ID, lv.ID, osb.ID, olv.ID})
	envIDs, err = s.MembershipEnvironmentIDs(ctx(t), id())
	must(t, "MembershipEnvironmentIDs(stranger)", err)
	eq(t, "a stranger's environments", len(envIDs), 0)

	// Deleting a member deletes the tokens it created, and only those.
	ct := createToken(t, s, c, sb, cm, "carol's", nil, false)
	bt := createToken(t, s, c, lv, bm, "bob's", nil, false)
	must(t, "DeleteMember", s.DeleteMember(ctx(t), cm.ID))
	_, err = s.GetMember(ctx(t), cm.ID)
	wantKind(t, "GetMember after delete", err, errs.KindNotFound)
	_, _, err = s.TokenByHash(ctx(t), ct.Hash)
	wantKind(t, "deleted member's token", err, errs.KindNotFound)
	_, _, err = s.TokenByHash(ctx(t), bt.Hash)
	must(t, "other member's token after delete", err)
	list, err = s.ListMembers(ctx(t), org.ID)
	must(t, "ListMembers after delete", err)
	eqStrings(t, "ListMembers after delete", memberIDs(list), []string{ao.ID, bm.ID})
	wantKind(t, "second DeleteMember", s.DeleteMember(ctx(t), cm.ID), errs.KindNotFound)
	// Carol keeps her other membership.
	orgs, err := s.ListOrganizationsForUser(ctx(t), carol.ID)
	must(t, "ListOrganizationsForUser(carol)", err)
	if len(orgs) != 1 || orgs[0].ID != other.ID {
		t.Errorf("carol's organizations after delete = %+v, want only %s", orgs, other.ID)
	}
}

func testInvites(t *testing.T, s store.Store) {
	c := newClock()
	alice, bob := newUser(c, "alice"), newUser(c, "bob")
	org, ao := createOrg(t, s, c, "acme", alice)
	other, _ := createOrg(t, s, c, "other", newUser(c, "olga"))

	iBob := createInvite(t, s, c, org, "bob@example.com", "", "", tenant.RoleDeveloper)
	iWallet := createInvite(t, s, c, org, "", "0xAbCdEf0123", "", tenant.RoleViewer)
	iPhone := createInvite(t, s, c, org, "", "", "+15555550100", tenant.RoleAdmin)
	iRejected := createInvite(t, s, c, org, "carol@example.com", "", "", tenant.RoleViewer)
	iOther := createInvite(t, s, c, other, "bob@example.com", "", "", tenant.RoleAdmin)

	got, err := s.GetInvite(ctx(t), iBob.ID)
	must(t, "GetInvite", err)
	eqInvite(t, "invite", got, iBob)
	got, err = s.GetInvite(ctx(t), iOther.ID)
	must(t, "GetInvite(other)", err)
	eqInvite(t, "other organization's invite", got, iOther)

	must(t, "SetInviteStatus rejected", s.SetInviteStatus(ctx(t), iRejected.ID, tenant.InviteRejected, nil, tenant.MaxPendingInvites))
	got, err = s.GetInvite(ctx(t), iRejected.ID)
	must(t, "GetInvite(rejected)", err)
	eq(t, "rejected invite status", got.Status, tenant.InviteRejected)

	all, err := s.ListInvites(ctx(t), org.ID, "")
	must(t, "ListInvites", err)
	eqStrings(t, "ListInvites (creation order)", inviteIDs(all), []string{iBob.ID, iWallet.ID, iPhone.ID, iRejected.ID})
	if len(all) == 4 {
		eqInvite(t, "listed invite", &all[1], iWallet)
	}
	pending, err := s.ListInvites(ctx(t), org.ID, tenant.InvitePending)
	must(t, "ListInvites(pending)", err)
	eqStrings(t, "ListInvites(pending)", inviteIDs(pending), []string{iBob.ID, iWallet.ID, iPhone.ID})
	rejected, err := s.ListInvites(ctx(t), org.ID, tenant.InviteRejected)
	must(t, "ListInvites(rejected)", err)
	eqStrings(t, "ListInvites(rejected)", inviteIDs(rejected), []string{iRejected.ID})
	accepted, err := s.ListInvites(ctx(t), org.ID, tenant.InviteAccepted)
	must(t, "ListInvites(accepted)", err)
	eq(t, "accepted invites", len(accepted), 0)

	// Addressed invites: email case-insensitively, wallet too.
	bobMixed := bob
	bobMixed.Email, bobMixed.WalletPublicKey = "Bob@Example.COM", ""
	mine, err := s.ListInvitesFor(ctx(t), bobMixed, "")
	must(t, "ListInvitesFor(email)", err)
	eqSet(t, "invites for bob's email", inviteIDs(mine), []string{iBob.ID, iOther.ID})
	for i := range mine {
		if mine[i].ID == iOther.ID {
			eq(t, "addressed invite's organization name", mine[i].OrganizationName, other.Name)
		}
	}
	walletUser := tenant.DashboardUser{ID: id(), WalletPublicKey: "0xabcdef0123"}
	mine, err = s.ListInvitesFor(ctx(t), walletUser, "")
	must(t, "ListInvitesFor(wallet)", err)
	eqStrings(t, "invites for the wallet", inviteIDs(mine), []string{iWallet.ID})
	both := tenant.DashboardUser{ID: id(), Email: "BOB@example.com", WalletPublicKey: "0xABCDEF0123"}
	mine, err = s.ListInvitesFor(ctx(t), both, tenant.InvitePending)
	must(t, "ListInvitesFor(email and wallet)", err)
	eqSet(t, "invites for email and wallet", inviteIDs(mine), []string{iBob.ID, iWallet.ID, iOther.ID})
	mine, err = s.ListInvitesFor(ctx(t), both, tenant.InviteRejected)
	must(t, "ListInvitesFor(rejected)", err)
	eq(t, "rejected invites for bob", len(mine), 0)
	nobody := tenant.DashboardUser{ID: id()} // empty email and wallet match nothing
	mine, err = s.ListInvitesFor(ctx(t), nobody, "")
	must(t, "ListInvitesFor(no email, no wallet)", err)
	eq(t, "invites for a user without email or wallet", len(mine), 0)

	// Accepting adds the member in the same step.
	bobM := &tenant.Member{ID: id(), OrganizationID: org.ID, User: bob, Role: iBob.Role, CreatedAt: c.next()}
	must(t, "SetInviteStatus accepted", s.SetInviteStatus(ctx(t), iBob.ID, tenant.InviteAccepted, bobM, tenant.MaxPendingInvites))
	got, err = s.GetInvite(ctx(t), iBob.ID)
	must(t, "GetInvite after accept", err)
	eq(t, "accepted invite status", got.Status, tenant.InviteAccepted)
	m, err := s.GetMember(ctx(t), bobM.ID)
	must(t, "GetMember(new member)", err)
	eqMember(t, "new member", m, bobM)
	members, err := s.ListMembers(ctx(t), org.ID)
	must(t, "ListMembers after accept", err)
	eqStrings(t, "members after accept", memberIDs(members), []string{ao.ID, bobM.ID})
	accepted, err = s.ListInvites(ctx(t), org.ID, tenant.InviteAccepted)
	must(t, "ListInvites(accepted) after accept", err)
	eqStrings(t, "accepted invites after accept", inviteIDs(accepted), []string{iBob.ID})

	// Accepting again fails.
	again := &tenant.Member{ID: id(), OrganizationID: org.ID, User: newUser(c, "eve"), Role: tenant.RoleViewer, CreatedAt: c.next()}
	wantErr(t, "accepting an accepted invite", s.SetInviteStatus(ctx(t), iBob.ID, tenant.InviteAccepted, again, tenant.MaxPendingInvites))
	_, err = s.GetMember(ctx(t), again.ID)
	wantKind(t, "member from a second accept", err, errs.KindNotFound)

	// Accepting while already a member fails and leaves the invite pending.
	iBob2 := createInvite(t, s, c, org, "bob@example.com", "", "", tenant.RoleAdmin)
	bobM2 := &tenant.Member{ID: id(), OrganizationID: org.ID, User: bob, Role: iBob2.Role, CreatedAt: c.next()}
	wantErr(t, "accepting while already a member", s.SetInviteStatus(ctx(t), iBob2.ID, tenant.InviteAccepted, bobM2, tenant.MaxPendingInvites))
	got, err = s.GetInvite(ctx(t), iBob2.ID)
	must(t, "GetInvite after refused accept", err)
	eq(t, "invite status after refused accept", got.Status, tenant.InvitePending)
	members, err = s.ListMembers(ctx(t), org.ID)
	must(t, "ListMembers after refused accept", err)
	eqStrings(t, "members after refused accept", memberIDs(members), []string{ao.ID, bobM.ID})
	eq(t, "bob's role after refused accept", roleOf(t, s, bobM.ID), tenant.RoleDeveloper)

	// A rejected (or revoked) invite is not accepted by the store either:
	// an admin's revocation racing the invitee's accept, which read the
	// invite pending, wins.
	carolM := &tenant.Member{ID: id(), OrganizationID: org.ID, User: newUser(c, "carol"), Role: iRejected.Role, CreatedAt: c.next()}
	wantKind(t, "accepting a rejected invite", s.SetInviteStatus(ctx(t), iRejected.ID, tenant.InviteAccepted, carolM, tenant.MaxPendingInvites),
		errs.KindUnprocessable)
	_, err = s.GetMember(ctx(t), carolM.ID)
	wantKind(t, "member from accepting a rejected invite", err, errs.KindNotFound)
	got, err = s.GetInvite(ctx(t), iRejected.ID)
	must(t, "GetInvite after refused accept of a rejected invite", err)
	eq(t, "rejected invite's status after a refused accept", got.Status, tenant.InviteRejected)
	wantKind(t, "accepting an unknown invite", s.SetInviteStatus(ctx(t), id(), tenant.InviteAccepted, carolM, tenant.MaxPendingInvites), errs.KindNotFound)

	must(t, "DeleteInvite", s.DeleteInvite(ctx(t), iRejected.ID))
	_, err = s.GetInvite(ctx(t), iRejected.ID)
	wantKind(t, "GetInvite after delete", err, errs.KindNotFound)
	wantKind(t, "second DeleteInvite", s.DeleteInvite(ctx(t), iRejected.ID), errs.KindNotFound)
	all, err = s.ListInvites(ctx(t), org.ID, "")
	must(t, "ListInvites after delete", err)
	eqStrings(t, "ListInvites after delete", inviteIDs(all), []string{iBob.ID, iWallet.ID, iPhone.ID, iBob2.ID})

	// An invite needs its organization.
	orphan := newInvite(c, &tenant.Organization{ID: id(), Name: "ghost"}, "x@example.com", "", "", tenant.RoleViewer)
	wantKind(t, "CreateInvite for a missing organization", s.CreateInvite(ctx(t), orphan, tenant.MaxPendingInvites), errs.KindNotFound)
}

func testMfaSettings(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	other, _ := createOrg(t, s, c, "other", newUser(c, "olga"))
	list, err := s.ListMfaSettings(ctx(t), org.ID)
	must(t, "ListMfaSettings", err)
	eq(t, "MFA settings of a new organization", len(list), 0)

	check := func(what string, orgID string, want map[string]*time.Time) {
		t.Helper()
		list, err := s.ListMfaSettings(ctx(t), orgID)
		must(t, "ListMfaSettings", err)
		if len(list) != len(want) {
			t.Errorf("%s: %d settings, want %d", what, len(list), len(want))
		}
		for _, st := range list {
			w, ok := want[st.DeviceType]
			if !ok {
				t.Errorf("%s: unexpected device type %q", what, st.DeviceType)
				continue
			}
			eqTimePtr(t, what+" "+st.DeviceType, st.EnabledAt, w)
		}
	}
	t1, t2 := c.next(), c.next()
	must(t, "SetMfaSetting(totp)", s.SetMfaSetting(ctx(t), org.ID, "totp", &t1))
	must(t, "SetMfaSetting(passkey, off)", s.SetMfaSetting(ctx(t), org.ID, "passkey", nil))
	check("after first set", org.ID, map[string]*time.Time{"totp": &t1, "passkey": nil})
	must(t, "SetMfaSetting(totp, off)", s.SetMfaSetting(ctx(t), org.ID, "totp", nil))
	must(t, "SetMfaSetting(passkey, on)", s.SetMfaSetting(ctx(t), org.ID, "passkey", &t2))
	check("after upsert", org.ID, map[string]*time.Time{"totp": nil, "passkey": &t2})
	check("other organization", other.ID, map[string]*time.Time{})
	wantKind(t, "SetMfaSetting for a missing organization",
		s.SetMfaSetting(ctx(t), id(), "totp", &t1), errs.KindNotFound)
}

func testSsoProvider(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	other, _ := createOrg(t, s, c, "other", newUser(c, "olga"))
	_, err := s.GetSsoProvider(ctx(t), org.ID)
	wantKind(t, "GetSsoProvider before create", err, errs.KindNotFound)

	at := c.next()
	p := &tenant.SsoProvider{ID: id(), OrganizationID: org.ID, ClientID: "client-1", ClientSecretSealed: randomBytes(t, 40),
		MaskedClientSecret: "****abcd", SsoDomain: "sso.acme.com", EmailDomain: "acme.com", Provider: "okta",
		RedirectURL: "https://acme.example.com/sso/callback", EnforceOnlySSO: true, CreatedAt: at, UpdatedAt: at}
	must(t, "CreateSsoProvider", s.CreateSsoProvider(ctx(t), p))
	got, err := s.GetSsoProvider(ctx(t), org.ID)
	must(t, "GetSsoProvider", err)
	eqSsoProvider(t, "provider", got, p)

	second := *p
	second.ID = id()
	wantKind(t, "second CreateSsoProvider", s.CreateSsoProvider(ctx(t), &second), errs.KindConflict)
	_, err = s.GetSsoProvider(ctx(t), other.ID)
	wantKind(t, "GetSsoProvider(other)", err, errs.KindNotFound)

	upd := *p
	upd.ClientID, upd.ClientSecretSealed, upd.MaskedClientSecret = "client-2", randomBytes(t, 40), "****wxyz"
	upd.SsoDomain, upd.EmailDomain, upd.Provider, upd.RedirectURL = "sso2.acme.com", "acme.org", "azure", ""
	upd.EnforceOnlySSO, upd.UpdatedAt = false, c.next()
	must(t, "UpdateSsoProvider", s.UpdateSsoProvider(ctx(t), &upd))
	got, err = s.GetSsoProvider(ctx(t), org.ID)
	must(t, "GetSsoProvider after update", err)
	eqSsoProvider(t, "updated provider", got, &upd)

	foreign := upd
	foreign.OrganizationID = other.ID
	wantKind(t, "UpdateSsoProvider via another organization", s.UpdateSsoProvider(ctx(t), &foreign), errs.KindNotFound)
	wantKind(t, "DeleteSsoProvider via another organization", s.DeleteSsoProvider(ctx(t), other.ID, p.ID), errs.KindNotFound)
	got, err = s.GetSsoProvider(ctx(t), org.ID)
	must(t, "GetSsoProvider after foreign update and delete", err)
	eqSsoProvider(t, "provider after foreign update and delete", got, &upd)

	must(t, "DeleteSsoProvider", s.DeleteSsoProvider(ctx(t), org.ID, p.ID))
	_, err = s.GetSsoProvider(ctx(t), org.ID)
	wantKind(t, "GetSsoProvider after delete", err, errs.KindNotFound)
	wantKind(t, "second DeleteSsoProvider", s.DeleteSsoProvider(ctx(t), org.ID, p.ID), errs.KindNotFound)
	// After deleting, the organization may have one again.
	must(t, "CreateSsoProvider after delete", s.CreateSsoProvider(ctx(t), &second))
}

func testCoupons(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	other, _ := createOrg(t, s, c, "other", newUser(c, "olga"))
	list, err := s.ListCoupons(ctx(t), org.ID)
	must(t, "ListCoupons", err)
	eq(t, "coupons of a new organization", len(list), 0)
	must(t, "AddCoupon(A)", s.AddCoupon(ctx(t), org.ID, "WELCOME", c.next()))
	must(t, "AddCoupon(B)", s.AddCoupon(ctx(t), org.ID, "SPRING", c.next()))
	must(t, "AddCoupon(A) again", s.AddCoupon(ctx(t), org.ID, "WELCOME", c.next()))
	list, err = s.ListCoupons(ctx(t), org.ID)
	must(t, "ListCoupons", err)
	eqStrings(t, "coupons", list, []string{"WELCOME", "SPRING"})
	must(t, "AddCoupon(other)", s.AddCoupon(ctx(t), other.ID, "WELCOME", c.next()))
	list, err = s.ListCoupons(ctx(t), other.ID)
	must(t, "ListCoupons(other)", err)
	eqStrings(t, "other organization's coupons", list, []string{"WELCOME"})
	wantKind(t, "AddCoupon for a missing organization", s.AddCoupon(ctx(t), id(), "X", c.next()), errs.KindNotFound)
}
