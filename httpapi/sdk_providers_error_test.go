package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A provider's error on a live state ends its login: the state takes no
// code afterwards (a code the provider, or anyone, delivers later is
// refused, and no sign-in completes with it), whether the browser went
// back to the application (dynamicOauthError) or stayed on this server's
// page of a popup, whose oauthResult then answers the login completed
// with the error and no code, as OauthResultResponse's error allows,
// rather than pending until the state expires.
func TestProviderErrorEndsTheLogin(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testProviderErrorEndsTheLogin(t, newHarnessOn(t, backend)) })
	}
}

func testProviderErrorEndsTheLogin(t *testing.T, h *harness) {
	f := newSocialFixture(t, h)
	sdk := "/sdk/" + f.env + "/providers/google/"

	t.Run("back to the application", func(t *testing.T) {
		state := "error-then-code-state-0123"
		st, res := h.do(t, "POST", sdk+"initAuth", "", map[string]any{"state": state, "redirectUrl": appReturn})
		wantStatus(t, "initAuth", st, 204, res)
		// The provider's code for the state, held back: the browser stops
		// at this server's redirect without sending it.
		held := f.heldAtRedirect(t, f.env, state)
		code := held.Query().Get("code")
		if code == "" || held.Query().Get("state") != state {
			t.Fatalf("the provider's redirect: %s", held)
		}

		pg := h.navigate(t, "GET", sdk+"redirect?state="+state+"&error=access_denied", nil)
		if pg.status != http.StatusSeeOther {
			t.Fatalf("the provider's error: %d %s", pg.status, pg.body)
		}
		pg = h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil)
		wantPage(t, "the code after the error", pg, 422, "start the sign-in again", code)
		st, res = f.signIn(t, f.env, map[string]any{"state": state, "code": code})
		wantCode(t, "a sign-in with the code after the error", st, res, 422, "other_verify_failure")
	})

	t.Run("a popup polling oauthResult", func(t *testing.T) {
		st, res := h.do(t, "GET", sdk+"loginUrl", "", nil)
		wantStatus(t, "loginUrl", st, 200, res)
		loginURL := str(t, res, "url")
		state := mustParse(t, loginURL).Query().Get("state")
		held := f.browseTo(t, loginURL, f.redirectURL(f.env))
		code := held.Query().Get("code")

		pg := h.navigate(t, "GET", sdk+"redirect?state="+state+"&error=access_denied", nil)
		wantPage(t, "the provider's error in the popup", pg, 200, "cancelled")
		wantRefused := func(what string) {
			t.Helper()
			st, res := h.do(t, "POST", sdk+"oauthResult", "", map[string]any{"state": state})
			wantStatus(t, what, st, 200, res)
			wantEq(t, res, "status", "completed")
			wantEq(t, res, "error", "access_denied")
			if has(res.(map[string]any), "code") {
				t.Errorf("%s: a code: %s", what, dump(res))
			}
		}
		wantRefused("oauthResult after the error")

		pg = h.navigate(t, "GET", sdk+"redirect?"+held.RawQuery, nil)
		wantPage(t, "the code after the error", pg, 422, "start the sign-in again", code)
		wantRefused("oauthResult after the code came")
		st, res = f.signIn(t, f.env, map[string]any{"state": state, "code": code})
		wantCode(t, "a sign-in with the code after the error", st, res, 422, "other_verify_failure")
	})
}

// The provider's error goes back to the application (dynamicOauthError)
// and to the widget's popup (authorization_response's error) only as an
// OAuth error code (RFC 6749 4.1.2.1's, or a provider's own such as
// user_cancelled_login); any other text anyone put in the redirect's
// error, for a state of their own whose return URL is the application's,
// reads provider_error, as oauthResult answers it.
func TestProviderErrorPassedOnIsACode(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	sdk := "/sdk/" + f.env + "/providers/google/"
	const hostile = "Your account is locked: call +1 555 0100 <b>now</b>"
	for i, c := range []struct{ sent, want string }{
		{hostile, "provider_error"},
		{"user_cancelled_login", "user_cancelled_login"},
		{strings.Repeat("a", 65), "provider_error"},
	} {
		t.Run("back to the application, "+c.want, func(t *testing.T) {
			state := fmt.Sprintf("error-code-app-state-%04d", i)
			st, res := h.do(t, "POST", sdk+"initAuth", "", map[string]any{"state": state, "redirectUrl": appReturn})
			wantStatus(t, "initAuth", st, 204, res)
			p := h.navigate(t, "GET", sdk+"redirect?"+url.Values{"state": {state}, "error": {c.sent}}.Encode(), nil)
			if p.status != http.StatusSeeOther {
				t.Fatalf("the provider's error: %d %s", p.status, p.body)
			}
			if got := mustParse(t, p.header.Get("Location")).Query().Get("dynamicOauthError"); got != c.want {
				t.Errorf("dynamicOauthError %q, want %q", got, c.want)
			}
		})
		t.Run("the widget's popup, "+c.want, func(t *testing.T) {
			state := fmt.Sprintf("error-code-popup-state-%04d", i)
			r := h.send(t, request{method: "POST", path: v0 + sdk + "initAuth", body: map[string]any{"state": state},
				header: map[string]string{"Origin": "http://localhost:5173"}})
			wantStatus(t, "initAuth", r.status, 204, r.json)
			pg := h.navigate(t, "GET", sdk+"redirect?"+url.Values{"state": {state}, "error": {c.sent}}.Encode(), nil)
			if d := wantPopupScript(t, "the popup's page", pg); d.Message["error"] != c.want {
				t.Errorf("posts error %q, want %q", d.Message["error"], c.want)
			}
		})
	}
}
