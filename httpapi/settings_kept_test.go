package httpapi_test

import "testing"

// unknownToClient are the members of ProjectSettings this server reads
// that Dynamic's official client (@dynamic-labs/sdk-api 0.0.847) has no
// model for, so it drops them when it sends the settings back: "*" stands
// for every element of an array.
var unknownToClient = [][]string{
	{"security", "passkeys"},
	{"security", "mfa", "enrollment"},
	{"security", "mfa", "actions", "*", "tokenBehavior"},
	{"security", "mfa", "actions", "*", "tokenExpirySeconds"},
	{"security", "externalAuth", "assumeEmailVerified"},
	{"security", "externalAuth", "algorithms"},
}

// asOfficialClient removes from settings what the official client would
// drop, as its ProjectSettingsToJSON does.
func asOfficialClient(settings map[string]any) {
	for _, p := range unknownToClient {
		dropPath(settings, p)
	}
}

func dropPath(node any, path []string) {
	m, ok := node.(map[string]any)
	if !ok {
		return
	}
	if len(path) == 1 {
		delete(m, path[0])
		return
	}
	if path[1] == "*" {
		arr, _ := m[path[0]].([]any)
		for _, el := range arr {
			dropPath(el, path[2:])
		}
		return
	}
	dropPath(m[path[0]], path[1:])
}

// TestSettingsUnknownToTheClientKept: a PUT /environments/{id} of the
// settings as the official client sends them back (without the members it
// does not know) keeps the stored MFA enrollment, the MFA actions' token
// rules and externalAuth's assumeEmailVerified and algorithms; an explicit
// null clears them; and a changed legacy `required` flag wins over a
// stored enrollment that contradicts it.
func TestSettingsUnknownToTheClientKept(t *testing.T) { mfBoth(t, noTune, testSettingsKept) }

func testSettingsKept(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	st, res := h.putSecurity(t, env, "mfa", map[string]any{"enabled": true, "required": true, "enrollment": "action",
		"actions": []any{map[string]any{"action": "user.update", "required": true, "tokenBehavior": "single_use", "tokenExpirySeconds": 60}}})
	wantStatus(t, "put mfa", st, 200, res)
	h.enableExternalAuth(t, env, map[string]any{"enabled": true, "iss": "https://app.example", "jwksUrl": "https://app.example/jwks",
		"assumeEmailVerified": true, "algorithms": []any{"ES256"}})

	clientPut := func(what string, edit func(settings map[string]any)) {
		t.Helper()
		st, res := h.do(t, "GET", "/environments/"+env, h.token, nil)
		wantStatus(t, "get environment", st, 200, res)
		settings := obj(t, res, "settings")
		asOfficialClient(settings)
		edit(settings)
		st, res = h.do(t, "PUT", "/environments/"+env, h.token, settings)
		wantStatus(t, what, st, 200, res)
	}
	stored := func() any {
		t.Helper()
		st, res := h.do(t, "GET", "/environments/"+env, h.token, nil)
		wantStatus(t, "get environment", st, 200, res)
		return res
	}

	clientPut("update by the client", func(s map[string]any) { obj(t, s, "general")["displayName"] = "Renamed" })
	res = stored()
	wantEq(t, res, "settings.general.displayName", "Renamed")
	wantEq(t, res, "settings.security.mfa.enrollment", "action")
	wantEq(t, res, "settings.security.mfa.actions.0.tokenBehavior", "single_use")
	wantEq(t, res, "settings.security.mfa.actions.0.tokenExpirySeconds", float64(60))
	wantEq(t, res, "settings.security.externalAuth.assumeEmailVerified", true)
	wantEq(t, res, "settings.security.externalAuth.algorithms.0", "ES256")
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.mfa.enrollment", "action")

	// Values this server could not apply are refused and change nothing.
	for _, bad := range []map[string]any{{"enrollment": "always"},
		{"actions": []any{map[string]any{"action": "user.update", "required": true, "tokenBehavior": "forever"}}},
		{"actions": []any{map[string]any{"action": "user.update", "required": true, "tokenExpirySeconds": 0}}},
		{"actions": []any{map[string]any{"action": "user.update", "required": true, "tokenExpirySeconds": 1.5}}}} {
		bad["enabled"] = true
		st, res := h.putSecurity(t, env, "mfa", bad)
		wantError(t, "bad mfa settings", st, res, 400, "security.mfa")
	}
	wantEq(t, stored(), "settings.security.mfa.actions.0.tokenBehavior", "single_use")

	// The client turns the legacy flag off: enrollment "action" no longer
	// holds, so it is not carried over (the legacy flag decides: none).
	clientPut("required off by the client", func(s map[string]any) { obj(t, s, "security.mfa")["required"] = false })
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.mfa.enrollment", "none")
	wantEq(t, res, "security.mfa.required", false)

	// Explicit nulls clear the members.
	clientPut("nulls", func(s map[string]any) {
		obj(t, s, "security.mfa.actions.0")["tokenBehavior"] = nil
		obj(t, s, "security.mfa.actions.0")["tokenExpirySeconds"] = nil
		obj(t, s, "security.externalAuth")["assumeEmailVerified"] = nil
		obj(t, s, "security.externalAuth")["algorithms"] = nil
	})
	res = stored()
	for _, p := range []string{"settings.security.mfa.actions.0.tokenBehavior", "settings.security.mfa.actions.0.tokenExpirySeconds",
		"settings.security.externalAuth.assumeEmailVerified", "settings.security.externalAuth.algorithms"} {
		if v, ok := at(res, p); ok {
			t.Errorf("%s after an explicit null = %v, want it gone", p, v)
		}
	}
	wantEq(t, res, "settings.security.mfa.actions.0.action", "user.update")
}
