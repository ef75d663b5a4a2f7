package httpapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Dynamic's React widget, with the popup strategy, announces its state
// with initAuth (no redirectUrl: a popup), opens the provider in a popup
// and waits for a postMessage from the popup's last page, this server's
// redirect: {type: 'origin_check'} answered by 'origin_check_response',
// then {type: 'authorization_response', provider, code, state} (or error)
// from the origin of the settings' redirectUrl. The page does that for the
// origin initAuth came from, when the environment allows it, and only for
// it: the script never targets '*', its data are JSON a script context
// cannot be broken out of, and the CSP allows that script alone (a nonce).
func TestPopupPageAnswersTheWidget(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testPopupPageAnswersTheWidget(t, newHarnessOn(t, backend)) })
	}
}

// popupData is what a popup page's script posts, and to which origin.
type popupData struct {
	Origin  string            `json:"origin"`
	Message map[string]string `json:"message"`
}

var (
	nonceCSP   = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9+/=_-]{16,})'`)
	popupDataJ = regexp.MustCompile(`(?m)^var d = (.*);$`)
	inlineOn   = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
)

// wantPopupScript checks p is the popup page with its one script, allowed
// by the CSP's nonce alone, and returns what the script posts.
func wantPopupScript(t *testing.T, what string, p page) popupData {
	t.Helper()
	if p.status != http.StatusOK || p.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%s: %d %s: %s", what, p.status, p.header.Get("Content-Type"), p.body)
	}
	csp := p.header.Get("Content-Security-Policy")
	m := nonceCSP.FindStringSubmatch(csp)
	if m == nil || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("%s: Content-Security-Policy %q, want default-src 'none' and a script nonce", what, csp)
	}
	low := strings.ToLower(p.body)
	if strings.Count(low, "<script") != 1 || strings.Count(low, "</script") != 1 ||
		!strings.Contains(p.body, `<script nonce="`+m[1]+`">`) {
		t.Fatalf("%s: want one script under the CSP's nonce %q: %s", what, m[1], p.body)
	}
	if inlineOn.MatchString(p.body) {
		t.Errorf("%s: an inline event handler: %s", what, p.body)
	}
	if strings.Contains(p.body, `'*'`) || strings.Contains(p.body, `"*"`) {
		t.Errorf("%s: the script targets any origin: %s", what, p.body)
	}
	for _, want := range []string{"window.opener", `"origin_check"`, `"origin_check_response"`, "e.origin !== d.origin",
		"postMessage(d.message, d.origin)", "window.close()"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("%s: the script lacks %s: %s", what, want, p.body)
		}
	}
	if p.header.Get("Cache-Control") != "no-store" || p.header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("%s: cache %q, referrer %q", what, p.header.Get("Cache-Control"), p.header.Get("Referrer-Policy"))
	}
	j := popupDataJ.FindStringSubmatch(p.body)
	if j == nil {
		t.Fatalf("%s: no data line in the script: %s", what, p.body)
	}
	var d popupData
	if err := json.Unmarshal([]byte(j[1]), &d); err != nil {
		t.Fatalf("%s: data %s: %v", what, j[1], err)
	}
	return d
}

// wantNoScript checks p is a page without a script, nor the code.
func wantNoScript(t *testing.T, what string, p page, code string) {
	t.Helper()
	low := strings.ToLower(p.body)
	if strings.Contains(low, "<script") || strings.Contains(p.header.Get("Content-Security-Policy"), "script-src") {
		t.Errorf("%s: a script: %s", what, p.body)
	}
	if code != "" && strings.Contains(p.body, code) {
		t.Errorf("%s: the code is on the page: %s", what, p.body)
	}
}

