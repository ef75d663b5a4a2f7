package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/dynamicauth/dynamicauth"
)

// TestCapsAnswerTheContract creates each capped thing over HTTP until the
// server refuses: the refusal comes exactly past the cap, is a 422 whose
// body the contract's UnprocessableEntity allows (the harness checks
// every answer against the contract; a code of our own broke it), and
// carries the contract's code where one fits.
func TestCapsAnswerTheContract(t *testing.T) {
	h := startedHarness(t, "sqlite", func(*dynamicauth.Config) {})
	env, org := h.ids.EnvironmentID, h.ids.OrganizationID
	rcv := newHookReceiver(t)
	for _, tc := range []struct {
		what, path string
		cap        int
		body       func(i int) map[string]any
		code       string // "" where the contract has none for it
	}{
		{"gate", "/environments/" + env + "/gates", 50, func(i int) map[string]any { return gateBody(fmt.Sprintf("g%d", i)) }, "invalid_gate"},
		{"allowlist", "/environments/" + env + "/allowlists", 100, func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("l%d", i)}
		}, ""},
		{"origin", "/environments/" + env + "/origins", 100, func(i int) map[string]any {
			return map[string]any{"origin": fmt.Sprintf("https://o%d.example", i)}
		}, "invalid_cors_origins"},
		{"webhook", "/environments/" + env + "/webhooks", 20, func(i int) map[string]any {
			return map[string]any{"url": fmt.Sprintf("%s/hook%d", rcv.srv.URL, i), "isEnabled": false, "events": []string{"user.created"}}
		}, ""},
		{"custom field", "/environments/" + env + "/custom/fields", 50, func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("f%d", i), "enabled": true, "required": false, "fieldType": "text"}
		}, ""},
		{"project", "/organizations/" + org + "/projects", 100, func(i int) map[string]any {
			return map[string]any{"name": fmt.Sprintf("P%d", i)}
		}, "too_many_projects_for_organization"},
	} {
		var st int
		var res any
		made := 0
		for ; made <= tc.cap; made++ {
			if st, res = h.do(t, "POST", tc.path, h.token, tc.body(made)); st >= 300 {
				break
			}
		}
		// the organization's first project was made by the bootstrap
		if tc.what == "project" {
			made++
		}
		if made != tc.cap || st != 422 {
			t.Errorf("%s: refused after %d with %d %v, want 422 after %d", tc.what, made, st, res, tc.cap)
			continue
		}
		body, _ := res.(map[string]any)
		if code, _ := body["code"].(string); code != tc.code {
			t.Errorf("%s: code %q, want %q (%v)", tc.what, code, tc.code, body)
		}
		if msg, _ := body["error"].(string); msg == "" {
			t.Errorf("%s: no error text: %v", tc.what, body)
		}
	}
}
