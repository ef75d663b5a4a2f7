package httpapi_test

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (w *authzWorld) freshAllowlist(t *testing.T) string {
	t.Helper()
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/allowlists", w.h.token, map[string]any{"name": "l" + newUUID(t)[:8]})
	wantStatus(t, "fresh allowlist", st, 200, res)
	return str(t, res, "id")
}

// dropAllowlistsNamed deletes the world's allowlists named name: the
// rows that create lists give them back, an environment holding at most
// access.MaxAllowlists.
func (w *authzWorld) dropAllowlistsNamed(t *testing.T, name string) {
	st, res := w.h.do(t, "GET", "/environments/"+w.env+"/allowlists", w.h.token, nil)
	wantStatus(t, "allowlists", st, 200, res)
	lists, _ := res.([]any)
	for _, l := range lists {
		if m, _ := l.(map[string]any); m["name"] == name {
			w.h.do(t, "DELETE", "/allowlists/"+m["id"].(string), w.h.token, nil)
		}
	}
}

func (w *authzWorld) freshAllowlistEntry(t *testing.T) string {
	t.Helper()
	list := w.freshAllowlist(t)
	t.Cleanup(func() { w.h.do(t, "DELETE", "/allowlists/"+list, w.h.token, nil) })
	st, res := w.h.do(t, "POST", "/allowlists/"+list+"/entries", w.h.token, map[string]any{"email": newUUID(t)[:8] + "@example.com"})
	wantStatus(t, "fresh allowlist entry", st, 200, res)
	return str(t, res, "id")
}

func (w *authzWorld) freshGate(t *testing.T) string {
	t.Helper()
	st, res := w.h.do(t, "POST", "/environments/"+w.env+"/gates", w.h.token, gateBody("g"+newUUID(t)[:8]))
	wantStatus(t, "fresh gate", st, 200, res)
	return str(t, res, "id")
}

func gateBody(name string) map[string]any {
	return map[string]any{"name": name, "outcome": "scope", "scope": "holder", "rules": []any{map[string]any{
		"type": "nft", "address": map[string]any{"networkId": 1, "contractAddress": "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"}}}}
}

// accessAuthzRows are the Allowlists and Gates routes: environment
// settings, read or write.
func accessAuthzRows() []authzRow {
	E := "{env}"
	r, wr := tenant.ScopeSettingsRead, tenant.ScopeSettingsWrite
	type prep = func(t *testing.T, w *authzWorld) (string, any)
	// an enabled list or gate would turn the world's later sign-ins away:
	// each is deleted when its row is done
	list := func(suffix string, body any) prep {
		return func(t *testing.T, w *authzWorld) (string, any) {
			id := w.freshAllowlist(t)
			t.Cleanup(func() { w.h.do(t, "DELETE", "/allowlists/"+id, w.h.token, nil) })
			return "/allowlists/" + id + suffix, body
		}
	}
	gate := func(suffix string, body any) prep {
		return func(t *testing.T, w *authzWorld) (string, any) {
			id := w.freshGate(t)
			t.Cleanup(func() { w.h.do(t, "DELETE", "/environments/"+w.env+"/gates/"+id, w.h.token, nil) })
			return "/environments/" + w.env + "/gates/" + id + suffix, body
		}
	}
	return []authzRow{
		{method: "GET", pattern: "/environments/{environmentId}/integrations/chainalysis", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/integrations/chainalysis", nil)},
		{method: "PUT", pattern: "/environments/{environmentId}/integrations/chainalysis/sanctions/enable", reach: envScope, scope: wr, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			// screening on without a --sanctions-list screens nobody; turned off again after the row
			t.Cleanup(func() {
				w.h.do(t, "PUT", "/environments/"+w.env+"/integrations/chainalysis/sanctions/disable", w.h.token, nil)
			})
			return "/environments/" + w.env + "/integrations/chainalysis/sanctions/enable", nil
		}},
		{method: "PUT", pattern: "/environments/{environmentId}/integrations/chainalysis/sanctions/disable", reach: envScope, scope: wr, ok: 200, prep: fixed("/environments/"+E+"/integrations/chainalysis/sanctions/disable", nil)},
		{method: "GET", pattern: "/environments/{environmentId}/allowlists", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/allowlists", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/allowlists", reach: envScope, scope: wr, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			name := "l" + newUUID(t)[:8]
			t.Cleanup(func() { w.dropAllowlistsNamed(t, name) })
			return "/environments/" + w.env + "/allowlists", map[string]any{"name": name}
		}},
		{method: "GET", pattern: "/allowlists/{allowlistId}", reach: envScope, scope: r, ok: 200, other: 404, prep: list("", nil)},
		{method: "PUT", pattern: "/allowlists/{allowlistId}", reach: envScope, scope: wr, ok: 200, other: 404, prep: list("", map[string]any{"scope": "vip"})},
		{method: "DELETE", pattern: "/allowlists/{allowlistId}", reach: envScope, scope: wr, ok: 204, other: 404, prep: list("", nil)},
		{method: "PUT", pattern: "/allowlists/{allowlistId}/enable", reach: envScope, scope: wr, ok: 200, other: 404, prep: list("/enable", nil)},
		{method: "PUT", pattern: "/allowlists/{allowlistId}/disable", reach: envScope, scope: wr, ok: 200, other: 404, prep: list("/disable", nil)},
		{method: "GET", pattern: "/allowlists/{allowlistId}/entries", reach: envScope, scope: r, ok: 200, other: 404, prep: list("/entries", nil)},
		{method: "POST", pattern: "/allowlists/{allowlistId}/entries", reach: envScope, scope: wr, ok: 200, other: 404, prep: list("/entries", map[string]any{"emailDomain": "example.org"})},
		{method: "DELETE", pattern: "/allowlistEntries/{allowlistEntryId}", reach: envScope, scope: wr, ok: 204, other: 404, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/allowlistEntries/" + w.freshAllowlistEntry(t), nil
		}},
		{method: "GET", pattern: "/environments/{environmentId}/gates", reach: envScope, scope: r, ok: 200, prep: fixed("/environments/"+E+"/gates", nil)},
		{method: "POST", pattern: "/environments/{environmentId}/gates", reach: envScope, scope: wr, ok: 200, prep: func(t *testing.T, w *authzWorld) (string, any) {
			return "/environments/" + w.env + "/gates", gateBody("g" + newUUID(t)[:8])
		}},
		{method: "GET", pattern: "/environments/{environmentId}/gates/{gateId}", reach: envScope, scope: r, ok: 200, prep: gate("", nil)},
		{method: "PUT", pattern: "/environments/{environmentId}/gates/{gateId}", reach: envScope, scope: wr, ok: 200, prep: gate("", map[string]any{"scope": "ape"})},
		{method: "DELETE", pattern: "/environments/{environmentId}/gates/{gateId}", reach: envScope, scope: wr, ok: 204, prep: gate("", nil)},
		{method: "PUT", pattern: "/environments/{environmentId}/gates/{gateId}/enable", reach: envScope, scope: wr, ok: 200, prep: gate("/enable", nil)},
		{method: "PUT", pattern: "/environments/{environmentId}/gates/{gateId}/disable", reach: envScope, scope: wr, ok: 200, prep: gate("/disable", nil)},
	}
}
