package httpapi_test

import (
	"testing"
)

// TestListFiltersRefuseControlCharacters: a NUL in a filter value made
// SQLite's LIKE match every user. Control characters in any filter value
// are refused with 400 before a query runs, on both backends.
func TestListFiltersRefuseControlCharacters(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			env := h.ids.EnvironmentID
			h.createUser(t, env, map[string]any{"email": "ann@example.com"})
			h.createUser(t, env, map[string]any{"email": "bob@example.com"})
			for _, v := range []string{"\x00", "ann\x00", "\x00%", "a\x1fb", "a\x7fb", "a\u0085b", "a\nb"} {
				for _, q := range []string{
					filter("filterValue", v),
					filter("filterColumn", "email", "filterValue", v),
				} {
					st, res := h.do(t, "GET", "/environments/"+env+"/users?"+q, h.token, nil)
					wantError(t, "users ?"+q, st, res, 400, "control character")
				}
				for _, q := range []string{filter("filterSocialProvider", v), filter("chain", v)} {
					st, res := h.do(t, "GET", "/environments/"+env+"/users?"+q, h.token, nil)
					wantError(t, "users ?"+q, st, res, 400)
				}
				q := filter("filterValue", v)
				st, res := h.do(t, "GET", "/environments/"+env+"/visitors?"+q, h.token, nil)
				wantError(t, "visitors ?"+q, st, res, 400, "control character")
			}
			// The value itself is still searched.
			wantIDs(t, h, "plain value", filter("filterValue", "ann@example.com"), h.userID(t, "ann@example.com"))
		})
	}
}

// userID finds a user by exact email through the list.
func (h *harness) userID(t *testing.T, email string) string {
	t.Helper()
	_, ids := h.listUsers(t, h.token, h.ids.EnvironmentID, filter("filterColumn", "email", "filterValue", email))
	if len(ids) != 1 {
		t.Fatalf("want one user %s, got %v", email, ids)
	}
	return ids[0]
}
