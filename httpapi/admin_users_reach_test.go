package httpapi_test

// The admin users routes refused: across tenants and environments, for a
// scope the token lacks, and for input that is not valid.

import (
	"os"
	"strings"
	"testing"
)

func TestAdminUsersReach(t *testing.T) {
	h := newHarness(t)
	env, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	f := makeFixtureUsers(t, h)
	st, res := h.do(t, "GET", "/users/"+f.alice+"/wallets", h.token, nil)
	wantStatus(t, "alice wallets", st, 200, res)
	aliceWallet := str(t, res, "wallets.0.id")
	newUser := map[string]any{"email": "zed@example.com"}

	// A read-only users token lists and reads, and writes nothing.
	_, readTok := h.envToken(t, h.token, env, "environment.users.read")
	if n, _ := h.listUsers(t, readTok, env, ""); n != 4 {
		t.Errorf("read token lists %d users, want 4", n)
	}
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/environments/" + env + "/users/" + f.alice, nil, 200},
		{"GET", "/users/" + f.alice, nil, 200},
		{"GET", "/wallets/" + aliceWallet, nil, 200},
		{"GET", "/environments/" + env + "/wallets", nil, 200},
		{"GET", "/environments/" + env + "/visitors", nil, 200},
		{"GET", "/users/" + f.dave + "/sessions/" + f.daveSession, nil, 200},
		{"POST", "/environments/" + env + "/users", newUser, 403},
		{"POST", "/environments/" + env + "/users/bulk", []any{newUser}, 403},
		{"PUT", "/users/" + f.alice, map[string]any{"alias": "x"}, 403},
		{"DELETE", "/environments/" + env + "/users/" + f.alice, nil, 403},
		{"POST", "/users/" + f.dave + "/sessions/revoke", nil, 403},
		{"PUT", "/sessions/" + f.daveSession + "/revoke", nil, 403},
		{"DELETE", "/wallets/" + aliceWallet, nil, 403},
	} {
		st, res := h.do(t, tc.method, tc.path, readTok, tc.body)
		if tc.want == 200 {
			wantStatus(t, "read token "+tc.method+" "+tc.path, st, 200, res)
		} else {
			wantError(t, "read token "+tc.method+" "+tc.path, st, res, tc.want)
		}
	}

	// A token without users scopes reaches the environment but not its users.
	_, settingsTok := h.envToken(t, h.token, env, "environment.settings.read")
	st, res = h.do(t, "GET", "/environments/"+env+"/users", settingsTok, nil)
	wantError(t, "settings-only token", st, res, 403, "environment.users.read")

	// A token of the live environment sees nothing of the sandbox.
	_, liveTok := h.envToken(t, h.token, live)
	if n, _ := h.listUsers(t, liveTok, live, ""); n != 0 {
		t.Errorf("live token lists %d live users, want 0", n)
	}
	hidden := []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/environments/" + env + "/users", nil, 403},
		{"POST", "/environments/" + env + "/users", newUser, 403},
		{"GET", "/environments/" + env + "/wallets", nil, 403},
		{"GET", "/environments/" + env + "/visitors", nil, 403},
		{"GET", "/environments/" + live + "/users/" + f.alice, nil, 404},
		{"PUT", "/environments/" + live + "/users/" + f.alice, map[string]any{"alias": "x"}, 404},
		{"GET", "/environments/" + live + "/users/" + f.alice + "/wallets", nil, 404},
		{"GET", "/environments/" + live + "/wallets/" + aliceWallet, nil, 404},
		{"GET", "/users/" + f.alice, nil, 404},
		{"PUT", "/users/" + f.alice, map[string]any{"alias": "x"}, 404},
		{"DELETE", "/users/" + f.alice, nil, 404},
		{"GET", "/users/" + f.alice + "/wallets", nil, 404},
		{"POST", "/users/" + f.alice + "/wallets", map[string]any{"publicWalletAddress": newEVMWallet(t).address,
			"chain": "EVM", "walletName": "m", "walletProvider": "browserExtension"}, 404},
		{"GET", "/wallets/" + aliceWallet, nil, 404},
		{"DELETE", "/wallets/" + aliceWallet, nil, 404},
		{"POST", "/users/" + f.dave + "/sessions/revoke", nil, 404},
		{"PUT", "/sessions/" + f.daveSession + "/revoke", nil, 404},
		{"GET", "/users/" + f.dave + "/sessions/" + f.daveSession, nil, 404},
	}
	for _, tc := range hidden {
		st, res := h.do(t, tc.method, tc.path, liveTok, tc.body)
		wantError(t, "live token "+tc.method+" "+tc.path, st, res, tc.want)
	}

	// Another organization's owner: the same.
	member, org, _ := h.newUser(t, "stranger@example.com")
	strangerTok := h.orgWideToken(t, member, org)
	for _, tc := range hidden {
		want := tc.want
		if strings.HasPrefix(tc.path, "/environments/"+live) {
			want = 403 // the path environment is out of reach too
		}
		st, res := h.do(t, tc.method, tc.path, strangerTok, tc.body)
		wantError(t, "stranger "+tc.method+" "+tc.path, st, res, want)
	}

	// A viewer of the organization reads but cannot write.
	viewer := h.addMember(t, h.ids.OrganizationID, "viewer", "viewer@example.com")
	viewerTok := h.orgWideToken(t, viewer, h.ids.OrganizationID)
	if n, _ := h.listUsers(t, viewerTok, env, ""); n != 4 {
		t.Errorf("viewer lists %d users, want 4", n)
	}
	st, res = h.do(t, "PUT", "/users/"+f.alice, viewerTok, map[string]any{"alias": "x"})
	wantError(t, "viewer writes", st, res, 403, "developer")

	// Nothing changed: every user, wallet and session is intact.
	wantIDs(t, h, "all users intact", "", f.alice, f.bob, f.carol, f.dave)
	if st := h.sdkUserStatus(t, env, f.daveJWT); st != 200 {
		t.Errorf("dave's session after refused revokes: %d", st)
	}
	st, res = h.do(t, "GET", "/users/"+f.alice, h.token, nil)
	wantStatus(t, "alice intact", st, 200, res)
	wantEq(t, res, "user.alias", "ally")
	if n := len(list(t, res, "user.wallets")); n != 1 {
		t.Errorf("alice has %d wallets", n)
	}
}