func testPopupPageAnswersTheWidget(t *testing.T, h *harness) {
	f := newSocialFixture(t, h)
	sdk := "/sdk/" + f.env + "/providers/google/"
	n := 0
	// popup announces a popup login from origin and sends the browser
	// through the provider, holding its redirect back.
	popup := func(t *testing.T, origin string) (state string, held *url.URL) {
		t.Helper()
		n++
		state = "popup-widget-state-000" + string(rune('a'+n))
		hdr := map[string]string{}
		if origin != "" {
			hdr["Origin"] = origin
		}
		r := h.send(t, request{method: "POST", path: v0 + sdk + "initAuth", body: map[string]any{"state": state}, header: hdr})
		wantStatus(t, "initAuth", r.status, 204, r.json)
		held = f.heldAtRedirect(t, f.env, state)
		if held.Query().Get("code") == "" {
			t.Fatalf("the provider's redirect: %s", held)
		}
		return state, held
	}

	t.Run("a sandbox without origins answers localhost", func(t *testing.T) {
		state, held := popup(t, "http://localhost:5173")
		d := wantPopupScript(t, "the popup's page", h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil))
		want := map[string]string{"type": "authorization_response", "provider": "google", "state": state,
			"code": held.Query().Get("code")}
		if d.Origin != "http://localhost:5173" || !maps.Equal(d.Message, want) {
			t.Fatalf("posts %+v, want %v to http://localhost:5173", d, want)
		}
		// The page's code completes the sign-in, as the widget does with it.
		st, res := f.signIn(t, f.env, map[string]any{"state": state, "code": d.Message["code"]})
		wantStatus(t, "signIn with the posted code", st, 200, res)
		// The redirect again: a used state, no script, no code.
		pg := h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil)
		wantNoScript(t, "the redirect replayed", pg, held.Query().Get("code"))
	})

	st, res := h.do(t, "POST", "/environments/"+f.env+"/origins", h.token, map[string]any{"origin": "https://app.example"})
	wantStatus(t, "add origin", st, 201, res)

	t.Run("a listed origin", func(t *testing.T) {
		state, held := popup(t, "https://app.example")
		d := wantPopupScript(t, "the popup's page", h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil))
		if d.Origin != "https://app.example" || d.Message["code"] != held.Query().Get("code") || d.Message["state"] != state {
			t.Fatalf("posts %+v", d)
		}
	})

	t.Run("the provider's error", func(t *testing.T) {
		state, held := popup(t, "https://app.example")
		pg := h.navigate(t, "GET", sdk+"redirect?state="+state+"&error=access_denied", nil)
		d := wantPopupScript(t, "the popup's page", pg)
		want := map[string]string{"type": "authorization_response", "provider": "google", "state": state, "error": "access_denied"}
		if d.Origin != "https://app.example" || !maps.Equal(d.Message, want) {
			t.Fatalf("posts %+v, want %v", d, want)
		}
		if !strings.Contains(pg.body, "cancelled") {
			t.Errorf("the page says nothing of the refusal: %s", pg.body)
		}
		wantNoScript(t, "the code after the error", h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil), held.Query().Get("code"))
	})

	t.Run("a code that would break out of the script", func(t *testing.T) {
		state, _ := popup(t, "https://app.example")
		hostile := "x</script><script>alert(1)</script>\"'\u2028<!--"
		pg := h.navigate(t, "GET", sdk+"redirect?"+url.Values{"state": {state}, "code": {hostile}}.Encode(), nil)
		d := wantPopupScript(t, "the popup's page", pg)
		if d.Message["code"] != hostile {
			t.Fatalf("posts code %q, want %q", d.Message["code"], hostile)
		}
		if strings.Contains(pg.body, "<!--") || strings.Contains(pg.body, "\u2028") {
			t.Errorf("raw HTML comment or line separator in the script: %s", pg.body)
		}
	})

	for _, c := range []struct{ what, origin string }{
		{"an origin the environment does not list", "https://evil.example"},
		{"localhost once the environment lists origins", "http://localhost:5173"},
		{"no origin (a client polling oauthResult)", ""},
	} {
		t.Run(c.what, func(t *testing.T) {
			_, held := popup(t, c.origin)
			pg := h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil)
			if pg.status != 200 || !strings.Contains(pg.body, "close this window") {
				t.Errorf("the popup's page: %d %s", pg.status, pg.body)
			}
			wantNoScript(t, "the popup's page", pg, held.Query().Get("code"))
		})
	}

	t.Run("an unknown state", func(t *testing.T) {
		pg := h.navigate(t, "GET", sdk+"redirect?state=unknown-state-0123456789&code=the-code-123", nil)
		wantNoScript(t, "an unknown state", pg, "the-code-123")
	})
}

// Dynamic's React widget, in a popup, sends signIn a codeVerifier for
// every provider, though it adds a PKCE challenge to the authorize URL for
// twitter and github only (as its redirect flow and the JS SDK do): for
// google the verifier was never used, and a provider that checks (the
// test OP, zitadel/oidc) refuses an exchange carrying one.
func TestWidgetUnusedVerifierIsNotSent(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			f := newSocialFixture(t, h)
			sdk := "/sdk/" + f.env + "/providers/google/"
			state := "widget-verifier-state-0123"
			st, res := h.do(t, "POST", sdk+"initAuth", "", map[string]any{"state": state})
			wantStatus(t, "initAuth", st, 204, res)
			held := f.heldAtRedirect(t, f.env, state)
			pg := h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil)
			if pg.status != 200 {
				t.Fatalf("the redirect: %d %s", pg.status, pg.body)
			}
			st, res = f.signIn(t, f.env, map[string]any{"state": state, "code": held.Query().Get("code"),
				"codeVerifier": "an-unused-verifier-of-43-characters-0123456"})
			wantStatus(t, "signIn with the widget's unused verifier", st, 200, res)
		})
	}
}
