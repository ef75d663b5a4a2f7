package httpapi_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/tenant"
)

var rawTokenRE = regexp.MustCompile(`^dyn_[A-Za-z0-9]{56}$`)
var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func wantUUID(t *testing.T, v any, path string) string {
	t.Helper()
	s := str(t, v, path)
	if !uuidRE.MatchString(s) {
		t.Errorf("%s = %q, want a UUID", path, s)
	}
	return s
}

// find returns the element of list l whose field key equals value.
func find(t *testing.T, l []any, key, value string) map[string]any {
	t.Helper()
	for _, e := range l {
		if m, ok := e.(map[string]any); ok && m[key] == value {
			return m
		}
	}
	t.Fatalf("no element with %s=%q in %s", key, value, dump(l))
	return nil
}

// adminGroups are the contract tags whose routes TestAdminRoutes must
// drive to a success answer, each at least once.
var adminGroups = []string{"Organizations", "Projects", "Environments", "Tokens", "Members", "Invites", "Origins", "MfaSettings"}

// TestAdminRoutes drives the success path of every admin route of the
// groups above, plus the SDK settings and health routes, checking values.
// It ends by checking that every such route registered in httpapi was
// answered with a 2xx (so a new route in those groups needs a test here).
func TestAdminRoutes(t *testing.T) {
	covered := map[string]bool{}
	group := func(name string, f func(t *testing.T, h *harness)) {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			defer func() {
				h.mu.Lock()
				for k := range h.covered {
					covered[k] = true
				}
				h.mu.Unlock()
			}()
			f(t, h)
		})
	}
	group("Organizations", testOrganizations)
	group("Projects", testProjects)
	group("Environments", testEnvironments)
	group("Tokens", testTokens)
	group("Origins", testOrigins)
	group("Members", testMembers)
	group("Invites", testInvites)
	group("MfaSettings", testMfaSettings)
	group("SDK and health", testSDKAndHealth)

	t.Run("every route covered", func(t *testing.T) {
		doc, _ := loadContract(t)
		files, err := filepath.Glob("*.go")
		if err != nil {
			t.Fatal(err)
		}
		var src []byte
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src = append(src, b...)
		}
		re := regexp.MustCompile(`HandleFunc\("([A-Z]+) "\+v0\+"([^"]+)"`)
		routes := re.FindAllStringSubmatch(string(src), -1)
		if len(routes) < 40 {
			t.Fatalf("found only %d routes in httpapi; has the registration style changed?", len(routes))
		}
		for _, m := range routes {
			method, path := m[1], m[2]
			item := doc.Paths.Value(path)
			if item == nil || item.GetOperation(method) == nil {
				continue // e.g. sdk-api-core additions the 0.0.847 document lacks
			}
			op := item.GetOperation(method)
			inGroups := strings.HasPrefix(path, "/sdk/") && (strings.HasSuffix(path, "/settings") || strings.HasSuffix(path, "/healthcheck"))
			for _, tag := range op.Tags {
				inGroups = inGroups || slices.Contains(adminGroups, tag)
			}
			if inGroups && !covered[method+" "+path] {
				t.Errorf("%s %s (%s) has no success-path test", method, path, op.OperationID)
			}
		}
	})
}

