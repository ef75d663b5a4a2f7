package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

const cookieName = "DYNAMIC_JWT_TOKEN"

// sessionCookieOf is the session cookie a response sets (nil if none).
func sessionCookieOf(r *response) *http.Cookie {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// cookieCall sends method path (below /sdk/{env}) with the session cookie
// value and the given Origin ("" for none).
func (h *harness) cookieCall(t *testing.T, envID, method, path, cookie, origin string, body any) *response {
	t.Helper()
	hdr := map[string]string{"Cookie": cookieName + "=" + cookie}
	if origin != "" {
		hdr["Origin"] = origin
	}
	return h.send(t, request{method: method, path: v0 + "/sdk/" + envID + path, header: hdr, body: body})
}

// TestCookieSessions: in an environment whose security.auth.storage
// names "cookie", a sign-in hands the minified JWT over in an HttpOnly
// cookie and leaves both tokens out of its body; the cookie then
// authenticates the SDK routes (refresh, the user, revoke, which clears
// it), from the environment's origins only; an environment in local
// storage takes no cookie.
func TestCookieSessions(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testCookieSessions(t, newHarnessOn(t, backend)) })
	}
}

func testCookieSessions(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	const app, evil = "http://localhost:3000", "https://evil.example"
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)

	r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", body: h.walletBody(t, env, newEVMWallet(t)),
		header: map[string]string{"Origin": app}})
	wantStatus(t, "sign-in", r.status, 200, r.json)
	for _, k := range []string{"jwt", "minifiedJwt"} {
		if has(r.json, k) {
			t.Errorf("cookie mode: the sign-in's body carries %s", k)
		}
	}
	c := sessionCookieOf(r)
	if c == nil {
		t.Fatalf("sign-in set no %s cookie: %v", cookieName, r.header.Values("Set-Cookie"))
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.Domain != "" || c.MaxAge <= 0 {
		t.Errorf("cookie attributes: %+v (want HttpOnly, SameSite=Lax, Path=/, not Secure on 127.0.0.1, host-only, Max-Age)", c)
	}
	claims := jwtClaims(t, c.Value)
	if claims["sid"] != str(t, r.json, "user.sessionId") || claims["verified_credentials"] != nil {
		t.Errorf("the cookie is not the session's minified JWT: %v", claims)
	}
	if exp := adminNum(t, r.json, "expiresAt"); exp != claims["exp"] {
		t.Errorf("expiresAt %v, the cookie's exp %v", exp, claims["exp"])
	}
	userID, cookie := str(t, r.json, "user.id"), c.Value
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the sign-in setting the cookie: Cache-Control %q, want no-store", cc)
	}

	// reads: with no Origin (same origin) or an allowed one
	for _, origin := range []string{"", app} {
		r = h.cookieCall(t, env, "GET", "/users", cookie, origin, nil)
		wantStatus(t, "GET /users by cookie from "+origin, r.status, 200, r.json)
		wantEq(t, r.json, "id", userID)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET /users by cookie: Cache-Control %q, want no-store (a shared cache ignores cookies)", cc)
		}
	}
	// a page of another site rides on the cookie: refused, nothing changed
	r = h.cookieCall(t, env, "GET", "/users", cookie, evil, nil)
	wantError(t, "GET /users by cookie from another site", r.status, r.json, 403, "allowed origin")
	for _, origin := range []string{evil, ""} {
		r = h.cookieCall(t, env, "PUT", "/users", cookie, origin, map[string]any{"alias": "forged"})
		wantError(t, "PUT /users by cookie from "+origin, r.status, r.json, 403, "allowed origin")
		if sessionCookieOf(r) != nil {
			t.Errorf("a refused cross-site request touched the cookie: %v", r.header.Values("Set-Cookie"))
		}
	}
	// a link on another site: the browser navigates with the Lax cookie,
	// no Origin, and says where it comes from
	for site, want := range map[string]int{"cross-site": 403, "same-site": 403, "same-origin": 200, "none": 200} {
		r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/mfa/register/totp",
			header: map[string]string{"Cookie": cookieName + "=" + cookie, "Sec-Fetch-Site": site}})
		wantStatus(t, "a navigation, Sec-Fetch-Site "+site, r.status, want, r.json)
	}
	r = h.cookieCall(t, env, "GET", "/users", cookie, "", nil)
	if a, _ := at(r.json, "alias"); a == "forged" {
		t.Fatal("a refused cross-site write changed the user")
	}
	r = h.cookieCall(t, env, "PUT", "/users", cookie, app, map[string]any{"alias": "mine"})
	wantStatus(t, "PUT /users by cookie from the app", r.status, 200, r.json)
	wantEq(t, r.json, "user.alias", "mine")
	if has(r.json, "minifiedJwt") {
		t.Error("cookie mode: PUT /users answers the token in its body")
	}
	if sessionCookieOf(r) == nil {
		t.Error("cookie mode: PUT /users re-issued tokens but set no cookie")
	}
	// a bad Authorization header is not papered over by the cookie
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users",
		header: map[string]string{"Cookie": cookieName + "=" + cookie, "Authorization": "Basic eDp5"}})
	wantStatus(t, "bad Authorization beside the cookie", r.status, 401, r.json)
	// a tampered cookie
	r = h.cookieCall(t, env, "GET", "/users", cookie[:len(cookie)-4]+"AAAA", "", nil)
	wantStatus(t, "tampered cookie", r.status, 401, r.json)
	if gone := sessionCookieOf(r); gone == nil || gone.MaxAge >= 0 {
		t.Errorf("a cookie that does not authenticate is not cleared: %v", r.header.Values("Set-Cookie"))
	}

	// refresh (what the SDK sends at start in cookie mode): a new cookie
	r = h.cookieCall(t, env, "POST", "/refresh", cookie, app, nil)
	wantStatus(t, "refresh by cookie", r.status, 200, r.json)
	if has(r.json, "minifiedJwt") || has(r.json, "jwt") {
		t.Error("cookie mode: the refresh's body carries the tokens")
	}
	c2 := sessionCookieOf(r)
	if c2 == nil || jwtClaims(t, c2.Value)["sid"] != claims["sid"] {
		t.Fatalf("refresh: cookie %+v, want one of the same session", c2)
	}
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/refresh", header: map[string]string{"Origin": app}})
	wantError(t, "refresh without a cookie", r.status, r.json, 401, cookieName)

	// the cookie is no credential for another environment, even one in
	// cookie mode
	live := h.ids.LiveEnvironmentID
	st, res = h.putSecurity(t, live, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on (live)", st, 200, res)
	r = h.cookieCall(t, live, "GET", "/users", c2.Value, "", nil)
	wantStatus(t, "another environment's cookie", r.status, 401, r.json)

	// revoke clears the cookie; the revoked one is refused
	r = h.cookieCall(t, env, "POST", "/revoke", c2.Value, app, nil)
	wantStatus(t, "revoke by cookie", r.status, 204, r.json)
	if gone := sessionCookieOf(r); gone == nil || gone.MaxAge >= 0 || gone.Value != "" {
		t.Errorf("revoke: Set-Cookie %v, want the cookie cleared", r.header.Values("Set-Cookie"))
	}
	r = h.cookieCall(t, env, "GET", "/users", c2.Value, "", nil)
	wantStatus(t, "revoked cookie", r.status, 401, r.json)

	// back to local storage: tokens in the body, no cookie, and a cookie
	// no longer counts
	st, res = h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"localstorage"}})
	wantStatus(t, "cookie mode off", st, 200, res)
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", body: h.walletBody(t, env, newEVMWallet(t)),
		header: map[string]string{"Origin": app}})
	wantStatus(t, "sign-in in local storage", r.status, 200, r.json)
	if sessionCookieOf(r) != nil || !has(r.json, "minifiedJwt") || !has(r.json, "jwt") {
		t.Fatalf("local storage: Set-Cookie %v, body %s", r.header.Values("Set-Cookie"), dump(r.json))
	}
	r = h.cookieCall(t, env, "GET", "/users", str(t, r.json, "minifiedJwt"), app, nil)
	wantError(t, "a cookie in local storage", r.status, r.json, 401, "cookies")
	if sessionCookieOf(r) != nil {
		t.Errorf("local storage: the server touched a %s cookie it does not own there", cookieName)
	}
}

