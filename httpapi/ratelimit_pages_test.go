package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// A browser held back by the rate limit on a route it navigates to (the
// provider's redirect, Telegram's login page) reads the refusal as a page
// like the route's other refusals, Retry-After kept; a fetch of the same
// route, and a browser's request of a route the SDK fetches, keep the
// contract's JSON body.
func TestRateLimitedBrowserRoutePage(t *testing.T) {
	srv, env := rateLimitedServer(t, ratelimit.Policy{SDK: ratelimit.Rule{Burst: 100, Per: time.Minute},
		Nonces: ratelimit.Rule{Burst: 100, Per: time.Minute}, SignIn: ratelimit.Rule{Burst: 1, Per: time.Minute}})
	sdk := srv.URL + v0 + "/sdk/" + env
	get := func(url, accept string) page {
		t.Helper()
		return requestPage(t, http.MethodGet, url, accept, nil)
	}
	wantRetryAfter := func(what string, p page) {
		t.Helper()
		if secs, err := strconv.Atoi(p.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
			t.Errorf("%s: Retry-After %q", what, p.header.Get("Retry-After"))
		}
	}
	wantJSON := func(what string, p page) {
		t.Helper()
		var body map[string]any
		if p.status != http.StatusTooManyRequests || json.Unmarshal([]byte(p.body), &body) != nil || body["error"] == nil {
			t.Errorf("%s: %d %q, want the 429 JSON body", what, p.status, p.body)
		}
		wantRetryAfter(what, p)
	}
	redirect := sdk + "/providers/google/redirect?state=s0&code=c0de"
	_ = get(redirect, browserAccept) // the sign-in bucket's one request
	p := get(redirect, browserAccept)
	wantPage(t, "the provider's redirect, limited", p, http.StatusTooManyRequests, "Too many sign-in attempts", "s0", "c0de")
	wantRetryAfter("the provider's redirect, limited", p)
	wantPage(t, "Telegram's login page, limited", get(sdk+"/telegram/auth?state=s0", browserAccept),
		http.StatusTooManyRequests, "Too many sign-in attempts", "s0")
	wantJSON("a fetch of the provider's redirect", get(redirect, "application/json"))
	wantJSON("loginUrl, fetched by the SDK", get(sdk+"/providers/google/loginUrl", browserAccept))
}