func testOrganizations(t *testing.T, h *harness) {
	st, res := h.do(t, "GET", "/organizations", h.token, nil)
	wantStatus(t, "list organizations", st, 200, res)
	orgs := list(t, res, "organizations")
	if len(orgs) != 1 {
		t.Fatalf("want 1 organization, got %s", dump(res))
	}
	wantEq(t, orgs[0], "id", h.ids.OrganizationID)
	wantEq(t, orgs[0], "name", "Default organization")
	wantEq(t, orgs[0], "role", "owner")

	st, res = h.do(t, "POST", "/organizations", h.token, map[string]any{
		"name": "Acme Inc", "description": "Widgets", "websiteUrl": "https://acme.example", "implementationTimeline": "nextTwoWeeks"})
	wantStatus(t, "create organization", st, 200, res)
	acme := wantUUID(t, res, "organization.id")
	wantEq(t, res, "organization.name", "Acme Inc")
	wantEq(t, res, "organization.description", "Widgets")
	wantEq(t, res, "organization.websiteUrl", "https://acme.example")

	st, res = h.do(t, "GET", "/organizations", h.token, nil)
	wantStatus(t, "list organizations", st, 200, res)
	orgs = list(t, res, "organizations")
	if len(orgs) != 2 {
		t.Fatalf("want 2 organizations, got %s", dump(res))
	}
	wantEq(t, find(t, orgs, "id", acme), "role", "owner")
	wantEq(t, find(t, orgs, "id", acme), "name", "Acme Inc")

	st, res = h.do(t, "GET", "/organizations/"+acme, h.token, nil)
	wantStatus(t, "get organization", st, 200, res)
	wantEq(t, res, "id", acme)
	wantEq(t, res, "name", "Acme Inc")
	wantEq(t, res, "description", "Widgets")
	wantEq(t, res, "websiteUrl", "https://acme.example")
	wantEq(t, res, "role", "owner")
	if has(res, "address") {
		t.Errorf("new organization has an address: %s", dump(res))
	}

	st, res = h.do(t, "PUT", "/organizations/"+acme, h.token, map[string]any{"name": "Acme Corp", "description": "Gadgets"})
	wantStatus(t, "update organization", st, 200, res)
	wantEq(t, res, "organization.id", acme)
	wantEq(t, res, "organization.name", "Acme Corp")
	wantEq(t, res, "organization.description", "Gadgets")
	wantEq(t, res, "organization.websiteUrl", "https://acme.example") // omitted: unchanged

	st, res = h.do(t, "PUT", "/organizations/"+acme+"/address", h.token, map[string]any{
		"addressLine1": "1 Main St", "city": "Springfield", "region": "IL", "postalCode": "62701", "country": "US"})
	wantStatus(t, "update address", st, 200, res)
	wantEq(t, res, "organization.name", "Acme Corp")
	wantEq(t, res, "organization.address.addressLine1", "1 Main St")
	wantEq(t, res, "organization.address.city", "Springfield")
	wantEq(t, res, "organization.address.region", "IL")
	wantEq(t, res, "organization.address.postalCode", "62701")
	wantEq(t, res, "organization.address.country", "US")

	st, res = h.do(t, "GET", "/organizations/"+acme, h.token, nil)
	wantStatus(t, "get organization", st, 200, res)
	wantEq(t, res, "name", "Acme Corp")
	wantEq(t, res, "address.city", "Springfield")

	// Billing: a self-hosted organization is on the enterprise plan.
	st, res = h.do(t, "GET", "/organizations/"+acme+"/billing/subscription", h.token, nil)
	wantStatus(t, "get subscription", st, 200, res)
	wantEq(t, res, "planType", "enterprise")
	wantEq(t, res, "hasPaymentMethod", false)
	wantEq(t, res, "inTrial", false)
	wantEq(t, res, "version", "self-hosted")
	wantEq(t, res, "scope.0", "self-hosted")
	if n := len(list(t, res, "coupons")); n != 0 {
		t.Errorf("new organization has %d coupons", n)
	}
	start := parseTime(t, res, "currentBillingPeriod.startDate")
	end := parseTime(t, res, "currentBillingPeriod.endDate")
	if now := time.Now(); start.Day() != 1 || start.Hour() != 0 || !end.Equal(start.AddDate(0, 1, 0)) ||
		now.Before(start.Add(-24*time.Hour)) || now.After(end.Add(24*time.Hour)) {
		t.Errorf("billing period %s .. %s is not a calendar month", start, end)
	}

	st, res = h.do(t, "PUT", "/organizations/"+acme+"/billing/subscription/coupon", h.token, map[string]any{"coupon": "LAUNCH50"})
	wantStatus(t, "apply coupon", st, 200, res)
	wantEq(t, res, "coupons.0.coupon", "LAUNCH50")
	wantEq(t, res, "planType", "enterprise")

	st, res = h.do(t, "PUT", "/organizations/"+acme+"/billing/upgrade", h.token, nil)
	wantStatus(t, "upgrade", st, 200, res)
	wantEq(t, res, "planType", "enterprise")
	wantEq(t, res, "coupons.0.coupon", "LAUNCH50")

	// SSO provider lifecycle.
	st, res = h.do(t, "GET", "/organizations/"+acme+"/ssoProvider", h.token, nil)
	wantError(t, "sso provider before creation", st, res, 404)
	r := h.send(t, request{method: "POST", path: v0 + "/organizations/" + acme + "/ssoProvider", token: h.token,
		body: map[string]any{"clientId": "0oa1client", "clientSecret": "s3cret-value-1234",
			"ssoDomain": "acme.okta.com", "emailDomain": "acme.example", "provider": "okta"}})
	wantStatus(t, "create sso provider", r.status, 200, r.json)
	res = r.json
	ssoID := wantUUID(t, res, "id")
	wantEq(t, res, "organizationId", acme)
	wantEq(t, res, "clientId", "0oa1client")
	wantEq(t, res, "maskedClientSecret", strings.Repeat("*", 13)+"1234")
	wantEq(t, res, "ssoDomain", "acme.okta.com")
	wantEq(t, res, "emailDomain", "acme.example")
	wantEq(t, res, "provider", "okta")
	wantEq(t, res, "redirectUrl", "https://acme.okta.com/oauth2/v1/authorize")
	wantEq(t, res, "enforceOnlySSO", false)
	wantTime(t, res, "createdAt")
	if strings.Contains(string(r.raw), "s3cret") {
		t.Errorf("SSO client secret leaked: %s", r.raw)
	}

	st, res = h.do(t, "GET", "/organizations/"+acme+"/ssoProvider", h.token, nil)
	wantStatus(t, "get sso provider", st, 200, res)
	wantEq(t, res, "id", ssoID)
	wantEq(t, res, "clientId", "0oa1client")

	st, res = h.do(t, "PUT", "/organizations/"+acme+"/ssoProvider/"+ssoID, h.token,
		map[string]any{"ssoDomain": "login.acme.example", "enforceOnlySSO": true})
	wantStatus(t, "update sso provider", st, 200, res)
	wantEq(t, res, "id", ssoID)
	wantEq(t, res, "ssoDomain", "login.acme.example")
	wantEq(t, res, "redirectUrl", "https://login.acme.example/oauth2/v1/authorize")
	wantEq(t, res, "enforceOnlySSO", true)
	wantEq(t, res, "clientId", "0oa1client") // omitted: unchanged
	wantEq(t, res, "maskedClientSecret", strings.Repeat("*", 13)+"1234")

	st, res = h.do(t, "DELETE", "/organizations/"+acme+"/ssoProvider/"+ssoID, h.token, nil)
	wantStatus(t, "delete sso provider", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+acme+"/ssoProvider", h.token, nil)
	wantError(t, "sso provider after deletion", st, res, 404)
}

