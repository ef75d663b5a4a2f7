package httpapi_test

import (
	"net/url"
	"testing"
	"time"
)

// Telegram's login page (telegram/auth) is where a browser lands, as the
// social redirect routes are: a refusal it reads (an unknown or used
// state, an environment that is no UUID) is a page of its own under the
// same status, with a fixed message and nothing the request carried; a
// client asking for JSON gets the contract's error body.
func TestTelegramPageRefusals(t *testing.T) {
	h := newHarness(t)
	f := newTelegramFixture(t, h)
	page := "/sdk/" + f.env + "/telegram/auth?state="
	const again = "start the sign-in again"
	const hostile = `"><script>alert(1)</script>`

	unknown := "unknown-state-0123456789"
	p := h.navigate(t, "GET", page+unknown, nil)
	wantPage(t, "an unknown state", p, 422, again, unknown)
	p = h.navigate(t, "GET", page+url.QueryEscape(hostile), nil)
	wantPage(t, "a hostile state", p, 422, again)

	used, _ := f.login(t, widgetUser(4243, "pavel", time.Now(), telegramBotToken))
	p = h.navigate(t, "GET", page+used, nil)
	wantPage(t, "a state whose login is done", p, 422, "expired or was already used", used)

	p = h.navigate(t, "GET", "/sdk/not-a-uuid-"+url.PathEscape(hostile)+"/telegram/auth?state="+unknown, nil)
	wantPage(t, "an environment that is no UUID", p, 400, again, "not-a-uuid")

	r := h.send(t, request{method: "GET", path: v0 + page + unknown, header: map[string]string{"Accept": "application/json"}})
	wantCode(t, "the page asked for JSON", r.status, r.json, 422, "other_verify_failure")
}
