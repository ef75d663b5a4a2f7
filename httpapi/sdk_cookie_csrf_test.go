package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// cookieSignIn signs a new wallet user in to env (in cookie mode) from
// the app's origin and answers the session cookie and the user's id.
func (h *harness) cookieSignIn(t *testing.T, env, host string) (*http.Cookie, string) {
	t.Helper()
	r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", host: host,
		body: h.walletBody(t, env, newEVMWallet(t)), header: map[string]string{"Origin": "http://localhost:3000"}})
	wantStatus(t, "cookie sign-in", r.status, 200, r.json)
	c := sessionCookieOf(r)
	if c == nil {
		t.Fatalf("cookie sign-in set no %s cookie: %v", cookieName, r.header.Values("Set-Cookie"))
	}
	return c, str(t, r.json, "user.id")
}

// TestCookieCSRF: a page of another origin cannot use the session cookie
// the browser attaches for it. Each state-changing SDK route is sent the
// way a forged request arrives (a form post with no Origin, a sandboxed
// iframe's Origin null, another site's Origin, a navigation the browser
// marks cross-site or same-site, an image of a sibling subdomain): each
// is refused with 403 before anything happens, and the cookie is left
// alone; the session still works from the app afterwards.
func TestCookieCSRF(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	const app = "http://localhost:3000"
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)
	c, userID := h.cookieSignIn(t, env, "")

	forged := map[string]map[string]string{
		"form post, no Origin":            {"Content-Type": "text/plain"},
		"urlencoded form, no Origin":      {"Content-Type": "application/x-www-form-urlencoded"},
		"sandboxed iframe, Origin null":   {"Origin": "null"},
		"another site's Origin":           {"Origin": "https://evil.example"},
		"another port of the app":         {"Origin": "http://localhost:3000.evil.example"},
		"cross-site, no Origin":           {"Sec-Fetch-Site": "cross-site"},
		"sibling subdomain, no Origin":    {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate"},
		"sibling subdomain's image, no O": {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
	}
	routes := []struct{ method, path, body string }{
		{"PUT", "/users", `{"alias":"forged"}`},
		{"DELETE", "/users", ""},
		{"POST", "/verify/link", `{}`},
		{"POST", "/verify/unlink", `{"primaryWalletId":"x"}`},
		{"PUT", "/users/wallets/selection", `{"walletId":"x"}`},
		{"POST", "/revoke", ""},
		{"POST", "/refresh", ""},
		{"DELETE", "/users/mfa/00000000-0000-0000-0000-000000000000", ""},
		{"DELETE", "/users/passkeys", `{"passkeyId":"00000000-0000-0000-0000-000000000000"}`},
		{"DELETE", "/deviceRegistrations", ""},
		// GETs that change something: a TOTP secret made, passkey options
		{"GET", "/users/mfa/register/totp", ""},
		{"GET", "/users/passkeys/register", ""},
	}
	for _, rt := range routes {
		for name, hdr := range forged {
			if rt.method == "GET" && hdr["Content-Type"] != "" {
				continue // a form is a POST
			}
			hdr := map[string]string{"Cookie": cookieName + "=" + c.Value}
			for k, v := range forged[name] {
				hdr[k] = v
			}
			var body any
			if rt.body != "" {
				body = rt.body
			}
			r := h.send(t, request{method: rt.method, path: v0 + "/sdk/" + env + rt.path, header: hdr, body: body})
			wantError(t, rt.method+" "+rt.path+" by "+name, r.status, r.json, 403, "allowed origin")
			if got := r.header.Values("Set-Cookie"); len(got) > 0 {
				t.Errorf("%s %s by %s: a refused request set cookies: %v", rt.method, rt.path, name, got)
			}
		}
	}
	r := h.cookieCall(t, env, "GET", "/users", c.Value, app, nil)
	wantStatus(t, "the session after the forged requests", r.status, 200, r.json)
	wantEq(t, r.json, "id", userID)
	if a, _ := at(r.json, "alias"); a == "forged" {
		t.Error("a forged request changed the user")
	}
	// the app's own requests still go through, and a backend that forwards
	// the cookie (no browser, no fetch metadata) may read
	r = h.cookieCall(t, env, "GET", "/users/mfa/register/totp", c.Value, app, nil)
	wantStatus(t, "the app's TOTP registration", r.status, 200, r.json)
	for _, site := range []string{"same-origin", "none", ""} {
		r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users",
			header: map[string]string{"Cookie": cookieName + "=" + c.Value, "Sec-Fetch-Site": site}})
		wantStatus(t, "GET /users by cookie, Sec-Fetch-Site "+site, r.status, 200, r.json)
	}
}