func projectEnvs(t *testing.T, project any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range list(t, project, "projectEnvironments") {
		out[str(t, e, "environmentName")] = wantUUID(t, e, "id")
	}
	if len(out) != 2 || out["sandbox"] == "" || out["live"] == "" || out["sandbox"] == out["live"] {
		t.Fatalf("want a sandbox and a live environment, got %s", dump(project))
	}
	return out
}

func testProjects(t *testing.T, h *harness) {
	org := h.ids.OrganizationID
	st, res := h.do(t, "GET", "/organizations/"+org+"/projects", h.token, nil)
	wantStatus(t, "list projects", st, 200, res)
	projects := list(t, res, "projects")
	if len(projects) != 1 {
		t.Fatalf("want 1 project, got %s", dump(res))
	}
	wantEq(t, projects[0], "id", h.ids.ProjectID)
	wantEq(t, projects[0], "name", "Default project")
	wantEq(t, projects[0], "organizationId", org)
	envs := projectEnvs(t, projects[0])
	if envs["sandbox"] != h.ids.EnvironmentID || envs["live"] != h.ids.LiveEnvironmentID {
		t.Errorf("default project environments %v, want sandbox %s live %s", envs, h.ids.EnvironmentID, h.ids.LiveEnvironmentID)
	}

	st, res = h.do(t, "POST", "/organizations/"+org+"/projects", h.token, map[string]any{"name": "Second project"})
	wantStatus(t, "create project", st, 200, res)
	pid := wantUUID(t, res, "project.id")
	wantEq(t, res, "project.name", "Second project")
	wantEq(t, res, "project.organizationId", org)
	newEnvs := projectEnvs(t, obj(t, res, "project"))

	st, res = h.do(t, "GET", "/organizations/"+org+"/projects", h.token, nil)
	wantStatus(t, "list projects", st, 200, res)
	if n := len(list(t, res, "projects")); n != 2 {
		t.Fatalf("want 2 projects, got %s", dump(res))
	}
	wantEq(t, find(t, list(t, res, "projects"), "id", pid), "name", "Second project")

	st, res = h.do(t, "GET", "/projects/"+pid, h.token, nil)
	wantStatus(t, "get project", st, 200, res)
	wantEq(t, res, "id", pid)
	wantEq(t, res, "name", "Second project")
	wantEq(t, res, "organizationId", org)
	if got := projectEnvs(t, res); got["sandbox"] != newEnvs["sandbox"] || got["live"] != newEnvs["live"] {
		t.Errorf("environments %v, want %v", got, newEnvs)
	}

	st, res = h.do(t, "PUT", "/projects/"+pid, h.token, map[string]any{"name": "Renamed project"})
	wantStatus(t, "update project", st, 200, res)
	wantEq(t, res, "id", pid)
	wantEq(t, res, "name", "Renamed project")
	st, res = h.do(t, "GET", "/projects/"+pid, h.token, nil)
	wantStatus(t, "get project", st, 200, res)
	wantEq(t, res, "name", "Renamed project")

	st, res = h.do(t, "DELETE", "/projects/"+pid, h.token, nil)
	wantStatus(t, "delete project", st, 204, res)
	st, res = h.do(t, "GET", "/projects/"+pid, h.token, nil)
	wantError(t, "deleted project", st, res, 404)
	st, res = h.do(t, "GET", "/environments/"+newEnvs["sandbox"], h.token, nil)
	wantError(t, "environment of a deleted project", st, res, 404)
	st, res = h.do(t, "GET", "/organizations/"+org+"/projects", h.token, nil)
	wantStatus(t, "list projects", st, 200, res)
	if n := len(list(t, res, "projects")); n != 1 {
		t.Errorf("want 1 project after delete, got %s", dump(res))
	}
}