// TestCookieOnCustomHostname: a sign-in through an active custom hostname
// of the environment scopes the cookie to its parent domain (the
// application's pages and backend there receive it) and marks it Secure.
func TestCookieOnCustomHostname(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)
	ec := h.auth.EnvConfig()
	if _, err := ec.AddHostname(context.Background(), env, "auth.shop.example", "cookies"); err != nil {
		t.Fatal(err)
	}
	signIn := func(host string) *http.Cookie {
		t.Helper()
		r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", host: host,
			body: h.walletBody(t, env, newEVMWallet(t)), header: map[string]string{"Origin": "http://localhost:3000"}})
		wantStatus(t, "sign-in at "+host, r.status, 200, r.json)
		c := sessionCookieOf(r)
		if c == nil {
			t.Fatalf("sign-in at %s set no cookie", host)
		}
		return c
	}
	if c := signIn("auth.shop.example"); c.Domain != "" || !c.Secure {
		t.Errorf("pending hostname: Domain %q Secure %v, want host-only and Secure", c.Domain, c.Secure)
	}
	if _, err := ec.VerifyHostname(context.Background(), env, "auth.shop.example", true); err != nil {
		t.Fatal(err)
	}
	if c := signIn("auth.shop.example"); strings.TrimPrefix(c.Domain, ".") != "shop.example" || !c.Secure || !c.HttpOnly {
		t.Errorf("active hostname: %+v, want Domain shop.example, Secure, HttpOnly", c)
	}
}

// TestCookieDomainStopsAtPublicSuffix: the cookie of an active custom
// hostname takes the parent domain only where that parent is a domain
// someone registered: a browser refuses Domain=co.uk (a public suffix), so
// shop.co.uk keeps a host-only cookie and auth.shop.co.uk scopes it to
// shop.co.uk.
func TestCookieDomainStopsAtPublicSuffix(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)
	ec := h.auth.EnvConfig()
	for _, tc := range []struct{ host, domain string }{
		{"shop.co.uk", ""},
		{"auth.shop.co.uk", "shop.co.uk"},
		{"login.myapp.github.io", "myapp.github.io"},
		{"myapp.github.io", ""},
	} {
		if _, err := ec.AddHostname(context.Background(), env, tc.host, "cookies"); err != nil {
			t.Fatal(err)
		}
		if _, err := ec.VerifyHostname(context.Background(), env, tc.host, true); err != nil {
			t.Fatal(err)
		}
		r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", host: tc.host,
			body: h.walletBody(t, env, newEVMWallet(t)), header: map[string]string{"Origin": "http://localhost:3000"}})
		wantStatus(t, "sign-in at "+tc.host, r.status, 200, r.json)
		c := sessionCookieOf(r)
		if c == nil {
			t.Fatalf("sign-in at %s set no cookie", tc.host)
		}
		if got := strings.TrimPrefix(c.Domain, "."); got != tc.domain {
			t.Errorf("%s: Domain %q, want %q", tc.host, got, tc.domain)
		}
	}
}
