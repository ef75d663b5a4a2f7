package httpapi_test

import (
	"context"
	"testing"
	"time"

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
	if err := h.store.CreateInvite(context.Background(), inv); err != nil {
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