func testEnvironments(t *testing.T, h *harness) {
	sandbox, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	st, res := h.do(t, "GET", "/projects/"+h.ids.ProjectID+"/environments", h.token, nil)
	wantStatus(t, "project environments", st, 200, res)
	wantEq(t, res, "environments.sandbox.id", sandbox)
	wantEq(t, res, "environments.live.id", live)
	wantEq(t, res, "environments.sandbox.settings.environmentName", "sandbox")
	wantEq(t, res, "environments.live.settings.environmentName", "live")
	wantEq(t, res, "environments.live.settings.general.displayName", "Default project")

	st, res = h.do(t, "GET", "/environments/"+sandbox, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	wantEq(t, res, "id", sandbox)
	wantEq(t, res, "settings.environmentName", "sandbox")
	wantEq(t, res, "settings.general.displayName", "Default project")
	wantEq(t, res, "settings.security.jwtDuration.amount", 2)
	wantEq(t, res, "settings.security.jwtDuration.unit", "hours")
	wantEq(t, res, "settings.chains.0.name", "EVM")
	created := wantTime(t, res, "createdAt")
	settings := obj(t, res, "settings")

	// Replace the settings: the answer is the stored document.
	settings["security"].(map[string]any)["jwtDuration"] = map[string]any{"amount": 4, "unit": "days"}
	settings["general"].(map[string]any)["displayName"] = "Shop"
	delete(settings, "environmentName") // the server fills it in
	st, res = h.do(t, "PUT", "/environments/"+sandbox, h.token, settings)
	wantStatus(t, "update settings", st, 200, res)
	wantEq(t, res, "environmentName", "sandbox")
	wantEq(t, res, "security.jwtDuration.amount", 4)
	wantEq(t, res, "security.jwtDuration.unit", "days")
	wantEq(t, res, "general.displayName", "Shop")

	st, res = h.do(t, "GET", "/environments/"+sandbox, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	wantEq(t, res, "settings.security.jwtDuration.unit", "days")
	wantEq(t, res, "settings.general.displayName", "Shop")
	if updated := wantTime(t, res, "updatedAt"); updated.Before(created) {
		t.Errorf("updatedAt %s before createdAt %s", updated, created)
	}
	st, res = h.do(t, "GET", "/environments/"+live, h.token, nil)
	wantStatus(t, "get live environment", st, 200, res)
	wantEq(t, res, "settings.security.jwtDuration.unit", "hours") // the sibling is untouched

	st, res = h.do(t, "GET", "/environments/"+sandbox+"/keys", h.token, nil)
	wantStatus(t, "get keys", st, 200, res)
	keyID := str(t, res, "key.id")
	if keyID == "" {
		t.Error("key.id is empty")
	}
	pem, err := base64.StdEncoding.DecodeString(str(t, res, "key.publicKey"))
	if err != nil || !strings.Contains(string(pem), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("key.publicKey is not a base64 PEM public key: %q (%v)", pem, err)
	}
	st, res = h.do(t, "GET", "/environments/"+sandbox+"/keys", h.token, nil)
	wantStatus(t, "get keys again", st, 200, res)
	wantEq(t, res, "key.id", keyID)

	st, res = h.do(t, "GET", "/environments/"+sandbox+"/statistics/visitors", h.token, nil)
	wantStatus(t, "visitors", st, 200, res)
	for _, p := range []string{"users.count", "users.uniquePastMonth", "visitors.count", "visitors.uniquePastMonth"} {
		wantEq(t, res, p, 0)
	}
}

func testTokens(t *testing.T, h *harness) {
	sandbox, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	st, res := h.do(t, "GET", "/environments/"+sandbox+"/tokens", h.token, nil)
	wantStatus(t, "list tokens", st, 200, res)
	toks := list(t, res, "tokens")
	if len(toks) != 1 {
		t.Fatalf("want the init token only, got %s", dump(res))
	}
	wantEq(t, toks[0], "checksum", h.token[len(h.token)-6:])
	wantEq(t, toks[0], "note", "created by dynamicauth init")
	wantEq(t, toks[0], "projectEnvironmentId", sandbox)
	wantEq(t, toks[0], "projectEnvironment.id", sandbox)
	wantEq(t, toks[0], "createdBy.alias", "owner")
	wantUUID(t, toks[0], "createdBy.id")
	if has(toks[0], "rawToken") {
		t.Errorf("listed token carries rawToken: %s", dump(toks[0]))
	}

	r := h.send(t, request{method: "POST", path: v0 + "/environments/" + sandbox + "/tokens", token: h.token,
		body: map[string]any{"note": "ci deploy", "scopes": []string{"environment.settings.read", "environment.users.read"}}})
	wantStatus(t, "create token", r.status, 200, r.json)
	res = r.json
	id := wantUUID(t, res, "token.id")
	raw := str(t, res, "token.rawToken")
	if !rawTokenRE.MatchString(raw) {
		t.Fatalf("rawToken %q is not dyn_ and 56 alphanumerics", raw)
	}
	wantEq(t, res, "token.checksum", raw[len(raw)-6:])
	wantEq(t, res, "token.note", "ci deploy")
	wantEq(t, res, "token.active", true)
	wantEq(t, res, "token.projectEnvironmentId", sandbox)
	wantEq(t, res, "token.projectEnvironment.id", sandbox)
	wantEq(t, res, "token.createdBy.alias", "owner")
	wantEq(t, res, "token.scopes.0", "environment.settings.read")
	wantEq(t, res, "token.scopes.1", "environment.users.read")
	wantTime(t, res, "token.createdAt")

	st, body := h.do(t, "GET", "/environments/"+sandbox, raw, nil)
	wantStatus(t, "new token reads its environment", st, 200, body)
	wantEq(t, body, "id", sandbox)

	r = h.send(t, request{method: "GET", path: v0 + "/environments/" + sandbox + "/tokens", token: h.token})
	wantStatus(t, "list tokens", r.status, 200, r.json)
	toks = list(t, r.json, "tokens")
	if len(toks) != 2 {
		t.Fatalf("want 2 tokens, got %s", r.raw)
	}
	listed := find(t, toks, "id", id)
	wantEq(t, listed, "note", "ci deploy")
	wantEq(t, listed, "checksum", raw[len(raw)-6:])
	wantEq(t, listed, "scopes.1", "environment.users.read")
	if strings.Contains(string(r.raw), raw) || strings.Contains(string(r.raw), "rawToken") {
		t.Errorf("token list leaks a raw token: %s", r.raw)
	}

	// A token without scopes, in the live environment.
	st, res = h.do(t, "POST", "/environments/"+live+"/tokens", h.token, map[string]any{"note": "live all scopes"})
	wantStatus(t, "create live token", st, 200, res)
	wantEq(t, res, "token.projectEnvironmentId", live)
	if n := len(list(t, res, "token.scopes")); n != 0 {
		t.Errorf("token created without scopes has %d", n)
	}
	st, res = h.do(t, "GET", "/environments/"+live+"/tokens", h.token, nil)
	wantStatus(t, "list live tokens", st, 200, res)
	if toks := list(t, res, "tokens"); len(toks) != 1 || str(t, toks[0], "note") != "live all scopes" {
		t.Errorf("live environment tokens: %s", dump(res))
	}

	st, res = h.do(t, "DELETE", "/environments/"+sandbox+"/tokens/"+id, h.token, nil)
	wantStatus(t, "delete token", st, 204, res)
	st, res = h.do(t, "GET", "/environments/"+sandbox+"/tokens", h.token, nil)
	wantStatus(t, "list tokens", st, 200, res)
	if toks := list(t, res, "tokens"); len(toks) != 1 {
		t.Errorf("want 1 token after delete, got %s", dump(res))
	}
	st, res = h.do(t, "GET", "/environments/"+sandbox, raw, nil)
	wantError(t, "deleted token", st, res, 401)
	st, res = h.do(t, "DELETE", "/environments/"+sandbox+"/tokens/"+id, h.token, nil)
	wantError(t, "delete twice", st, res, 404)
}

func testOrigins(t *testing.T, h *harness) {
	sandbox := h.ids.EnvironmentID
	st, res := h.do(t, "GET", "/environments/"+sandbox+"/origins", h.token, nil)
	wantStatus(t, "list origins", st, 200, res)
	if n := len(list(t, res, "origins")); n != 0 {
		t.Fatalf("new environment has %d origins", n)
	}

	st, res = h.do(t, "POST", "/environments/"+sandbox+"/origins", h.token, map[string]any{"origin": "https://App.Example.com/"})
	wantStatus(t, "add origin", st, 201, res)
	appID := wantUUID(t, res, "origin.id")
	wantEq(t, res, "origin.origin", "https://app.example.com") // normalized
	wantEq(t, res, "origin.projectEnvironmentId", sandbox)
	wantTime(t, res, "origin.createdAt")

	st, res = h.do(t, "POST", "/environments/"+sandbox+"/origins", h.token, map[string]any{"origin": "http://localhost:3000"})
	wantStatus(t, "add second origin", st, 201, res)
	wantEq(t, res, "origin.origin", "http://localhost:3000")

	st, res = h.do(t, "GET", "/environments/"+sandbox+"/origins", h.token, nil)
	wantStatus(t, "list origins", st, 200, res)
	origins := list(t, res, "origins")
	if len(origins) != 2 {
		t.Fatalf("want 2 origins, got %s", dump(res))
	}
	wantEq(t, find(t, origins, "id", appID), "origin", "https://app.example.com")
	find(t, origins, "origin", "http://localhost:3000")

	st, res = h.do(t, "DELETE", "/origins/"+appID, h.token, nil)
	wantStatus(t, "delete origin", st, 204, res)
	st, res = h.do(t, "GET", "/environments/"+sandbox+"/origins", h.token, nil)
	wantStatus(t, "list origins", st, 200, res)
	if origins := list(t, res, "origins"); len(origins) != 1 || str(t, origins[0], "origin") != "http://localhost:3000" {
		t.Errorf("after delete: %s", dump(res))
	}
	st, res = h.do(t, "DELETE", "/origins/"+appID, h.token, nil)
	wantError(t, "delete twice", st, res, 404)
}

// TestDuplicateOrigin: adding an origin twice is refused with 422 and a body
// the contract accepts.
func TestDuplicateOrigin(t *testing.T) {
	h := newHarness(t)
	path := "/environments/" + h.ids.EnvironmentID + "/origins"
	st, res := h.do(t, "POST", path, h.token, map[string]any{"origin": "https://app.example.com"})
	wantStatus(t, "add origin", st, 201, res)
	st, res = h.do(t, "POST", path, h.token, map[string]any{"origin": "https://APP.example.com/"})
	wantError(t, "duplicate origin", st, res, 422)
	st, res = h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "list origins", st, 200, res)
	if n := len(list(t, res, "origins")); n != 1 {
		t.Errorf("want 1 origin, got %s", dump(res))
	}
}

func testMembers(t *testing.T, h *harness) {
	org := h.ids.OrganizationID
	st, res := h.do(t, "GET", "/organizations/"+org+"/members", h.token, nil)
	wantStatus(t, "list members", st, 200, res)
	wantEq(t, res, "count", 1)
	wantEq(t, res, "members.0.id", h.ids.OwnerMemberID)
	wantEq(t, res, "members.0.role", "owner")
	wantEq(t, res, "members.0.user.alias", "owner")
	wantUUID(t, res, "members.0.user.id")

	dev := h.addMember(t, org, tenant.RoleDeveloper, "dev@example.com")
	viewer := h.addMember(t, org, tenant.RoleViewer, "viewer@example.com")
	st, res = h.do(t, "GET", "/organizations/"+org+"/members", h.token, nil)
	wantStatus(t, "list members", st, 200, res)
	wantEq(t, res, "count", 3)
	members := list(t, res, "members")
	wantEq(t, find(t, members, "id", dev), "role", "developer")
	wantEq(t, find(t, members, "id", dev), "user.email", "dev@example.com")
	wantEq(t, find(t, members, "id", viewer), "role", "viewer")

	st, res = h.do(t, "PUT", "/members/"+dev, h.token, map[string]any{"role": "admin"})
	wantStatus(t, "update member role", st, 200, res)
	wantEq(t, res, "member.id", dev)
	wantEq(t, res, "member.role", "admin")
	wantEq(t, res, "member.user.email", "dev@example.com")

	st, res = h.do(t, "DELETE", "/members/"+viewer, h.token, nil)
	wantStatus(t, "delete member", st, 204, res)

	st, res = h.do(t, "PUT", "/members/"+h.ids.OwnerMemberID+"/delegateOwnership", h.token,
		map[string]any{"adminMemberIdToDelegate": dev})
	wantStatus(t, "delegate ownership", st, 204, res)

	st, res = h.do(t, "GET", "/organizations/"+org+"/members", h.token, nil)
	wantStatus(t, "list members", st, 200, res)
	wantEq(t, res, "count", 2)
	members = list(t, res, "members")
	wantEq(t, find(t, members, "id", dev), "role", "owner")
	wantEq(t, find(t, members, "id", h.ids.OwnerMemberID), "role", "admin")
	for _, m := range members {
		if str(t, m, "id") == viewer {
			t.Errorf("deleted member still listed: %s", dump(m))
		}
	}

	st, res = h.do(t, "GET", "/membershipEnvironmentIds", h.token, nil)
	wantStatus(t, "membership environment ids", st, 200, res)
	ids, _ := res.([]any)
	if len(ids) != 2 || ids[0] != h.ids.EnvironmentID || ids[1] != h.ids.LiveEnvironmentID {
		t.Errorf("membership environment ids %s, want [%s %s]", dump(res), h.ids.EnvironmentID, h.ids.LiveEnvironmentID)
	}
	_, envTok := h.envToken(t, h.token, h.ids.LiveEnvironmentID, "environment.users.read")
	st, res = h.do(t, "GET", "/membershipEnvironmentIds", envTok, nil)
	wantStatus(t, "membership environment ids of an environment token", st, 200, res)
	if ids, _ := res.([]any); len(ids) != 1 || ids[0] != h.ids.LiveEnvironmentID {
		t.Errorf("environment token reaches %s, want [%s]", dump(res), h.ids.LiveEnvironmentID)
	}
}

func testInvites(t *testing.T, h *harness) {
	org := h.ids.OrganizationID
	st, res := h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "list invites", st, 200, res)
	wantEq(t, res, "count", 0)

	r := h.send(t, request{method: "POST", path: v0 + "/organizations/" + org + "/invites", token: h.token,
		body: map[string]any{"email": "New.Person@Example.com", "alias": "newbie", "role": "developer"}})
	wantStatus(t, "invite by email", r.status, 204, r.json)
	if len(r.raw) != 0 {
		t.Errorf("204 with a body: %s", r.raw)
	}
	st, res = h.do(t, "POST", "/organizations/"+org+"/invites", h.token,
		map[string]any{"walletPublicKey": "0x1111111111111111111111111111111111111111", "role": "viewer"})
	wantStatus(t, "invite by wallet", st, 204, res)

	st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "list invites", st, 200, res)
	wantEq(t, res, "count", 2)
	invites := list(t, res, "invites")
	byEmail := find(t, invites, "email", "new.person@example.com")
	emailID := str(t, byEmail, "id")
	wantEq(t, byEmail, "role", "developer")
	wantEq(t, byEmail, "status", "pending")
	wantEq(t, byEmail, "alias", "newbie")
	wantEq(t, byEmail, "organizationId", org)
	wantEq(t, byEmail, "organizationName", "Default organization")
	byWallet := find(t, invites, "walletPublicKey", "0x1111111111111111111111111111111111111111")
	walletID := str(t, byWallet, "id")
	wantEq(t, byWallet, "role", "viewer")

	// An admin revokes an invite, then reopens it.
	st, res = h.do(t, "PUT", "/invites/"+emailID, h.token, map[string]any{"status": "rejected"})
	wantStatus(t, "reject invite", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "list invites", st, 200, res)
	wantEq(t, find(t, list(t, res, "invites"), "id", emailID), "status", "rejected")
	st, res = h.do(t, "PUT", "/invites/"+emailID, h.token, map[string]any{"status": "pending"})
	wantStatus(t, "reopen invite", st, 204, res)
	// Only the invitee may accept.
	st, res = h.do(t, "PUT", "/invites/"+emailID, h.token, map[string]any{"status": "accepted"})
	wantError(t, "admin accepts someone else's invite", st, res, 403)

	st, res = h.do(t, "DELETE", "/invites/"+walletID, h.token, nil)
	wantStatus(t, "delete invite", st, 204, res)
	st, res = h.do(t, "GET", "/organizations/"+org+"/invites", h.token, nil)
	wantStatus(t, "list invites", st, 200, res)
	wantEq(t, res, "count", 1)
	wantEq(t, res, "invites.0.id", emailID)
	wantEq(t, res, "invites.0.status", "pending")

	// The invitee sees the invite addressed to them and accepts it.
	inviteeMember, _, _ := h.newUser(t, "new.person@example.com")
	invitee := h.orgWideToken(t, inviteeMember, "")
	st, res = h.do(t, "GET", "/organizations/"+org, invitee, nil)
	wantError(t, "invitee reads the organization before accepting", st, res, 403)
	st, res = h.do(t, "GET", "/invites", invitee, nil)
	wantStatus(t, "invitee lists invites", st, 200, res)
	wantEq(t, res, "count", 1)
	wantEq(t, res, "invites.0.id", emailID)
	wantEq(t, res, "invites.0.organizationName", "Default organization")
	wantEq(t, res, "invites.0.status", "pending")
	st, res = h.do(t, "GET", "/invites?status=accepted", invitee, nil)
	wantStatus(t, "invitee lists accepted invites", st, 200, res)
	wantEq(t, res, "count", 0)

	st, res = h.do(t, "PUT", "/invites/"+emailID, invitee, map[string]any{"status": "accepted"})
	wantStatus(t, "invitee accepts", st, 204, res)
	st, res = h.do(t, "GET", "/invites?status=accepted", invitee, nil)
	wantStatus(t, "invitee lists accepted invites", st, 200, res)
	wantEq(t, res, "count", 1)
	wantEq(t, res, "invites.0.status", "accepted")
	st, res = h.do(t, "GET", "/organizations/"+org, invitee, nil)
	wantStatus(t, "new member reads the organization", st, 200, res)
	wantEq(t, res, "role", "developer")
	st, res = h.do(t, "GET", "/organizations/"+org+"/members", h.token, nil)
	wantStatus(t, "list members", st, 200, res)
	wantEq(t, res, "count", 2)
	joined := find(t, list(t, res, "members"), "role", "developer")
	wantEq(t, joined, "user.email", "new.person@example.com")
	st, res = h.do(t, "PUT", "/invites/"+emailID, invitee, map[string]any{"status": "accepted"})
	wantError(t, "accept twice", st, res, 422)
}

