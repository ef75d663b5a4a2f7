package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestNotFoundBodies(t *testing.T) {
	h := newHarness(t)
	env, org := h.ids.EnvironmentID, h.ids.OrganizationID
	cases := []struct {
		method, path string
		body         any
	}{
		{"GET", "/projects/" + randomUUID, nil},
		{"PUT", "/projects/" + randomUUID, map[string]any{"name": "x"}},
		{"DELETE", "/projects/" + randomUUID, nil},
		{"GET", "/projects/" + randomUUID + "/environments", nil},
		{"GET", "/environments/" + randomUUID, nil},
		{"GET", "/environments/" + randomUUID + "/tokens", nil},
		{"DELETE", "/environments/" + env + "/tokens/" + randomUUID, nil},
		{"DELETE", "/origins/" + randomUUID, nil},
		{"PUT", "/members/" + randomUUID, map[string]any{"role": "admin"}},
		{"DELETE", "/members/" + randomUUID, nil},
		{"PUT", "/members/" + h.ids.OwnerMemberID + "/delegateOwnership", map[string]any{"adminMemberIdToDelegate": randomUUID}},
		{"PUT", "/invites/" + randomUUID, map[string]any{"status": "rejected"}},
		{"DELETE", "/invites/" + randomUUID, nil},
		{"GET", "/organizations/" + org + "/ssoProvider", nil},
		{"GET", "/sdk/" + randomUUID + "/settings", nil},
	}
	for _, tc := range cases {
		st, res := h.do(t, tc.method, tc.path, h.token, tc.body)
		wantError(t, tc.method+" "+tc.path, st, res, 404)
		if code, _ := at(res, "code"); code == nil || code == "" {
			t.Errorf("%s %s: 404 without a code: %s", tc.method, tc.path, dump(res))
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{
		"/", "/nope", "/api", "/api/v0", "/api/v0/", "/api/v0/nope",
		"/api/v1/organizations", "/api/v0/organizations/" + h.ids.OrganizationID + "/nope",
		"/api/v0/sdk/" + h.ids.EnvironmentID + "/nope",
	} {
		r := h.send(t, request{method: "GET", path: path, token: h.token})
		wantError(t, "GET "+path, r.status, r.json, 404)
		wantEq(t, r.json, "code", "route_not_found")
	}
}

func TestWrongMethod(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		method, path string
		allow        []string
	}{
		{"DELETE", v0 + "/organizations", []string{"GET", "POST"}},
		{"PATCH", v0 + "/projects/" + h.ids.ProjectID, []string{"GET", "PUT", "DELETE"}},
		{"POST", v0 + "/environments/" + h.ids.EnvironmentID, []string{"GET", "PUT"}},
		{"GET", v0 + "/members/" + h.ids.OwnerMemberID, []string{"PUT", "DELETE"}},
		{"POST", v0 + "/sdk/" + h.ids.EnvironmentID + "/settings", []string{"GET"}},
		{"POST", "/healthz", []string{"GET"}},
	}
	for _, tc := range cases {
		r := h.send(t, request{method: tc.method, path: tc.path, token: h.token})
		wantError(t, tc.method+" "+tc.path, r.status, r.json, http.StatusMethodNotAllowed)
		allow := r.header.Get("Allow")
		for _, m := range tc.allow {
			if !strings.Contains(allow, m) {
				t.Errorf("%s %s: Allow %q lacks %s", tc.method, tc.path, allow, m)
			}
		}
		if strings.Contains(allow, tc.method) {
			t.Errorf("%s %s: Allow %q lists the refused method", tc.method, tc.path, allow)
		}
	}
	// The refused DELETE did nothing.
	st, res := h.do(t, "GET", "/organizations", h.token, nil)
	wantStatus(t, "list organizations", st, 200, res)
	if n := len(list(t, res, "organizations")); n != 1 {
		t.Errorf("organizations: %s", dump(res))
	}
}

// TestContractCheckCatchesDrift proves the harness's contract check fails
// on the drift it exists to catch.
func TestContractCheckCatchesDrift(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	cases := []struct {
		name, method, path string
		status             int
		body               string
		ok                 bool
	}{
		{"valid", "GET", v0 + "/organizations", 200, `{"organizations":[{"id":"x","name":"n","role":"owner"}]}`, true},
		{"renamed field loses a required one", "GET", v0 + "/organizations/x", 200, `{"id":"x","organizationName":"n"}`, false},
		{"unknown enum value", "GET", v0 + "/organizations", 200, `{"organizations":[{"id":"x","name":"n","role":"god"}]}`, false},
		{"wrong type", "GET", v0 + "/organizations", 200, `{"organizations":{"id":"x"}}`, false},
		{"bad date-time", "GET", v0 + "/environments/x/origins", 200, `{"origins":[{"id":"x","origin":"o","createdAt":"yesterday"}]}`, false},
		{"undocumented status", "GET", v0 + "/organizations", 418, `{"error":"teapot"}`, false},
		{"404 without code", "GET", v0 + "/projects/x", 404, `{"error":"not found"}`, false},
		{"404 with code", "GET", v0 + "/projects/x", 404, `{"error":"not found","code":"project_not_found"}`, true},
		{"error that is not a string", "GET", v0 + "/projects/x", 400, `{"error":{"message":"bad"}}`, false},
		{"outside the contract", "GET", "/healthz", 200, `{"status":"ok"}`, true},
	}
	for _, tc := range cases {
		_, err := checkContract(t, tc.method, tc.path, &response{status: tc.status, header: jsonHeader, raw: []byte(tc.body)})
		if (err == nil) != tc.ok {
			t.Errorf("%s: check passed=%v, want %v (err %v)", tc.name, err == nil, tc.ok, err)
		}
	}
}
