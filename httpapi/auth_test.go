package httpapi_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// tamper changes one character of a token's body.
func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) - 10
	if b[i] == 'a' {
		b[i] = 'b'
	} else {
		b[i] = 'a'
	}
	return string(b)
}

func TestAuthRejectsBadCredentials(t *testing.T) {
	h := newHarness(t)
	wellFormed := "dyn_" + strings.Repeat("Ab3", 18) + "Zz" // 56 alphanumerics, issued to nobody
	if !rawTokenRE.MatchString(wellFormed) || !rawTokenRE.MatchString(tamper(h.token)) {
		t.Fatal("test tokens are not well-formed")
	}
	cases := []struct {
		name, authorization string
	}{
		{"no header", ""},
		{"basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("owner:"+h.token))},
		{"token scheme", "Token " + h.token},
		{"bearer without token", "Bearer"},
		{"bearer with blank token", "Bearer    "},
		{"malformed token", "Bearer not-a-token"},
		{"short dyn token", "Bearer dyn_abc"},
		{"token with a suffix", "Bearer " + h.token + "x"},
		{"token without prefix", "Bearer " + strings.TrimPrefix(h.token, "dyn_")},
		{"well-formed random token", "Bearer " + wellFormed},
		{"tampered token", "Bearer " + tamper(h.token)},
		{"two tokens", "Bearer " + h.token + " " + h.token},
	}
	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/organizations", nil},
		{"GET", "/environments/" + h.ids.EnvironmentID, nil},
		{"GET", "/environments/" + h.ids.EnvironmentID + "/tokens", nil},
		{"POST", "/organizations", map[string]any{"name": "Intruder Inc"}},
		{"PUT", "/projects/" + h.ids.ProjectID, map[string]any{"name": "Pwned"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, rt := range routes {
				r := h.send(t, request{method: rt.method, path: v0 + rt.path, body: rt.body,
					header: map[string]string{"Authorization": tc.authorization}})
				wantError(t, rt.method+" "+rt.path, r.status, r.json, 401)
				if strings.Contains(string(r.raw), h.token[4:20]) {
					t.Errorf("401 body echoes the token: %s", r.raw)
				}
			}
		})
	}
	// Nothing was written.
	st, res := h.do(t, "GET", "/organizations", h.token, nil)
	wantStatus(t, "list organizations", st, 200, res)
	if n := len(list(t, res, "organizations")); n != 1 {
		t.Errorf("an unauthenticated POST created an organization: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/projects/"+h.ids.ProjectID, h.token, nil)
	wantStatus(t, "get project", st, 200, res)
	wantEq(t, res, "name", "Default project")
}

func TestDeletedTokenIsRejected(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	id, raw := h.envToken(t, h.token, env, "environment.settings.read")
	st, res := h.do(t, "GET", "/environments/"+env, raw, nil)
	wantStatus(t, "fresh token", st, 200, res)
	st, res = h.do(t, "DELETE", "/environments/"+env+"/tokens/"+id, h.token, nil)
	wantStatus(t, "delete token", st, 204, res)
	st, res = h.do(t, "GET", "/environments/"+env, raw, nil)
	wantError(t, "deleted token", st, res, 401)
	st, res = h.do(t, "GET", "/organizations", raw, nil)
	wantError(t, "deleted token", st, res, 401)
	// The owner token is unaffected.
	st, res = h.do(t, "GET", "/environments/"+env, h.token, nil)
	wantStatus(t, "owner token", st, 200, res)
}

// TestEnvironmentTokenScopes: a token minted through the API reaches its own
// environment only, and only with its scopes.
func TestEnvironmentTokenScopes(t *testing.T) {
	h := newHarness(t)
	sandbox, live, org := h.ids.EnvironmentID, h.ids.LiveEnvironmentID, h.ids.OrganizationID
	_, users := h.envToken(t, h.token, sandbox, "environment.users.read")

	forbidden := []struct {
		name, method, path string
		body               any
	}{
		{"own environment without settings.read", "GET", "/environments/" + sandbox, nil},
		{"keys without settings.read", "GET", "/environments/" + sandbox + "/keys", nil},
		{"origins without settings.read", "GET", "/environments/" + sandbox + "/origins", nil},
		{"visitors without settings.read", "GET", "/environments/" + sandbox + "/statistics/visitors", nil},
		{"tokens without apiTokens.read", "GET", "/environments/" + sandbox + "/tokens", nil},
		{"sibling live environment", "GET", "/environments/" + live, nil},
		{"write settings", "PUT", "/environments/" + sandbox, map[string]any{"chains": []any{}, "kyc": []any{},
			"design": map[string]any{}, "general": map[string]any{"displayName": "Pwned"}, "privacy": map[string]any{},
			"sdk": map[string]any{}, "security": map[string]any{}}},
		{"add origin", "POST", "/environments/" + sandbox + "/origins", map[string]any{"origin": "https://evil.example"}},
		{"create organization", "POST", "/organizations", map[string]any{"name": "Env token org"}},
		{"update organization", "PUT", "/organizations/" + org, map[string]any{"name": "Hijacked"}},
		{"update address", "PUT", "/organizations/" + org + "/address", map[string]any{"city": "Nowhere"}},
		{"create project", "POST", "/organizations/" + org + "/projects", map[string]any{"name": "Env token project"}},
		{"rename project", "PUT", "/projects/" + h.ids.ProjectID, map[string]any{"name": "Hijacked"}},
		{"delete project", "DELETE", "/projects/" + h.ids.ProjectID, nil},
		{"invite", "POST", "/organizations/" + org + "/invites", map[string]any{"email": "x@example.com", "role": "admin"}},
		{"change a role", "PUT", "/members/" + h.ids.OwnerMemberID, map[string]any{"role": "viewer"}},
		{"enable mfa", "PUT", "/organizations/" + org + "/mfaSettings/totp/enable", nil},
		{"mint a token", "POST", "/environments/" + sandbox + "/tokens", map[string]any{"note": "x", "scopes": []string{"environment.users.read"}}},
	}
	for _, tc := range forbidden {
		st, res := h.do(t, tc.method, tc.path, users, tc.body)
		wantError(t, tc.name, st, res, 403)
		if has(res, "settings") || has(res, "id") {
			t.Errorf("%s: 403 body carries data: %s", tc.name, dump(res))
		}
	}

	// Nothing changed.
	st, res := h.do(t, "GET", "/organizations/"+org, h.token, nil)
	wantStatus(t, "get organization", st, 200, res)
	wantEq(t, res, "name", "Default organization")
	st, res = h.do(t, "GET", "/organizations", h.token, nil)
	wantStatus(t, "list organizations", st, 200, res)
	if n := len(list(t, res, "organizations")); n != 1 {
		t.Errorf("env token created an organization: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/environments/"+sandbox, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	wantEq(t, res, "settings.general.displayName", "Default project")
	st, res = h.do(t, "GET", "/projects/"+h.ids.ProjectID, h.token, nil)
	wantStatus(t, "get project", st, 200, res)
	wantEq(t, res, "name", "Default project")

	// With settings.read the sibling is still out of reach.
	_, reader := h.envToken(t, h.token, sandbox, "environment.settings.read")
	st, res = h.do(t, "GET", "/environments/"+sandbox, reader, nil)
	wantStatus(t, "settings reader reads its environment", st, 200, res)
	wantEq(t, res, "id", sandbox)
	for _, path := range []string{"/environments/" + live, "/environments/" + live + "/keys", "/environments/" + live + "/origins"} {
		st, res = h.do(t, "GET", path, reader, nil)
		wantError(t, "settings reader: GET "+path, st, res, 403)
	}
	st, res = h.do(t, "GET", "/projects/"+h.ids.ProjectID+"/environments", reader, nil)
	wantStatus(t, "project environments", st, 200, res)
	wantEq(t, res, "environments.sandbox.settings.environmentName", "sandbox")
	if has(res, "environments.live.settings") {
		t.Errorf("sibling settings shown to a sandbox token: %s", dump(res))
	}

	// What it may read: its own project's environment list, without settings.
	st, res = h.do(t, "GET", "/projects/"+h.ids.ProjectID+"/environments", users, nil)
	wantStatus(t, "project environments", st, 200, res)
	wantEq(t, res, "environments.sandbox.id", sandbox)
	wantEq(t, res, "environments.live.id", live)
	if has(res, "environments.sandbox.settings") || has(res, "environments.live.settings") {
		t.Errorf("settings shown to a token without settings.read: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/organizations", users, nil)
	wantStatus(t, "list organizations", st, 200, res)
	if orgs := list(t, res, "organizations"); len(orgs) != 1 || str(t, orgs[0], "id") != org {
		t.Errorf("env token lists %s", dump(res))
	}
}

// TestTokenCannotMintBroaderTokens: a token with apiTokens.write mints only
// tokens within its own scopes and environment.
func TestTokenCannotMintBroaderTokens(t *testing.T) {
	h := newHarness(t)
	sandbox, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	_, minter := h.envToken(t, h.token, sandbox, "environment.apiTokens.write", "environment.users.read")

	st, res := h.do(t, "POST", "/environments/"+sandbox+"/tokens", minter,
		map[string]any{"note": "escalate", "scopes": []string{"environment.settings.read"}})
	wantError(t, "mint a scope it lacks", st, res, 403, "environment.settings.read")
	st, res = h.do(t, "POST", "/environments/"+sandbox+"/tokens", minter,
		map[string]any{"note": "escalate", "scopes": []string{"environment.users.read", "environment.users.write"}})
	wantError(t, "mint one scope it has and one it lacks", st, res, 403, "environment.users.write")
	st, res = h.do(t, "POST", "/environments/"+live+"/tokens", minter,
		map[string]any{"note": "escalate", "scopes": []string{"environment.users.read"}})
	wantError(t, "mint in the sibling environment", st, res, 403)

	st, res = h.do(t, "POST", "/environments/"+sandbox+"/tokens", minter,
		map[string]any{"note": "narrower", "scopes": []string{"environment.users.read"}})
	wantStatus(t, "mint a subset", st, 200, res)
	if s := list(t, res, "token.scopes"); len(s) != 1 || s[0] != "environment.users.read" {
		t.Errorf("scopes %s, want [environment.users.read]", dump(s))
	}

	// "No scopes" means all scopes only for an all-scopes minter.
	st, res = h.do(t, "POST", "/environments/"+sandbox+"/tokens", minter, map[string]any{"note": "inherit"})
	wantStatus(t, "mint without scopes", st, 200, res)
	got := list(t, res, "token.scopes")
	if len(got) != 2 || got[0] != "environment.apiTokens.write" || got[1] != "environment.users.read" {
		t.Errorf("token minted without scopes has %s, want the minter's two", dump(got))
	}
	child := str(t, res, "token.rawToken")
	st, res = h.do(t, "GET", "/environments/"+sandbox, child, nil)
	wantError(t, "inherited token reads settings", st, res, 403)

	st, res = h.do(t, "GET", "/environments/"+sandbox+"/tokens", h.token, nil)
	wantStatus(t, "list tokens", st, 200, res)
	if n := len(list(t, res, "tokens")); n != 4 { // init, minter, narrower, inherit
		t.Errorf("want 4 tokens, got %s", dump(res))
	}
}

// TestCrossOrganizationIsolation: a token made in organization B's
// environment sees nothing of organization A.
func TestCrossOrganizationIsolation(t *testing.T) {
	h := newHarness(t)
	a := orgFixture{orgID: h.ids.OrganizationID, projectID: h.ids.ProjectID, sandboxID: h.ids.EnvironmentID, liveID: h.ids.LiveEnvironmentID}
	st, res := h.do(t, "POST", "/environments/"+a.sandboxID+"/origins", h.token, map[string]any{"origin": "https://a.example"})
	wantStatus(t, "add origin to A", st, 201, res)
	aOrigin := str(t, res, "origin.id")
	st, res = h.do(t, "GET", "/environments/"+a.sandboxID+"/tokens", h.token, nil)
	wantStatus(t, "list A tokens", st, 200, res)
	ownerTokenID := str(t, res, "tokens.0.id")

	b := h.newOrganization(t, "Org B")
	all := []string{"environment.settings.read", "environment.settings.write", "environment.apiTokens.read",
		"environment.apiTokens.write", "environment.users.read", "environment.users.write"}
	_, bTok := h.envToken(t, h.token, b.sandboxID, all...)

	st, res = h.do(t, "GET", "/environments/"+b.sandboxID, bTok, nil)
	wantStatus(t, "B token reads B", st, 200, res)
	wantEq(t, res, "settings.general.displayName", "Org B project")

	probes := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/environments/" + a.sandboxID, nil, 403},
		{"GET", "/environments/" + a.liveID, nil, 403},
		{"GET", "/environments/" + a.sandboxID + "/keys", nil, 403},
		{"GET", "/environments/" + a.sandboxID + "/tokens", nil, 403},
		{"GET", "/environments/" + a.sandboxID + "/origins", nil, 403},
		{"GET", "/environments/" + a.sandboxID + "/statistics/visitors", nil, 403},
		{"PUT", "/environments/" + a.sandboxID, map[string]any{"chains": []any{}, "kyc": []any{}, "design": map[string]any{},
			"general": map[string]any{"displayName": "Pwned"}, "privacy": map[string]any{}, "sdk": map[string]any{}, "security": map[string]any{}}, 403},
		{"POST", "/environments/" + a.sandboxID + "/tokens", map[string]any{"note": "x", "scopes": []string{"environment.users.read"}}, 403},
		{"DELETE", "/environments/" + a.sandboxID + "/tokens/" + ownerTokenID, nil, 403},
		{"POST", "/environments/" + a.sandboxID + "/origins", map[string]any{"origin": "https://evil.example"}, 403},
		{"DELETE", "/origins/" + aOrigin, nil, 404},
		{"GET", "/organizations/" + a.orgID, nil, 403},
		{"GET", "/organizations/" + a.orgID + "/projects", nil, 403},
		{"GET", "/organizations/" + a.orgID + "/members", nil, 403},
		{"GET", "/organizations/" + a.orgID + "/invites", nil, 403},
		{"GET", "/organizations/" + a.orgID + "/mfaSettings", nil, 403},
		{"GET", "/organizations/" + a.orgID + "/billing/subscription", nil, 403},
		{"GET", "/organizations/" + a.orgID + "/ssoProvider", nil, 403},
		{"GET", "/projects/" + a.projectID, nil, 403},
		{"GET", "/projects/" + a.projectID + "/environments", nil, 403},
		{"PUT", "/members/" + h.ids.OwnerMemberID, map[string]any{"role": "viewer"}, 404},
	}
	for _, p := range probes {
		r := h.send(t, request{method: p.method, path: v0 + p.path, token: bTok, body: p.body})
		wantError(t, "B token: "+p.method+" "+p.path, r.status, r.json, p.status)
		for _, leak := range []string{"Default organization", "Default project", "settings", "https://a.example", h.ids.OwnerMemberID} {
			if strings.Contains(string(r.raw), leak) && !strings.Contains(p.path, leak) {
				t.Errorf("B token: %s %s: body leaks %q: %s", p.method, p.path, leak, r.raw)
			}
		}
	}

	st, res = h.do(t, "GET", "/organizations", bTok, nil)
	wantStatus(t, "B lists organizations", st, 200, res)
	if orgs := list(t, res, "organizations"); len(orgs) != 1 || str(t, orgs[0], "id") != b.orgID {
		t.Errorf("B token lists %s, want only %s", dump(res), b.orgID)
	}
	st, res = h.do(t, "GET", "/membershipEnvironmentIds", bTok, nil)
	wantStatus(t, "B membership environments", st, 200, res)
	if ids, _ := res.([]any); len(ids) != 1 || ids[0] != b.sandboxID {
		t.Errorf("B token reaches %s, want [%s]", dump(res), b.sandboxID)
	}

	// A is intact, and A's environment token cannot read B either.
	st, res = h.do(t, "GET", "/environments/"+a.sandboxID, h.token, nil)
	wantStatus(t, "A environment", st, 200, res)
	wantEq(t, res, "settings.general.displayName", "Default project")
	st, res = h.do(t, "GET", "/environments/"+a.sandboxID+"/origins", h.token, nil)
	wantStatus(t, "A origins", st, 200, res)
	if n := len(list(t, res, "origins")); n != 1 {
		t.Errorf("A origins changed: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/environments/"+a.sandboxID+"/tokens", h.token, nil)
	wantStatus(t, "A tokens", st, 200, res)
	find(t, list(t, res, "tokens"), "id", ownerTokenID)
	_, aTok := h.envToken(t, h.token, a.sandboxID, all...)
	st, res = h.do(t, "GET", "/environments/"+b.sandboxID, aTok, nil)
	wantError(t, "A token reads B", st, res, 403)
	st, res = h.do(t, "GET", "/organizations/"+b.orgID, aTok, nil)
	wantError(t, "A token reads organization B", st, res, 403)

	// The owner token does not reach an organization its owner is not in.
	_, stranger, _ := h.newUser(t, "stranger@example.com")
	st, res = h.do(t, "GET", "/organizations/"+stranger, h.token, nil)
	wantError(t, "owner reads a stranger's organization", st, res, 403)
}

// TestTokenDeletionStaysInItsEnvironment: DELETE …/environments/{env}/tokens/{id}
// only removes a token of {env}, whatever token asks.
func TestTokenDeletionStaysInItsEnvironment(t *testing.T) {
	h := newHarness(t)
	sandbox, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	liveID, liveTok := h.envToken(t, h.token, live, "environment.settings.read")
	_, sandboxWriter := h.envToken(t, h.token, sandbox, "environment.apiTokens.write", "environment.apiTokens.read")

	st, res := h.do(t, "DELETE", "/environments/"+sandbox+"/tokens/"+liveID, sandboxWriter, nil)
	wantError(t, "delete a live token through the sandbox path", st, res, 404)
	st, res = h.do(t, "DELETE", "/environments/"+sandbox+"/tokens/"+liveID, h.token, nil)
	wantError(t, "owner deletes a live token through the sandbox path", st, res, 404)
	st, res = h.do(t, "DELETE", "/environments/"+live+"/tokens/"+liveID, sandboxWriter, nil)
	wantError(t, "sandbox token deletes in live", st, res, 403)
	st, res = h.do(t, "GET", "/environments/"+live, liveTok, nil)
	wantStatus(t, "live token still works", st, 200, res)
}

// TestMemberRoles: an organization-wide token acts with its creator's role.
func TestMemberRoles(t *testing.T) {
	h := newHarness(t)
	org, sandbox := h.ids.OrganizationID, h.ids.EnvironmentID
	viewerID := h.addMember(t, org, "viewer", "viewer@example.com")
	devID := h.addMember(t, org, "developer", "dev@example.com")
	adminID := h.addMember(t, org, "admin", "admin@example.com")
	viewer := h.orgWideToken(t, viewerID, org)
	dev := h.orgWideToken(t, devID, org)
	admin := h.orgWideToken(t, adminID, org)

	st, res := h.do(t, "GET", "/organizations/"+org, viewer, nil)
	wantStatus(t, "viewer reads the organization", st, 200, res)
	wantEq(t, res, "role", "viewer")
	st, res = h.do(t, "GET", "/environments/"+sandbox, viewer, nil)
	wantStatus(t, "viewer reads settings", st, 200, res)
	settings := obj(t, res, "settings")
	settings["general"] = map[string]any{"displayName": "Changed"}

	type call struct {
		who, token, method, path string
		body                     any
		status                   int
	}
	for _, c := range []call{
		{"viewer", viewer, "PUT", "/environments/" + sandbox, settings, 403},
		{"viewer", viewer, "POST", "/environments/" + sandbox + "/tokens", map[string]any{"note": "x"}, 403},
		{"viewer", viewer, "POST", "/environments/" + sandbox + "/origins", map[string]any{"origin": "https://v.example"}, 403},
		{"developer", dev, "PUT", "/organizations/" + org, map[string]any{"name": "Dev org"}, 403},
		{"developer", dev, "POST", "/organizations/" + org + "/projects", map[string]any{"name": "Dev project"}, 403},
		{"developer", dev, "POST", "/organizations/" + org + "/invites", map[string]any{"email": "x@example.com", "role": "admin"}, 403},
		{"developer", dev, "DELETE", "/members/" + viewerID, nil, 403},
		{"developer", dev, "PUT", "/members/" + devID, map[string]any{"role": "admin"}, 403},
		{"admin", admin, "PUT", "/members/" + adminID, map[string]any{"role": "owner"}, 422},
		{"admin", admin, "PUT", "/members/" + h.ids.OwnerMemberID, map[string]any{"role": "viewer"}, 422},
		{"admin", admin, "DELETE", "/members/" + h.ids.OwnerMemberID, nil, 422},
		{"admin", admin, "PUT", "/members/" + h.ids.OwnerMemberID + "/delegateOwnership", map[string]any{"adminMemberIdToDelegate": adminID}, 403},
	} {
		st, res := h.do(t, c.method, c.path, c.token, c.body)
		wantError(t, c.who+": "+c.method+" "+c.path, st, res, c.status)
	}

	// What each role may do.
	st, res = h.do(t, "PUT", "/environments/"+sandbox, dev, settings)
	wantStatus(t, "developer writes settings", st, 200, res)
	wantEq(t, res, "general.displayName", "Changed")
	st, res = h.do(t, "PUT", "/members/"+devID, admin, map[string]any{"role": "viewer"})
	wantStatus(t, "admin demotes developer", st, 200, res)
	wantEq(t, res, "member.role", "viewer")
	st, res = h.do(t, "PUT", "/environments/"+sandbox, dev, settings)
	wantError(t, "demoted developer writes settings", st, res, 403)

	// Removing a member revokes the tokens they made.
	st, res = h.do(t, "DELETE", "/members/"+viewerID, admin, nil)
	wantStatus(t, "admin removes viewer", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+org, viewer, nil)
	wantError(t, "removed member's token", st, res, 401)
	st, res = h.do(t, "GET", "/organizations/"+org, h.token, nil)
	wantStatus(t, "owner unaffected", st, 200, res)
	wantEq(t, res, "name", "Default organization")
}