func testMfaSettings(t *testing.T, h *harness) {
	org := h.ids.OrganizationID
	st, res := h.do(t, "GET", "/organizations/"+org+"/mfaSettings", h.token, nil)
	wantStatus(t, "list mfa settings", st, 200, res)
	settings := list(t, res, "mfaSettings")
	if len(settings) != 3 {
		t.Fatalf("want 3 device types, got %s", dump(res))
	}
	for i, typ := range []string{"totp", "passkey", "email"} {
		wantEq(t, settings[i], "mfaDeviceType", typ)
		if v, ok := at(settings[i], "enabledAt"); !ok || v != nil {
			t.Errorf("%s: enabledAt = %v (present %v), want null", typ, v, ok)
		}
	}

	st, res = h.do(t, "PUT", "/organizations/"+org+"/mfaSettings/totp/enable", h.token, nil)
	wantStatus(t, "enable totp", st, 200, res)
	wantEq(t, res, "mfaDeviceType", "totp")
	enabledAt := wantTime(t, res, "enabledAt")

	st, res = h.do(t, "GET", "/organizations/"+org+"/mfaSettings", h.token, nil)
	wantStatus(t, "list mfa settings", st, 200, res)
	if got := wantTime(t, res, "mfaSettings.0.enabledAt"); !got.Equal(enabledAt) {
		t.Errorf("listed enabledAt %s, want %s", got, enabledAt)
	}
	if v, _ := at(res, "mfaSettings.1.enabledAt"); v != nil {
		t.Errorf("passkey enabled too: %s", dump(res))
	}

	st, res = h.do(t, "PUT", "/organizations/"+org+"/mfaSettings/totp/disable", h.token, nil)
	wantStatus(t, "disable totp", st, 200, res)
	wantEq(t, res, "mfaDeviceType", "totp")
	if v, ok := at(res, "enabledAt"); !ok || v != nil {
		t.Errorf("disabled: enabledAt = %v (present %v), want null", v, ok)
	}
	st, res = h.do(t, "GET", "/organizations/"+org+"/mfaSettings", h.token, nil)
	wantStatus(t, "list mfa settings", st, 200, res)
	if v, _ := at(res, "mfaSettings.0.enabledAt"); v != nil {
		t.Errorf("totp still enabled: %s", dump(res))
	}

	st, res = h.do(t, "PUT", "/organizations/"+org+"/mfaSettings/sms/enable", h.token, nil)
	wantError(t, "unknown device type", st, res, 400, "mfaDeviceType")
}