// TestCookieBesideBearer: the cookie is no credential on the admin API,
// and a request with a bearer is the bearer's: the cookie beside it is
// neither used nor cleared by the bearer's revoke.
func TestCookieBesideBearer(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	const app = "http://localhost:3000"
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)
	mine, myID := h.cookieSignIn(t, env, "")
	other, otherID := h.cookieSignIn(t, env, "")

	for _, path := range []string{"/environments/" + env + "/users", "/environments/" + env} {
		r := h.send(t, request{method: "GET", path: v0 + path, header: map[string]string{"Cookie": cookieName + "=" + mine.Value}})
		wantStatus(t, "admin GET "+path+" by the session cookie", r.status, 401, r.json)
		r = h.send(t, request{method: "GET", path: v0 + path, token: mine.Value})
		wantStatus(t, "admin GET "+path+" by the session's JWT", r.status, 401, r.json)
	}

	both := map[string]string{"Cookie": cookieName + "=" + mine.Value, "Origin": app}
	r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users", token: other.Value, header: both})
	wantStatus(t, "GET /users by bearer beside a cookie", r.status, 200, r.json)
	wantEq(t, r.json, "id", otherID)
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/revoke", token: other.Value, header: both})
	wantStatus(t, "revoke by bearer beside a cookie", r.status, 204, r.json)
	if got := r.header.Values("Set-Cookie"); len(got) > 0 {
		t.Errorf("the bearer's revoke touched the cookie of another session: %v", got)
	}
	r = h.cookieCall(t, env, "GET", "/users", mine.Value, app, nil)
	wantStatus(t, "the cookie's session after the bearer's revoke", r.status, 200, r.json)
	wantEq(t, r.json, "id", myID)
	r = h.cookieCall(t, env, "GET", "/users", other.Value, app, nil)
	wantStatus(t, "the revoked bearer's session by cookie", r.status, 401, r.json)
}

// TestCookieRevokeClearsWhatWasSet: on an active custom hostname the
// cookie is set for the parent domain; refresh sets a new one with the
// same attributes, and revoke clears it with them (a clearing cookie of
// another Domain, Path or Secure is another cookie: the session's would
// stay in the browser).
func TestCookieRevokeClearsWhatWasSet(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	const app, host = "http://localhost:3000", "auth.shop.example"
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)
	ec := h.auth.EnvConfig()
	if _, err := ec.AddHostname(context.Background(), env, host, "cookies"); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.VerifyHostname(context.Background(), env, host, true); err != nil {
		t.Fatal(err)
	}
	set, _ := h.cookieSignIn(t, env, host)
	same := func(what string, c *http.Cookie) {
		t.Helper()
		if c == nil {
			t.Fatalf("%s: no %s cookie", what, cookieName)
		}
		if c.Domain != set.Domain || c.Path != set.Path || c.Secure != set.Secure || c.HttpOnly != set.HttpOnly ||
			c.SameSite != set.SameSite || strings.TrimPrefix(c.Domain, ".") != "shop.example" {
			t.Errorf("%s: %+v, want the attributes of the sign-in's %+v", what, c, set)
		}
	}
	call := func(path, cookie string) *response {
		return h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + path, host: host,
			header: map[string]string{"Cookie": cookieName + "=" + cookie, "Origin": app}})
	}
	r := call("/refresh", set.Value)
	wantStatus(t, "refresh", r.status, 200, r.json)
	refreshed := sessionCookieOf(r)
	same("refresh", refreshed)
	r = call("/revoke", refreshed.Value)
	wantStatus(t, "revoke", r.status, 204, r.json)
	cleared := sessionCookieOf(r)
	same("revoke", cleared)
	if cleared.Value != "" || cleared.MaxAge >= 0 {
		t.Errorf("revoke: %+v, want the cookie cleared", cleared)
	}
	r = call("/refresh", refreshed.Value)
	wantStatus(t, "refresh of the revoked session", r.status, 401, r.json)
	same("the revoked cookie's answer", sessionCookieOf(r))
}
