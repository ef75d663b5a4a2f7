package httpapi_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
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

// Telegram's login page asks its opener for its origin (origin_check)
// only at the origin that announced the login (initAuth's Origin), and
// takes the answer from that origin alone, as the social popup's page
// does; a login no origin announced keeps "*" for that question, which
// carries nothing (the code goes to the answering origin only once the
// server allowed it).
func TestTelegramPageAsksTheAnnouncedOrigin(t *testing.T) {
	h := newHarness(t)
	f := newTelegramFixture(t, h)
	config := regexp.MustCompile(`var cfg = (\{.*\});`)
	cfgOf := func(state string) map[string]string {
		t.Helper()
		p := h.navigate(t, "GET", "/sdk/"+f.env+"/telegram/auth?state="+state, nil)
		if p.status != 200 {
			t.Fatalf("the page: %d %s", p.status, p.body)
		}
		for _, want := range []string{`postMessage({ type: "origin_check" }, cfg.origin || "*")`,
			`if (cfg.origin && e.origin !== cfg.origin) return;`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page's script lacks %s: %s", want, p.body)
			}
		}
		m := config.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no config on the page: %s", p.body)
		}
		var cfg map[string]string
		if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
			t.Fatalf("config %s: %v", m[1], err)
		}
		return cfg
	}
	state := "tg-page-origin-state-0123"
	r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + f.env + "/providers/telegram/initAuth",
		body: map[string]any{"state": state}, header: map[string]string{"Origin": telegramApp}})
	wantStatus(t, "initAuth from the application", r.status, 204, r.json)
	if got := cfgOf(state)["origin"]; got != telegramApp {
		t.Errorf("the page asks %q, want the announcing origin %q", got, telegramApp)
	}
	if got := cfgOf(f.state(t, f.env))["origin"]; got != "" {
		t.Errorf("a login no origin announced: the page asks %q", got)
	}
}