func testSDKAndHealth(t *testing.T, h *harness) {
	sandbox := h.ids.EnvironmentID
	st, res := h.do(t, "GET", "/sdk/"+sandbox+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "environmentName", "sandbox")
	wantEq(t, res, "general.displayName", "Default project")
	wantEq(t, res, "security.jwtDuration.amount", 2)
	wantEq(t, res, "chains.1.name", "SOL")
	for _, k := range []string{"chains", "kyc", "design", "general", "privacy", "sdk", "security"} {
		if !has(res, k) {
			t.Errorf("sdk settings lack %q", k)
		}
	}
	st, res = h.do(t, "GET", "/sdk/"+h.ids.LiveEnvironmentID+"/settings?sdkVersion=4.0.0", "", nil)
	wantStatus(t, "sdk settings (live)", st, 200, res)
	wantEq(t, res, "environmentName", "live")

	// A settings change is what the SDK sees next.
	settings := obj(t, res, "")
	settings["general"] = map[string]any{"displayName": "Live shop"}
	st, res = h.do(t, "PUT", "/environments/"+h.ids.LiveEnvironmentID, h.token, settings)
	wantStatus(t, "update settings", st, 200, res)
	st, res = h.do(t, "GET", "/sdk/"+h.ids.LiveEnvironmentID+"/settings", "", nil)
	wantStatus(t, "sdk settings (live)", st, 200, res)
	wantEq(t, res, "general.displayName", "Live shop")

	st, res = h.do(t, "GET", "/sdk/"+sandbox+"/healthcheck", "", nil)
	wantStatus(t, "healthcheck", st, 200, res)
	wantEq(t, res, "status", "healthy")
	st, res = h.do(t, "GET", "/sdk/"+randomUUID+"/settings", "", nil)
	wantError(t, "settings of an unknown environment", st, res, 404)
	st, res = h.do(t, "GET", "/sdk/"+randomUUID+"/healthcheck", "", nil)
	wantError(t, "healthcheck of an unknown environment", st, res, 404)

	r := h.send(t, request{method: "GET", path: "/healthz"})
	wantStatus(t, "healthz", r.status, 200, r.json)
	wantEq(t, r.json, "status", "ok")
	wantEq(t, r.json, "version", "dev")
	r = h.send(t, request{method: "GET", path: "/readyz"})
	wantStatus(t, "readyz", r.status, 200, r.json)
	wantEq(t, r.json, "status", "ok")
}