func TestAdminUsersInvalidInput(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	users := "/environments/" + env + "/users"
	for _, tc := range []struct {
		method, path, param string
		body                any
	}{
		{"GET", "/environments/abc/users", "environmentId", nil},
		{"GET", users + "/abc", "userId", nil},
		{"PUT", users + "/abc", "userId", map[string]any{}},
		{"DELETE", "/users/abc", "userId", nil},
		{"POST", "/users/abc/sessions/revoke", "userId", nil},
		{"PUT", "/sessions/abc/revoke", "sessionId", nil},
		{"GET", "/users/" + randomUUID + "/sessions/abc", "sessionId", nil},
		{"GET", "/environments/" + env + "/wallets/abc", "walletId", nil},
		{"DELETE", "/wallets/abc", "walletId", nil},
		{"GET", "/users/abc/wallets", "userId", nil},
		{"GET", "/oauthAccounts/abc/accessToken", "oauthAccountId", nil},
		{"GET", "/environments/abc/visitors", "environmentId", nil},
		{"GET", users + "?limit=0", "limit", nil},
		{"GET", users + "?limit=1001", "limit", nil},
		{"GET", users + "?limit=ten", "limit", nil},
		{"GET", users + "?offset=-1", "offset", nil},
		{"GET", users + "?orderBy=password", "orderBy", nil},
		{"GET", users + "?orderBy=email:sideways", "orderBy", nil},
		{"GET", users + "?includeSessions=maybe", "includeSessions", nil},
		{"GET", users + "?" + filter("filterColumn", "password"), "filter[filterColumn]", nil},
		{"GET", users + "?" + filter("chain", "DOGE"), "filter[chain]", nil},
		{"GET", users + "?" + filter("filterSocialProvider", "myspace"), "filter[filterSocialProvider]", nil},
		{"GET", "/environments/" + env + "/wallets?limit=5000", "limit", nil},
		{"GET", "/environments/" + env + "/visitors?orderBy=email", "orderBy", nil},
		{"POST", users, "body", "[]"},
		{"POST", users, "metadata", map[string]any{"metadata": "text"}},
		{"POST", users, "wallets", map[string]any{"wallets": "0xabc"}},
	} {
		st, res := h.do(t, tc.method, tc.path, h.token, tc.body)
		wantError(t, tc.method+" "+tc.path, st, res, 400, tc.param)
	}
	for _, path := range []string{users + "/" + randomUUID, "/users/" + randomUUID, "/wallets/" + randomUUID,
		"/users/" + randomUUID + "/sessions/" + randomUUID} {
		st, res := h.do(t, "GET", path, h.token, nil)
		wantError(t, "GET "+path, st, res, 404)
	}
	st, res := h.do(t, "GET", "/environments/"+randomUUID+"/users", h.token, nil)
	wantError(t, "unknown environment", st, res, 404)
}

// routeSection is the part of the route table (routes.go) from the line
// starting with begin to the one starting with end.
func routeSection(t *testing.T, begin, end string) string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "\t"+begin)
	j := strings.Index(s[max(i, 0):], "\t"+end)
	if i < 0 || j < 0 {
		t.Fatalf("route table has no section %q … %q", begin, end)
	}
	return s[i : i+j]
}
