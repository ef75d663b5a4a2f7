package httpapi_test

import (
	"sync"
	"testing"
)

// TestConcurrentDuplicateCreates: eight clients create the same unique
// thing at once (an origin, a custom field, a hostname, a deeplink URL,
// an exchange, a social provider, an SSO provider, a user's email, an
// allowlist entry, a wallet on a user). On both backends exactly one
// succeeds, the others get a 4xx in the contract's shape (never a 5xx
// from the unique index they raced for), and one such thing exists.
func TestConcurrentDuplicateCreates(t *testing.T) { mfBoth(t, noTune, testConcurrentDuplicateCreates) }

func testConcurrentDuplicateCreates(t *testing.T, h *harness) {
	env, org := h.ids.EnvironmentID, h.ids.OrganizationID
	st, res := h.do(t, "POST", "/environments/"+env+"/allowlists", h.token, map[string]any{"name": "racers"})
	wantStatus(t, "allowlist", st, 200, res)
	allowlist := str(t, res, "id")
	owner := h.createUser(t, env, map[string]any{"email": "owner@example.com"})
	wallet := newEVMWallet(t).address

	for _, tc := range []struct {
		what, path string
		body       map[string]any
		count      string // a list path and the member of its items, or "" to skip counting
		items      string
	}{
		{"origin", "/environments/" + env + "/origins", map[string]any{"origin": "https://race.example"},
			"/environments/" + env + "/origins", "origins"},
		{"custom field", "/environments/" + env + "/custom/fields",
			map[string]any{"name": "racefield", "enabled": true, "required": false, "fieldType": "text"}, "", ""},
		{"custom hostname", "/environments/" + env + "/custom/hostnames",
			map[string]any{"hostname": "race.acme.com", "usage": "cookies"}, "", ""},
		{"deeplink URL", "/environments/" + env + "/deeplinkUrls", map[string]any{"url": "raceapp://callback"},
			"/environments/" + env + "/deeplinkUrls", "deeplinkUrls"},
		{"exchange", "/environments/" + env + "/settings/exchanges", map[string]any{"exchange": "kraken"}, "", ""},
		{"social provider", "/environments/" + env + "/settings/providers",
			map[string]any{"provider": "github", "clientId": "cid", "clientSecret": "a-long-client-secret"}, "", ""},
		{"SSO provider", "/organizations/" + org + "/ssoProvider", ssoBody(), "", ""},
		{"user email", "/environments/" + env + "/users", map[string]any{"email": "race@example.com"}, "", ""},
		{"allowlist entry", "/allowlists/" + allowlist + "/entries", map[string]any{"email": "race@example.com"}, "", ""},
		{"wallet", "/environments/" + env + "/users/" + str(t, owner, "id") + "/wallets",
			map[string]any{"publicWalletAddress": wallet, "chain": "EVM", "walletName": "metamask",
				"walletProvider": "browserExtension"}, "", ""},
	} {
		h.race(t, "create "+tc.what, request{method: "POST", path: v0 + tc.path, token: h.token, body: tc.body},
			func(st int) bool { return st >= 400 && st < 500 })
		if tc.count != "" {
			st, res := h.do(t, "GET", tc.count, h.token, nil)
			wantStatus(t, tc.what+" list", st, 200, res)
			if got := len(list(t, res, tc.items)); got != 1 {
				t.Errorf("%s: %d stored after the race, want 1", tc.what, got)
			}
		}
	}
}

// TestConcurrentDeletes: eight clients delete the same thing at once (an
// origin, a custom field, a deeplink URL, an allowlist, an API token, a
// user with a wallet, a project). On both backends one delete
// succeeds and the others answer 404, never a 5xx.
func TestConcurrentDeletes(t *testing.T) { mfBoth(t, noTune, testConcurrentDeletes) }

func testConcurrentDeletes(t *testing.T, h *harness) {
	env, org := h.ids.EnvironmentID, h.ids.OrganizationID
	create := func(path string, body map[string]any, id string) string {
		t.Helper()
		st, res := h.do(t, "POST", path, h.token, body)
		if st != 200 && st != 201 {
			t.Fatalf("create %s: %d %s", path, st, dump(res))
		}
		return str(t, res, id)
	}
	user := h.createUser(t, env, map[string]any{"email": "gone@example.com", "wallets": []any{newWalletBody(t)}})
	for _, tc := range []struct{ what, path string }{
		{"origin", "/origins/" + create("/environments/"+env+"/origins", map[string]any{"origin": "https://gone.example"}, "origin.id")},
		{"custom field", "/custom/fields/" + create("/environments/"+env+"/custom/fields",
			map[string]any{"name": "gonefield", "enabled": true, "required": false, "fieldType": "text"}, "id")},
		{"deeplink URL", "/deeplinkUrls/" + create("/environments/"+env+"/deeplinkUrls", map[string]any{"url": "goneapp://x"}, "id")},
		{"allowlist", "/allowlists/" + create("/environments/"+env+"/allowlists", map[string]any{"name": "gone"}, "id")},
		{"token", "/environments/" + env + "/tokens/" + create("/environments/"+env+"/tokens", map[string]any{"note": "gone"}, "token.id")},
		{"user", "/environments/" + env + "/users/" + str(t, user, "id")},
		{"project", "/projects/" + create("/organizations/"+org+"/projects", map[string]any{"name": "gone"}, "project.id")},
	} {
		h.race(t, "delete "+tc.what, request{method: "DELETE", path: v0 + tc.path, token: h.token},
			func(st int) bool { return st == 404 })
	}
}

// race sends rq from eight clients at once and fails unless exactly one
// succeeds and every other answer is one that lost allows.
func (h *harness) race(t *testing.T, what string, rq request, lost func(status int) bool) {
	t.Helper()
	const n = 8
	answers := make([]*response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = h.send(t, rq) })
	}
	wg.Wait()
	won := 0
	var statuses []int
	for _, r := range answers {
		statuses = append(statuses, r.status)
		switch {
		case r.status >= 200 && r.status < 300:
			won++
		case !lost(r.status):
			t.Errorf("%s: a racing call answered %d %s", what, r.status, truncate(r.raw, 200))
		}
	}
	if won != 1 {
		t.Errorf("%s: %d of %d racing calls succeeded (%v), want exactly 1", what, won, n, statuses)
	}
}
