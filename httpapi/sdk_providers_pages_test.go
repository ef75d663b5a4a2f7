package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The routes a browser lands on during a social login (the provider's
// redirect, Apple's form post, the generic callback, authorizeHtml, login)
// answer a refusal the browser cannot be sent back to the application
// with (no usable state: unknown, used, of another login) as a page of
// their own, not as JSON a browser shows raw: the same status, a fixed
// message, nothing the request carried. A client that asks for JSON gets
// the contract's error body.

// browserAccept is what a browser sends when it navigates.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

type page struct {
	status int
	header http.Header
	body   string
}

// navigate requests path as a browser does, following no redirect.
func (f *socialFixture) navigate(t *testing.T, method, path string, form url.Values) page {
	t.Helper()
	return f.h.navigate(t, method, path, form)
}

// navigate requests path (under /api/v0) as a browser does, following no
// redirect; form, when not nil, is posted as a form.
func (h *harness) navigate(t *testing.T, method, path string, form url.Values) page {
	t.Helper()
	return requestPage(t, method, h.srv.URL+v0+path, browserAccept, form)
}

// requestPage requests rawURL naming accept, following no redirect; form,
// when not nil, is posted as a form.
func requestPage(t *testing.T, method, rawURL, accept string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, header: res.Header, body: string(b)}
}

// wantPage checks p is an HTML page with status, no script, none of the
// request's own values (echo), and words a user can act on (says).
func wantPage(t *testing.T, what string, p page, status int, says string, echo ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("%s: status %d, want %d: %s", what, p.status, status, p.body)
	}
	if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q, want an HTML page: %s", what, ct, p.body)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Cache-Control %q", what, p.header.Get("Cache-Control"))
	}
	low := strings.ToLower(p.body)
	if strings.Contains(low, "<script") || strings.Contains(low, "alert") {
		t.Errorf("%s: the page carries a script or echoes one: %s", what, p.body)
	}
	for _, e := range echo {
		if strings.Contains(p.body, e) {
			t.Errorf("%s: the page echoes %q: %s", what, e, p.body)
		}
	}
	if !strings.Contains(p.body, says) {
		t.Errorf("%s: the page does not say %q: %s", what, says, p.body)
	}
}

