package httpapi_test

import (
	"regexp"
	"strings"
	"testing"
)

var generatedID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestRequestIDEchoed(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		name string
		rq   request
	}{
		{"success", request{method: "GET", path: v0 + "/organizations", token: h.token}},
		{"unauthorized", request{method: "GET", path: v0 + "/organizations"}},
		{"bad request", request{method: "GET", path: v0 + "/projects/xyz", token: h.token}},
		{"not found", request{method: "GET", path: v0 + "/environments/" + randomUUID, token: h.token}},
		{"unknown route", request{method: "GET", path: v0 + "/nope"}},
		{"wrong method", request{method: "DELETE", path: v0 + "/organizations", token: h.token}},
		{"sdk", request{method: "GET", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/settings"}},
		{"preflight", request{method: "OPTIONS", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/settings",
			header: map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}}},
		{"healthz", request{method: "GET", path: "/healthz"}},
	}
	for _, tc := range cases {
		for _, id := range []string{"req-123_ABC.def", "0123456789abcdef0123456789abcdef", strings.Repeat("x", 64)} {
			rq := tc.rq
			rq.header = map[string]string{"X-Request-Id": id}
			for k, v := range tc.rq.header {
				rq.header[k] = v
			}
			r := h.send(t, rq)
			if got := r.header.Get("X-Request-Id"); got != id {
				t.Errorf("%s: X-Request-Id %q, want the caller's %q", tc.name, got, id)
			}
		}
	}
}

func TestRequestIDGenerated(t *testing.T) {
	h := newHarness(t)
	seen := map[string]bool{}
	for _, sent := range []string{"", "has space", "<script>alert(1)</script>", strings.Repeat("x", 65),
		"a/b", "ünïcode", "id\tTab", "a,b", `"quoted"`} {
		hdr := map[string]string{}
		if sent != "" {
			hdr["X-Request-Id"] = sent
		}
		r := h.send(t, request{method: "GET", path: v0 + "/organizations", token: h.token, header: hdr})
		wantStatus(t, "list organizations", r.status, 200, r.json)
		got := r.header.Get("X-Request-Id")
		if !generatedID.MatchString(got) {
			t.Errorf("sent %q: X-Request-Id %q, want a generated one", sent, got)
		}
		if seen[got] {
			t.Errorf("request id %q generated twice", got)
		}
		seen[got] = true
	}
}

// TestServerErrorQuotesRequestID: with the store gone, requests fail with a
// 500 that carries the request id in its header and message and nothing
// about the cause.
func TestServerErrorQuotesRequestID(t *testing.T) {
	h := newHarness(t)
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := h.send(t, request{method: "GET", path: v0 + "/organizations", token: h.token,
		header: map[string]string{"X-Request-Id": "trace-500-abc"}})
	wantError(t, "store closed", r.status, r.json, 500, "trace-500-abc")
	if got := r.header.Get("X-Request-Id"); got != "trace-500-abc" {
		t.Errorf("X-Request-Id %q, want trace-500-abc", got)
	}
	low := strings.ToLower(string(r.raw))
	for _, leak := range []string{"sql", "database", "closed", "sqlite"} {
		if strings.Contains(low, leak) {
			t.Errorf("500 body leaks %q: %s", leak, r.raw)
		}
	}

	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/settings"})
	wantError(t, "sdk settings with the store closed", r.status, r.json, 500)
	if id := r.header.Get("X-Request-Id"); !generatedID.MatchString(id) || !strings.Contains(str(t, r.json, "error"), id) {
		t.Errorf("500 error %q does not quote the generated request id %q", str(t, r.json, "error"), id)
	}

	r = h.send(t, request{method: "GET", path: "/readyz"})
	wantError(t, "readyz with the store closed", r.status, r.json, 503)
}
