package httpapi_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// authorizeHtml: the page Dynamic's SDK opens on mobile in place of the
// provider's authorize URL. The login is the one loginUrl starts (PKCE and
// nonce kept here) under the SDK's state; following the page's target
// through the real provider completes a sign-in.

var refreshTarget = regexp.MustCompile(`<meta http-equiv="refresh" content="0;url=([^"]*)">`)

// authorizeHtml fetches the page and returns the status, the page and
// the URL it sends the browser to ("" when none).
func (f *socialFixture) authorizeHtml(t *testing.T, env string, q url.Values) (int, string, string) {
	t.Helper()
	res, err := f.h.srv.Client().Get(f.h.srv.URL + v0 + "/sdk/" + env + "/providers/google/authorizeHtml?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if res.StatusCode != http.StatusOK {
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("refusal served as %q: %s", ct, page)
		}
		return res.StatusCode, page, ""
	}
	for k, want := range map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
		"Referrer-Policy": "no-referrer"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if strings.Contains(strings.ToLower(page), "<script") {
		t.Errorf("the page carries a script: %s", page)
	}
	m := refreshTarget.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no refresh target in %s", page)
	}
	return res.StatusCode, page, html.UnescapeString(m[1])
}

func TestOAuthAuthorizeHtml(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testOAuthAuthorizeHtml(t, newHarnessOn(t, backend)) })
	}
}

func testOAuthAuthorizeHtml(t *testing.T, h *harness) {
	f := newSocialFixture(t, h)
	callback := str(t, f.sdkProvider(t, f.env), "redirectUrl")
	state := func(n string) string { return "authorize-html-state-" + n }

	// As the SDK does it: initAuth announces the state and where to come
	// back, the page (redirect_uri: this server's callback) sends the
	// browser to the provider, the provider back here and here back to
	// the application; signIn needs no verifier (it is kept here).
	st, res := h.do(t, "POST", "/sdk/"+f.env+"/providers/google/initAuth", "", map[string]any{"state": state("1"), "redirectUrl": appReturn})
	wantStatus(t, "initAuth", st, 204, res)
	code, _, target := f.authorizeHtml(t, f.env, url.Values{"state": {state("1")}, "redirect_uri": {callback}, "scope": {"openid email"}})
	if code != 200 {
		t.Fatalf("authorizeHtml after initAuth: %d", code)
	}
	tq := mustParse(t, target).Query()
	if !strings.HasPrefix(target, f.op.URL) || tq.Get("state") != state("1") || tq.Get("code_challenge_method") != "S256" ||
		tq.Get("nonce") == "" || tq.Get("redirect_uri") != callback || tq.Get("client_id") != f.clientID {
		t.Fatalf("the page sends the browser to %s", target)
	}
	back := f.browseTo(t, target, appReturn)
	if back.Query().Get("dynamicOauthState") != state("1") || back.Query().Get("dynamicOauthCode") == "" {
		t.Fatalf("back at the application with %s", back)
	}
	st, res = f.signIn(t, f.env, map[string]any{"state": state("1"), "code": back.Query().Get("dynamicOauthCode")})
	wantStatus(t, "signIn after authorizeHtml", st, 200, res)
	userID := str(t, res, "user.id")
	st, res = f.signIn(t, f.env, map[string]any{"state": state("1"), "code": back.Query().Get("dynamicOauthCode")})
	wantCode(t, "the state is used up", st, res, 422, "other_verify_failure")

	// Without initAuth, redirect_uri naming the application's page: the
	// same login, the same user.
	code, _, target = f.authorizeHtml(t, f.env, url.Values{"state": {state("2")}, "redirect_uri": {appReturn + "?tab=1"}})
	if code != 200 {
		t.Fatalf("authorizeHtml without initAuth: %d", code)
	}
	back = f.browseTo(t, target, appReturn)
	if back.Query().Get("tab") != "1" || back.Query().Get("dynamicOauthState") != state("2") {
		t.Fatalf("back at the application with %s", back)
	}
	st, res = f.signIn(t, f.env, map[string]any{"state": state("2"), "code": back.Query().Get("dynamicOauthCode")})
	wantStatus(t, "second signIn", st, 200, res)
	wantEq(t, res, "user.id", userID)

	// Without a state the server makes one.
	code, _, target = f.authorizeHtml(t, f.env, url.Values{})
	if code != 200 || len(mustParse(t, target).Query().Get("state")) < 32 {
		t.Fatalf("authorizeHtml without a state: %d %s", code, target)
	}

	// A state begun here already (by loginUrl or this page) is not taken
	// over: only one the client announced and nothing used.
	if code, _, _ := f.authorizeHtml(t, f.env, url.Values{"state": {state("3")}}); code != 200 {
		t.Fatalf("authorizeHtml for state 3: %d", code)
	}

	// Refused, each as JSON and before anything is kept.
	for _, c := range []struct {
		what string
		q    url.Values
		want int
	}{
		{"a hostile state", url.Values{"state": {`"><script>alert(1)</script>`}}, 400},
		{"a state this server began", url.Values{"state": {state("3")}}, 400},
		{"a hostile redirect_uri", url.Values{"redirect_uri": {`javascript:alert(1)//"><script>alert(1)</script>`}}, 422},
		{"a foreign origin", url.Values{"redirect_uri": {`https://evil.example/"><script>alert(1)</script>`}}, 400},
	} {
		code, page, _ := f.authorizeHtml(t, f.env, c.q)
		if code != c.want || strings.Contains(page, "<script") {
			t.Errorf("%s: %d %s, want %d", c.what, code, page, c.want)
		}
	}
	// An allowed page whose query is hostile: it is not echoed.
	_, page, _ := f.authorizeHtml(t, f.env, url.Values{"redirect_uri": {appReturn + `?x="><script>alert(1)</script>`}})
	if strings.Contains(page, "alert") {
		t.Errorf("the page echoes redirect_uri: %s", page)
	}
	// A provider the environment has not enabled.
	res2, err := h.srv.Client().Get(h.srv.URL + v0 + "/sdk/" + f.env + "/providers/github/authorizeHtml")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != 422 {
		t.Errorf("a provider not enabled: %d", res2.StatusCode)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u
}
