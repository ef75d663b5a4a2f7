package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// testClock is a settable clock for a harness.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// eventPages follows the cursor from query to the end and returns every
// event, in the order served, and the number of pages.
func (h *harness) eventPages(t *testing.T, envID, query string) ([]map[string]any, int) {
	t.Helper()
	var out []map[string]any
	cursor, pages := "", 0
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		st, res := h.do(t, "GET", "/environments/"+envID+"/events?"+q, h.token, nil)
		wantStatus(t, "events ?"+q, st, 200, res)
		pages++
		for _, e := range list(t, res, "data") {
			out = append(out, e.(map[string]any))
		}
		next, _ := res.(map[string]any)["cursor"].(string)
		if next == "" {
			return out, pages
		}
		if pages > 10 {
			t.Fatalf("events ?%s: more than 10 pages", query)
		}
		cursor = next
	}
}

func TestEventsAPI(t *testing.T) {
	clock := &testClock{t: time.Date(2025, 12, 31, 23, 58, 0, 0, time.UTC)}
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.Now = clock.now
		c.RateLimits = &ratelimit.Policy{Disabled: true}
	})
	env := h.ids.EnvironmentID
	var userIDs []string
	for i := range 3 {
		clock.set(time.Date(2025, 12, 31, 23, 58, i, 0, time.UTC))
		userIDs = append(userIDs, str(t, h.createUser(t, env, map[string]any{"email": fmt.Sprintf("e%d@example.com", i)}), "id"))
	}
	const visits = 101 // one more than a page
	for i := range visits {
		clock.set(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))
		st, res := h.do(t, "POST", "/sdk/"+env+"/connect", "", map[string]any{
			"address": fmt.Sprintf("0x%040x", i+1), "chain": "EVM", "provider": "browserExtension", "walletName": "metamask"})
		wantStatus(t, "connect", st, 204, res)
	}

	all, pages := h.eventPages(t, env, "")
	if len(all) != 3+visits || pages != 2 {
		t.Fatalf("all events: %d in %d pages, want %d in 2", len(all), pages, 3+visits)
	}
	seen := map[string]bool{}
	var prev time.Time
	for i, e := range all {
		id := str(t, e, "eventId")
		if seen[id] {
			t.Fatalf("event %s served twice across pages", id)
		}
		seen[id] = true
		at := parseTime(t, e, "timestamp")
		if i > 0 && at.After(prev) {
			t.Fatalf("event %d (%s) is newer than the one before it: not newest first", i, at)
		}
		prev = at
	}
	newest := all[0]
	wantEq(t, newest, "eventName", "visit.created")
	wantEq(t, newest, "resourceType", "visit")
	wantEq(t, newest, "eventAction", "created")
	wantEq(t, newest, "environmentName", "sandbox")
	wantEq(t, newest, "data.walletPublicKey", fmt.Sprintf("0x%040x", visits))
	wantEq(t, newest, "timestamp", "2026-01-01T00:01:40.000Z")
	if has(newest, "context.userId") {
		t.Fatalf("a visit has no actor: %v", newest)
	}
	oldest := all[len(all)-1]
	wantEq(t, oldest, "eventName", "user.created")
	wantEq(t, oldest, "context.userId", userIDs[0])

	for _, tc := range []struct {
		query string
		n     int
		name  string
	}{
		{"resourceType=user", 3, "user.created"},
		{"resourceType=visit", visits, "visit.created"},
		{"resourceType=wallet", 0, ""},
		{"startDate=2026-01-01", visits, "visit.created"},
		{"endDate=2025-12-31", 3, "user.created"},
		{"startDate=2025-12-31T23:58:01Z&endDate=2026-01-01T00:00:00Z", 3, ""}, // both bounds inclusive as instants
		{"resourceType=visit&startDate=2026-01-01T00:01:00Z", visits - 60, "visit.created"},
	} {
		got, _ := h.eventPages(t, env, tc.query)
		if len(got) != tc.n {
			t.Errorf("?%s: %d events, want %d", tc.query, len(got), tc.n)
		}
		for _, e := range got {
			if tc.name != "" && e["eventName"] != tc.name {
				t.Errorf("?%s: served %v", tc.query, e["eventName"])
			}
		}
	}

	// One event by id; not through another environment.
	id := str(t, newest, "eventId")
	st, res := h.do(t, "GET", "/environments/"+env+"/events/"+id, h.token, nil)
	wantStatus(t, "get event", st, 200, res)
	wantEq(t, res, "eventId", id)
	st, res = h.do(t, "GET", "/environments/"+h.ids.LiveEnvironmentID+"/events/"+id, h.token, nil)
	wantStatus(t, "an event through another environment", st, 404, res)
	st, res = h.do(t, "GET", "/environments/"+h.ids.LiveEnvironmentID+"/events", h.token, nil)
	wantStatus(t, "the other environment's events", st, 200, res)
	if n := len(list(t, res, "data")); n != 0 {
		t.Fatalf("the live environment lists %d of the sandbox's events", n)
	}

	for _, q := range []string{"startDate=yesterday", "startDate=2026-01-02&endDate=2026-01-01", "cursor=not-a-cursor",
		"resourceType=" + strings.Repeat("x", 101)} {
		st, res = h.do(t, "GET", "/environments/"+env+"/events?"+q, h.token, nil)
		wantStatus(t, "events ?"+q, st, 400, res)
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/events", "", nil)
	wantStatus(t, "events without a token", st, 401, res)
}

func TestPublishSDKEvents(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	ev := func(name string) map[string]any {
		return map[string]any{"anonymousId": "anon-1", "event": name, "type": "track",
			"properties": map[string]any{"page": map[string]any{"path": "/"}}}
	}
	st, res := h.do(t, "POST", "/sdk/"+env+"/events", "", map[string]any{"events": []any{ev("page_view"), ev("wallet_list_open")}})
	wantStatus(t, "publish", st, 204, res)

	many := make([]any, 51)
	for i := range many {
		many[i] = ev("e")
	}
	big := ev("big")
	big["properties"] = map[string]any{"blob": map[string]any{"x": strings.Repeat("a", 70<<10)}}
	bigProps := ev("big")
	bigProps["properties"] = map[string]any{"blob": map[string]any{"x": strings.Repeat("a", 9<<10)}}
	for what, body := range map[string]any{
		"no events":                    map[string]any{"events": []any{}},
		"51 events":                    map[string]any{"events": many},
		"a body over 64 KiB":           map[string]any{"events": []any{big}},
		"properties over 8 KiB":        map[string]any{"events": []any{bigProps}},
		"a type other than track":      map[string]any{"events": []any{map[string]any{"anonymousId": "a", "event": "x", "type": "page", "properties": map[string]any{}}}},
		"an empty event name":          map[string]any{"events": []any{ev("")}},
		"an event name over 200 bytes": map[string]any{"events": []any{ev(strings.Repeat("n", 201))}},
		"no anonymousId":               map[string]any{"events": []any{map[string]any{"event": "x", "type": "track", "properties": map[string]any{}}}},
	} {
		st, res := h.do(t, "POST", "/sdk/"+env+"/events", "", body)
		wantStatus(t, what, st, http.StatusBadRequest, res)
	}
	st, res = h.do(t, "POST", "/sdk/"+newUUID(t)+"/events", "", map[string]any{"events": []any{ev("x")}})
	wantStatus(t, "an unknown environment", st, 404, res)
}
