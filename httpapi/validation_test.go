package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
)

func TestInvalidPathIDs(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	cases := []struct {
		method, path, param string
		body                any
	}{
		{"GET", "/organizations/not-a-uuid", "organizationId", nil},
		{"PUT", "/organizations/1", "organizationId", map[string]any{"name": "x"}},
		{"GET", "/organizations/" + strings.ToUpper(h.ids.OrganizationID) + "x/projects", "organizationId", nil},
		{"GET", "/organizations/xyz/members", "organizationId", nil},
		{"GET", "/organizations/xyz/mfaSettings", "organizationId", nil},
		{"PUT", "/organizations/" + h.ids.OrganizationID + "/ssoProvider/abc", "ssoProviderId", map[string]any{"enforceOnlySSO": true}},
		{"GET", "/projects/123", "projectId", nil},
		{"GET", "/projects/123/environments", "projectId", nil},
		{"DELETE", "/projects/" + h.ids.ProjectID[:35], "projectId", nil},
		{"GET", "/environments/xyz", "environmentId", nil},
		{"GET", "/environments/%27%3B%20drop%20table%20environments/keys", "environmentId", nil},
		{"DELETE", "/environments/" + env + "/tokens/xyz", "tokenId", nil},
		{"DELETE", "/origins/1", "originId", nil},
		{"PUT", "/members/abc", "memberId", map[string]any{"role": "admin"}},
		{"PUT", "/members/" + h.ids.OwnerMemberID + "/delegateOwnership", "adminMemberIdToDelegate", map[string]any{"adminMemberIdToDelegate": "nobody"}},
		{"DELETE", "/invites/abc", "inviteId", nil},
		{"GET", "/sdk/abc/settings", "environmentId", nil},
		{"GET", "/sdk/abc/healthcheck", "environmentId", nil},
	}
	for _, tc := range cases {
		st, res := h.do(t, tc.method, tc.path, h.token, tc.body)
		wantError(t, tc.method+" "+tc.path, st, res, 400, tc.param)
	}
	// The owner is still the owner.
	st, res := h.do(t, "GET", "/organizations/"+h.ids.OrganizationID+"/members", h.token, nil)
	wantStatus(t, "list members", st, 200, res)
	wantEq(t, res, "members.0.role", "owner")
}

// validSettings returns the sandbox settings as the API shows them.
func validSettings(t *testing.T, h *harness) map[string]any {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+h.ids.EnvironmentID, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	return obj(t, res, "settings")
}

