package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestEnvironmentTokenCannotUseInvites: an environment token, whatever its
// scopes, neither lists its operator's invitations nor accepts one (which
// would make the operator a member of another organization). Invites, like
// organizations, are for organization-wide tokens.
func TestEnvironmentTokenCannotUseInvites(t *testing.T) {
	h := newHarness(t)
	// The operator, with an organization and project of their own.
	opMember, opOrg, _ := h.newUser(t, "operator@example.com")
	owner := h.orgWideToken(t, opMember, opOrg)
	st, res := h.do(t, "POST", "/organizations/"+opOrg+"/projects", owner, map[string]any{"name": "Operator project"})
	wantStatus(t, "create project", st, 200, res)
	env := projectEnvs(t, obj(t, res, "project"))["sandbox"]
	// An invitation for them from an organization they are not in.
	inv := &tenant.Invite{ID: newUUID(t), OrganizationID: h.ids.OrganizationID, Status: tenant.InvitePending,
		Email: "operator@example.com", Role: tenant.RoleAdmin, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := h.store.CreateInvite(context.Background(), inv, tenant.MaxPendingInvites); err != nil {
		t.Fatal(err)
	}
	_, usersRead := h.envToken(t, owner, env, "environment.users.read")
	_, allScopes := h.envToken(t, owner, env)
	for _, tok := range []string{usersRead, allScopes} {
		st, res = h.do(t, "GET", "/invites", tok, nil)
		wantError(t, "env token lists invites", st, res, 403)
		st, res = h.do(t, "PUT", "/invites/"+inv.ID, tok, map[string]any{"status": "accepted"})
		wantError(t, "env token accepts an invite", st, res, 403)
	}
	st, res = h.do(t, "GET", "/organizations", owner, nil)
	wantStatus(t, "organizations", st, 200, res)
	if n := len(list(t, res, "organizations")); n != 1 {
		t.Fatalf("the operator joined another organization through an environment token: %s", dump(res))
	}
	// The owner token still does both.
	st, res = h.do(t, "GET", "/invites", owner, nil)
	wantStatus(t, "owner lists invites", st, 200, res)
	wantEq(t, res, "count", 1)
	st, res = h.do(t, "PUT", "/invites/"+inv.ID, owner, map[string]any{"status": "accepted"})
	wantStatus(t, "owner accepts", st, 204, res)
}

// TestRemovedMemberLosesEnvironmentTokens: an environment token minted
// by an operator of another organization (through their membership here)
// is theirs as a member here, and goes when that membership does.
func TestRemovedMemberLosesEnvironmentTokens(t *testing.T) {
	h := newHarness(t)
	org, env := h.ids.OrganizationID, h.ids.EnvironmentID
	homeMember, homeOrg, _ := h.newUser(t, "mallory@example.com")
	mallory := h.orgWideToken(t, homeMember, homeOrg)

	// The organization invites mallory as a developer; she accepts.
	st, res := h.do(t, "POST", "/organizations/"+org+"/invites", h.token, map[string]any{"email": "mallory@example.com", "role": "developer"})
	wantStatus(t, "invite", st, 204, res)
	st, res = h.do(t, "GET", "/invites", mallory, nil)
	wantStatus(t, "mallory's invites", st, 200, res)
	st, res = h.do(t, "PUT", "/invites/"+str(t, res, "invites.0.id"), mallory, map[string]any{"status": "accepted"})
	wantStatus(t, "accept", st, 204, res)

	// She mints an all-scopes environment token in the organization.
	_, envTok := h.envToken(t, mallory, env)

	// The owner removes her.
	st, res = h.do(t, "GET", "/organizations/"+org+"/members", h.token, nil)
	wantStatus(t, "members", st, 200, res)
	memberID := str(t, find(t, list(t, res, "members"), "role", "developer"), "id")
	st, res = h.do(t, "DELETE", "/members/"+memberID, h.token, nil)
	wantStatus(t, "remove mallory", st, 204, res)

	// Her owner token no longer reaches the organization...
	st, res = h.do(t, "GET", "/environments/"+env+"/users", mallory, nil)
	wantError(t, "removed member's owner token", st, res, 403)
	// ...nor must the token she minted there.
	st, res = h.do(t, "GET", "/environments/"+env+"/users", envTok, nil)
	if st != 401 {
		t.Errorf("removed member's environment token: status %d, want 401; %s", st, dump(res))
	}
	st, res = h.do(t, "POST", "/environments/"+env+"/tokens", envTok, map[string]any{"note": "persist"})
	if st == 200 {
		t.Errorf("removed member's environment token mints a new token: %s", dump(res))
	}
}

// TestRevokedInviteCannotBeAccepted: an invite an admin revoked
// (rejected) cannot be accepted by its addressee until reopened.
func TestRevokedInviteCannotBeAccepted(t *testing.T) {
	h := newHarness(t)
	org := h.ids.OrganizationID
	st, res := h.do(t, "POST", "/organizations/"+org+"/invites", h.token, map[string]any{"email": "eve@example.com", "role": "admin"})
	wantStatus(t, "invite", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "invites", st, 200, res)
	id := str(t, res, "invites.0.id")
	st, res = h.do(t, "PUT", "/invites/"+id, h.token, map[string]any{"status": "rejected"})
	wantStatus(t, "admin revokes", st, 204, res)

	eveMember, eveOrg, _ := h.newUser(t, "eve@example.com")
	eve := h.orgWideToken(t, eveMember, eveOrg)
	st, res = h.do(t, "PUT", "/invites/"+id, eve, map[string]any{"status": "accepted"})
	wantError(t, "the invitee accepts a revoked invite", st, res, 422)
	st, res = h.do(t, "GET", "/organizations/"+org, eve, nil)
	wantError(t, "the organization, read by the refused invitee", st, res, 403)
	// Reopened by the admin, it can be accepted.
	st, res = h.do(t, "PUT", "/invites/"+id, h.token, map[string]any{"status": "pending"})
	wantStatus(t, "admin reopens", st, 204, res)
	st, res = h.do(t, "PUT", "/invites/"+id, eve, map[string]any{"status": "accepted"})
	wantStatus(t, "the invitee accepts the reopened invite", st, 204, res)
}

// TestDeveloperCannotRevokeOwnersToken: an organization-wide token is
// revoked by its operator or an admin of at least their role, not by a
// developer of the organization.
func TestDeveloperCannotRevokeOwnersToken(t *testing.T) {
	h := newHarness(t)
	org, env := h.ids.OrganizationID, h.ids.EnvironmentID
	devMember := h.addMember(t, org, "developer", "dev@example.com")
	dev := h.orgWideToken(t, devMember, org)
	st, res := h.do(t, "GET", "/environments/"+env+"/tokens", dev, nil)
	wantStatus(t, "developer lists tokens", st, 200, res)
	byNote := map[string]string{}
	for _, tk := range list(t, res, "tokens") {
		note, _ := at(tk, "note")
		byNote[fmt.Sprint(note)] = str(t, tk, "id")
	}
	ownerTok, devTok := byNote["created by dynamicauth init"], byNote["test org-wide token"]
	if ownerTok == "" || devTok == "" {
		t.Fatalf("the owner's and the developer's tokens are not both listed: %s", dump(res))
	}
	st, res = h.do(t, "DELETE", "/environments/"+env+"/tokens/"+ownerTok, dev, nil)
	wantError(t, "a developer revokes the owner's organization-wide token", st, res, 403)
	st, res = h.do(t, "GET", "/organizations/"+org, h.token, nil)
	wantStatus(t, "the owner's token after the developer's attempt", st, 200, res)
	// The owner (a role at least the developer's) revokes the developer's.
	st, res = h.do(t, "DELETE", "/environments/"+env+"/tokens/"+devTok, h.token, nil)
	wantStatus(t, "the owner revokes the developer's token", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+org, dev, nil)
	wantError(t, "the revoked developer token", st, res, 401)
}

// TestTokenOperatorsMigration: migration 0052 credits an environment
// token made before the fix under its operator's membership of another
// organization to their membership of the token's own, revokes one whose
// operator is no member there, and leaves the others.
func TestTokenOperatorsMigration(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			ctx, env := context.Background(), h.ids.EnvironmentID
			malloryHome, _, mallory := h.newUser(t, "mallory@example.com")
			now := time.Now().UTC().Truncate(time.Millisecond)
			inv := &tenant.Invite{ID: newUUID(t), OrganizationID: h.ids.OrganizationID, Status: tenant.InvitePending,
				Email: mallory.Email, Role: tenant.RoleDeveloper, CreatedAt: now}
			malloryHere := &tenant.Member{ID: newUUID(t), OrganizationID: h.ids.OrganizationID, User: mallory,
				Role: tenant.RoleDeveloper, CreatedAt: now}
			if err := h.store.CreateInvite(ctx, inv, tenant.MaxPendingInvites); err != nil {
				t.Fatal(err)
			}
			if err := h.store.SetInviteStatus(ctx, inv.ID, tenant.InviteAccepted, malloryHere, tenant.MaxPendingInvites); err != nil {
				t.Fatal(err)
			}
			eveHome, _, _ := h.newUser(t, "eve@example.com") // removed from here, or never a member
			stale := func(memberID string) string {
				tok := &tenant.Token{ID: newUUID(t), EnvironmentID: env, ProjectID: h.ids.ProjectID,
					OrganizationID: h.ids.OrganizationID, Hash: []byte(newUUID(t)), Checksum: "abcdef",
					Note: "made before the fix", CreatedBy: tenant.Member{ID: memberID}, CreatedAt: now}
				if err := h.store.CreateToken(ctx, tok, tenant.MaxTokens); err != nil {
					t.Fatal(err)
				}
				return tok.ID
			}
			mallorys, eves := stale(malloryHome), stale(eveHome)
			owners, _ := h.envToken(t, h.token, env)

			sql, err := os.ReadFile("../store/" + backend + "/migrations/0052_token_operators.sql")
			if err != nil {
				t.Fatal(err)
			}
			d := h.store.(interface{ Driver() sqlstore.Driver }).Driver()
			for _, stmt := range strings.SplitAfter(string(sql), ";\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if err := d.Write(ctx, func(tx sqlstore.Tx) error { _, err := tx.Exec(ctx, stmt); return err }); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			tokens, err := h.store.ListTokens(ctx, env)
			if err != nil {
				t.Fatal(err)
			}
			by := map[string]string{}
			for _, tok := range tokens {
				by[tok.ID] = tok.CreatedBy.ID
			}
			if by[mallorys] != malloryHere.ID {
				t.Errorf("mallory's token credited to member %q, want her membership here %s", by[mallorys], malloryHere.ID)
			}
			if _, ok := by[eves]; ok {
				t.Error("the token of an operator who is no member here was kept")
			}
			if by[owners] != h.ids.OwnerMemberID {
				t.Errorf("the owner's token credited to %q, want %s", by[owners], h.ids.OwnerMemberID)
			}
		})
	}
}

// TestDemotedOperatorsTokenStopsWriting: an environment token writes only
// while its operator holds the developer role: demoted to viewer, their
// token still reads and no longer writes.
func TestDemotedOperatorsTokenStopsWriting(t *testing.T) {
	h := newHarness(t)
	org, env := h.ids.OrganizationID, h.ids.EnvironmentID
	devMember := h.addMember(t, org, "developer", "dev@example.com")
	_, envTok := h.envToken(t, h.orgWideToken(t, devMember, org), env)
	write := func() (int, any) {
		return h.do(t, "POST", "/environments/"+env+"/tokens", envTok, map[string]any{"note": "minted by the environment token"})
	}
	st, res := write()
	wantStatus(t, "the developer's environment token writes", st, 200, res)
	st, res = h.do(t, "PUT", "/members/"+devMember, h.token, map[string]any{"role": "viewer"})
	wantStatus(t, "demote to viewer", st, 200, res)
	st, res = write()
	wantError(t, "the demoted operator's environment token writes", st, res, 403)
	st, res = h.do(t, "GET", "/environments/"+env+"/users", envTok, nil)
	wantStatus(t, "the demoted operator's environment token reads", st, 200, res)
}