// TestSDKSettingsHideSecrets: GET /sdk/{env}/settings is public (no
// credentials), so secrets an operator stores in the settings through the
// admin API (an OAuth provider's clientSecret, the hCaptcha secretKey) must
// not appear in it. Public parts (clientId, siteKey) still do.
func TestSDKSettingsHideSecrets(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	settings := validSettings(t, h)
	settings["providers"] = []any{map[string]any{"provider": "google", "clientId": "google-client-id",
		"clientSecret": "oauth-client-secret-value"}}
	settings["security"].(map[string]any)["hCaptcha"] = map[string]any{"enabled": true,
		"siteKey": "hcaptcha-site-key", "secretKey": "hcaptcha-secret-value"}
	st, res := h.do(t, "PUT", "/environments/"+env, h.token, settings)
	wantStatus(t, "store provider and captcha settings", st, 200, res)

	r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/settings"})
	wantStatus(t, "sdk settings", r.status, 200, r.json)
	wantEq(t, r.json, "providers.0.clientId", "google-client-id")
	wantEq(t, r.json, "security.hCaptcha.siteKey", "hcaptcha-site-key")
	for _, secret := range []string{"oauth-client-secret-value", "hcaptcha-secret-value"} {
		if strings.Contains(string(r.raw), secret) {
			t.Errorf("unauthenticated GET /sdk/{env}/settings discloses %q", secret)
		}
	}
}