func TestInvalidBodies(t *testing.T) {
	h := newHarness(t)
	org, proj, env := h.ids.OrganizationID, h.ids.ProjectID, h.ids.EnvironmentID
	long := strings.Repeat("n", 300)
	edit := func(f func(m map[string]any)) map[string]any {
		m := validSettings(t, h)
		f(m)
		return m
	}
	cases := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"malformed JSON", "POST", "/organizations", `{"name": "Acme"`, "JSON"},
		{"trailing garbage", "POST", "/organizations", `{"name": "Acme"} {}`, "body"},
		{"array body", "POST", "/organizations", `[{"name": "Acme"}]`, "body"},
		{"string body", "POST", "/organizations", `"Acme"`, "body"},
		{"null body", "POST", "/organizations", `null`, "body"},
		{"empty body", "POST", "/organizations", ``, "body"},
		{"missing name", "POST", "/organizations", map[string]any{"description": "x"}, "name"},
		{"name is a number", "POST", "/organizations", map[string]any{"name": 5}, "name"},
		{"name is null", "POST", "/organizations", map[string]any{"name": nil}, "name"},
		{"blank name", "POST", "/organizations", map[string]any{"name": "   "}, "name"},
		{"name of 300 characters", "POST", "/organizations", map[string]any{"name": long}, "name"},
		{"description of 3000 characters", "POST", "/organizations", map[string]any{"name": "x", "description": strings.Repeat("d", 3000)}, "description"},
		{"unknown implementationTimeline", "POST", "/organizations", map[string]any{"name": "x", "implementationTimeline": "someday"}, "implementationTimeline"},
		{"javascript websiteUrl", "POST", "/organizations", map[string]any{"name": "x", "websiteUrl": "javascript:alert(1)"}, "websiteUrl"},
		{"update: name of 300 characters", "PUT", "/organizations/" + org, map[string]any{"name": long}, "name"},
		{"update: description is a number", "PUT", "/organizations/" + org, map[string]any{"name": "x", "description": 7}, "description"},
		{"address line of 300 characters", "PUT", "/organizations/" + org + "/address", map[string]any{"addressLine1": long}, "addressLine1"},
		{"address city is an object", "PUT", "/organizations/" + org + "/address", map[string]any{"city": map[string]any{}}, "city"},
		{"coupon is missing", "PUT", "/organizations/" + org + "/billing/subscription/coupon", map[string]any{}, "coupon"},
		{"project name of 300 characters", "POST", "/organizations/" + org + "/projects", map[string]any{"name": long}, "name"},
		{"project rename: name of 300 characters", "PUT", "/projects/" + proj, map[string]any{"name": long}, "name"},
		{"project rename: name is a boolean", "PUT", "/projects/" + proj, map[string]any{"name": true}, "name"},
		{"environmentName prod", "PUT", "/environments/" + env, edit(func(m map[string]any) { m["environmentName"] = "prod" }), "environmentName"},
		{"environmentName of the sibling", "PUT", "/environments/" + env, edit(func(m map[string]any) { m["environmentName"] = "live" }), "environmentName"},
		{"jwtDuration unit weeks", "PUT", "/environments/" + env, edit(func(m map[string]any) {
			m["security"] = map[string]any{"jwtDuration": map[string]any{"amount": 1, "unit": "weeks"}}
		}), "security.jwtDuration.unit"},
		{"jwtDuration amount is a string", "PUT", "/environments/" + env, edit(func(m map[string]any) {
			m["security"] = map[string]any{"jwtDuration": map[string]any{"amount": "1", "unit": "days"}}
		}), "security.jwtDuration.amount"},
		{"chains is a string", "PUT", "/environments/" + env, edit(func(m map[string]any) { m["chains"] = "evm" }), "chains"},
		{"kyc is missing", "PUT", "/environments/" + env, edit(func(m map[string]any) { delete(m, "kyc") }), "kyc"},
		{"token note is missing", "POST", "/environments/" + env + "/tokens", map[string]any{"scopes": []string{}}, "note"},
		{"token note of 300 characters", "POST", "/environments/" + env + "/tokens", map[string]any{"note": long}, "note"},
		{"unknown token scope", "POST", "/environments/" + env + "/tokens", map[string]any{"note": "x", "scopes": []string{"environment.everything"}}, "scopes"},
		{"scopes is a string", "POST", "/environments/" + env + "/tokens", map[string]any{"note": "x", "scopes": "environment.users.read"}, "scopes"},
		{"origin is not a URL", "POST", "/environments/" + env + "/origins", map[string]any{"origin": "not a url"}, "origin"},
		{"origin has a path", "POST", "/environments/" + env + "/origins", map[string]any{"origin": "https://a.example/app"}, "origin"},
		{"origin wildcard", "POST", "/environments/" + env + "/origins", map[string]any{"origin": "https://*.example.com"}, "origin"},
		{"invite role god", "POST", "/organizations/" + org + "/invites", map[string]any{"email": "a@example.com", "role": "god"}, "role"},
		{"invite role owner", "POST", "/organizations/" + org + "/invites", map[string]any{"email": "a@example.com", "role": "owner"}, "role"},
		{"invite without role", "POST", "/organizations/" + org + "/invites", map[string]any{"email": "a@example.com"}, "role"},
		{"invite bad email", "POST", "/organizations/" + org + "/invites", map[string]any{"email": "not-an-email", "role": "admin"}, "email"},
		{"invite with no address", "POST", "/organizations/" + org + "/invites", map[string]any{"alias": "x", "role": "admin"}, "email"},
		{"invite alias of 300 characters", "POST", "/organizations/" + org + "/invites", map[string]any{"email": "a@example.com", "alias": long, "role": "admin"}, "alias"},
		{"member role god", "PUT", "/members/" + h.ids.OwnerMemberID, map[string]any{"role": "god"}, "role"},
		{"sso provider unknown", "POST", "/organizations/" + org + "/ssoProvider", map[string]any{"clientId": "c", "clientSecret": "s",
			"ssoDomain": "d.example", "emailDomain": "e.example", "provider": "auth0"}, "provider"},
		{"sso provider missing clientSecret", "POST", "/organizations/" + org + "/ssoProvider", map[string]any{"clientId": "c",
			"ssoDomain": "d.example", "emailDomain": "e.example", "provider": "okta"}, "clientSecret"},
	}
	for _, tc := range cases {
		st, res := h.do(t, tc.method, tc.path, h.token, tc.body)
		wantError(t, tc.name, st, res, 400, tc.field)
	}

	t.Run("nothing changed", func(t *testing.T) {
		st, res := h.do(t, "GET", "/organizations", h.token, nil)
		wantStatus(t, "list organizations", st, 200, res)
		if orgs := list(t, res, "organizations"); len(orgs) != 1 {
			t.Errorf("a rejected POST created an organization: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/organizations/"+org, h.token, nil)
		wantStatus(t, "get organization", st, 200, res)
		wantEq(t, res, "name", "Default organization")
		if has(res, "description") || has(res, "address") {
			t.Errorf("rejected updates changed the organization: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/organizations/"+org+"/billing/subscription", h.token, nil)
		wantStatus(t, "subscription", st, 200, res)
		if n := len(list(t, res, "coupons")); n != 0 {
			t.Errorf("coupons: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/organizations/"+org+"/projects", h.token, nil)
		wantStatus(t, "list projects", st, 200, res)
		if p := list(t, res, "projects"); len(p) != 1 || str(t, p[0], "name") != "Default project" {
			t.Errorf("projects changed: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/environments/"+env, h.token, nil)
		wantStatus(t, "get environment", st, 200, res)
		wantEq(t, res, "settings.environmentName", "sandbox")
		wantEq(t, res, "settings.security.jwtDuration.unit", "hours")
		wantEq(t, res, "settings.security.jwtDuration.amount", 2)
		wantEq(t, res, "settings.chains.0.name", "EVM")
		if n := len(list(t, res, "settings.kyc")); n != 0 {
			t.Errorf("kyc: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/environments/"+env+"/tokens", h.token, nil)
		wantStatus(t, "list tokens", st, 200, res)
		if n := len(list(t, res, "tokens")); n != 1 {
			t.Errorf("a rejected POST created a token: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/environments/"+env+"/origins", h.token, nil)
		wantStatus(t, "list origins", st, 200, res)
		if n := len(list(t, res, "origins")); n != 0 {
			t.Errorf("a rejected POST added an origin: %s", dump(res))
		}
		st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
		wantStatus(t, "list invites", st, 200, res)
		wantEq(t, res, "count", 0)
		st, res = h.do(t, "GET", "/organizations/"+org+"/members", h.token, nil)
		wantStatus(t, "list members", st, 200, res)
		wantEq(t, res, "members.0.role", "owner")
		st, res = h.do(t, "GET", "/organizations/"+org+"/ssoProvider", h.token, nil)
		wantError(t, "sso provider", st, res, 404)
	})
}

func TestInvalidInviteUpdates(t *testing.T) {
	h := newHarness(t)
	org := h.ids.OrganizationID
	st, res := h.do(t, "POST", "/organizations/"+org+"/invites", h.token, map[string]any{"email": "a@example.com", "role": "viewer"})
	wantStatus(t, "invite", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "list invites", st, 200, res)
	id := str(t, res, "invites.0.id")

	st, res = h.do(t, "PUT", "/invites/"+id, h.token, map[string]any{"status": "maybe"})
	wantError(t, "unknown invite status", st, res, 400, "status")
	st, res = h.do(t, "PUT", "/invites/"+id, h.token, map[string]any{})
	wantError(t, "missing invite status", st, res, 400, "status")
	st, res = h.do(t, "GET", "/invites?status=maybe", h.token, nil)
	wantError(t, "unknown status filter", st, res, 400, "status")
	st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "list invites", st, 200, res)
	wantEq(t, res, "invites.0.status", "pending")
}

func TestBodyLimitsAndContentType(t *testing.T) {
	h := newHarness(t)
	org := h.ids.OrganizationID

	// Just over the 1 MiB default: a valid JSON document, too large.
	big := `{"name": "Big", "description": "` + strings.Repeat("a", 1<<20) + `"}`
	r := h.send(t, request{method: "POST", path: v0 + "/organizations", token: h.token, body: big})
	wantError(t, "body over the limit", r.status, r.json, 400, "larger than")

	// A JSON body under another type, or under none, is refused with 415
	// on every mutating method and changes nothing.
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/xml", "application/jsonx", "json", ";;", ""} {
		for _, rq := range []request{
			{method: "POST", path: v0 + "/organizations", body: `{"name": "Typed"}`},
			{method: "PUT", path: v0 + "/organizations/" + org, body: `{"name": "Hijacked"}`},
			{method: "POST", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/verify", body: `{"signedMessage": "x"}`},
		} {
			rq.token, rq.header = h.token, map[string]string{"Content-Type": ct}
			r := h.send(t, rq)
			wantError(t, rq.method+" "+rq.path+" with Content-Type "+strconv.Quote(ct), r.status, r.json, 415, "Content-Type")
			if got := str(t, r.json, "code"); got != "unsupported_media_type" {
				t.Errorf("415 code %q, want unsupported_media_type", got)
			}
		}
	}
	r = h.send(t, request{method: "PUT", path: v0 + "/organizations/" + org, token: h.token,
		body: `name=Hijacked`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	wantError(t, "form-encoded update", r.status, r.json, 415, "Content-Type")
	// No type and no body: the missing body is the problem.
	r = h.send(t, request{method: "POST", path: v0 + "/organizations", token: h.token, body: " ", header: map[string]string{"Content-Type": ""}})
	wantError(t, "empty untyped body", r.status, r.json, 400, "JSON object is required")

	// application/json with parameters is fine.
	r = h.send(t, request{method: "POST", path: v0 + "/organizations", token: h.token,
		body: `{"name": "Charset"}`, header: map[string]string{"Content-Type": "application/json; charset=utf-8"}})
	wantStatus(t, "json with charset", r.status, 200, r.json)

	st, res := h.do(t, "GET", "/organizations", h.token, nil)
	wantStatus(t, "list organizations", st, 200, res)
	orgs := list(t, res, "organizations")
	if name := str(t, find(t, orgs, "id", org), "name"); name != "Default organization" {
		t.Errorf("a refused update renamed the organization to %q", name)
	}
	if len(orgs) != 2 {
		t.Errorf("want the default and Charset organizations, got %s", dump(res))
	}
	for _, o := range orgs {
		if n := str(t, o, "name"); n != "Default organization" && n != "Charset" {
			t.Errorf("rejected request created %q", n)
		}
	}
}