func TestSocialRedirectRefusalPages(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	sdk := "/sdk/" + f.env + "/providers/"
	const again = "start the sign-in again"
	const hostile = `"><script>alert(1)</script>`
	unknown := "unknown-state-0123456789"

	t.Run("unknown state", func(t *testing.T) {
		p := f.navigate(t, "GET", sdk+"google/redirect?state="+unknown+"&code=c0de-"+url.QueryEscape(hostile), nil)
		wantPage(t, "provider's redirect", p, 422, again, unknown, "c0de")
		p = f.navigate(t, "GET", sdk+"cbOauthRedirectUrl?state="+unknown+"&code=c0de", nil)
		wantPage(t, "generic callback", p, 422, again, unknown, "c0de")
		p = f.navigate(t, "POST", sdk+"apple/redirect", url.Values{"state": {unknown}, "code": {"c0de"},
			"user": {`{"name":{"firstName":"` + hostile + `"}}`}})
		wantPage(t, "Apple's form post", p, 422, again, unknown, "c0de")
	})
	t.Run("replayed redirect", func(t *testing.T) {
		l := f.start(t, f.env)
		p := f.navigate(t, "GET", sdk+"google/redirect?state="+l.state+"&code="+url.QueryEscape(l.code), nil)
		wantPage(t, "the provider's redirect again", p, 422, again, l.state, l.code)
	})
	t.Run("provider error, no usable state", func(t *testing.T) {
		p := f.navigate(t, "GET", sdk+"google/redirect?state="+unknown+"&error=access_denied&error_description="+
			url.QueryEscape("Denied"+hostile), nil)
		wantPage(t, "access_denied", p, 422, "cancelled", unknown, "Denied")
		p = f.navigate(t, "GET", sdk+"google/redirect?error="+url.QueryEscape("evil"+hostile), nil)
		wantPage(t, "an unknown provider error", p, 422, again, "evil")
	})
	t.Run("provider error, login without a return URL", func(t *testing.T) {
		login := func() string {
			st, res := h.do(t, "GET", sdk+"google/loginUrl", "", nil)
			wantStatus(t, "loginUrl", st, 200, res)
			return mustParse(t, str(t, res, "url")).Query().Get("state")
		}
		state := login()
		p := f.navigate(t, "GET", sdk+"google/redirect?state="+state+"&error="+url.QueryEscape("evil"+hostile), nil)
		wantPage(t, "a provider error on this server's own page", p, 200, "not completed", "evil")
		st, res := h.do(t, "POST", sdk+"google/oauthResult", "", map[string]any{"state": state})
		wantStatus(t, "oauthResult", st, 200, res)
		wantEq(t, res, "error", "provider_error") // no OAuth error code: not kept as sent
		// The error ended that login: another on its state is refused.
		p = f.navigate(t, "GET", sdk+"google/redirect?state="+state+"&error=access_denied", nil)
		wantPage(t, "access_denied again on an ended login", p, 422, "cancelled")
		p = f.navigate(t, "GET", sdk+"google/redirect?state="+login()+"&error=access_denied", nil)
		wantPage(t, "access_denied on this server's own page", p, 200, "cancelled")
	})
	t.Run("provider error, back to the application", func(t *testing.T) {
		// The state names the application's page: the browser goes back
		// there with the state and the error, and no code. Dynamic's SDK
		// reads only dynamicOauthState and dynamicOauthCode: it does not
		// take the URL for a finished login (detectOAuthRedirect is
		// false; completeSocialRedirect throws MissingSocialUrlParamError
		// and the native pop-up drops its stored state), and the
		// application can read dynamicOauthError.
		state := "provider-error-state-0123"
		st, res := h.do(t, "POST", sdk+"google/initAuth", "", map[string]any{"state": state, "redirectUrl": appReturn})
		wantStatus(t, "initAuth", st, 204, res)
		p := f.navigate(t, "GET", sdk+"google/redirect?state="+state+"&error=access_denied", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("provider error with the app's state: %d %s", p.status, p.body)
		}
		back := mustParse(t, p.header.Get("Location"))
		q := back.Query()
		if !strings.HasPrefix(back.String(), appReturn) || q.Get("dynamicOauthState") != state ||
			q.Get("dynamicOauthError") != "access_denied" || q.Has("dynamicOauthCode") {
			t.Fatalf("back at the application with %s", back)
		}
	})
	t.Run("authorizeHtml and login", func(t *testing.T) {
		p := f.navigate(t, "GET", sdk+"google/authorizeHtml?state="+url.QueryEscape(hostile), nil)
		wantPage(t, "authorizeHtml, a hostile state", p, 400, again)
		p = f.navigate(t, "GET", sdk+"google/authorizeHtml?redirect_uri="+url.QueryEscape("https://evil.example/"+hostile), nil)
		wantPage(t, "authorizeHtml, a foreign page", p, 400, again, "evil.example")
		p = f.navigate(t, "GET", sdk+"github/login", nil)
		wantPage(t, "login with a provider not enabled", p, 422, "not available")
	})
	t.Run("a client asking for JSON", func(t *testing.T) {
		r := h.send(t, request{method: "GET", path: v0 + sdk + "google/redirect?state=" + unknown + "&code=c0de",
			header: map[string]string{"Accept": "application/json"}})
		wantCode(t, "redirect asked for JSON", r.status, r.json, 422, "other_verify_failure")
		r = h.send(t, request{method: "GET", path: v0 + sdk + "github/authorizeHtml",
			header: map[string]string{"Accept": "application/json"}})
		wantCode(t, "authorizeHtml asked for JSON", r.status, r.json, 422, "provider_not_available")
	})
}
