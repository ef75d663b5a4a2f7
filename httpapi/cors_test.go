package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// preflight sends a CORS preflight for GET path from origin.
func (h *harness) preflight(t *testing.T, path, origin, headers string) *response {
	t.Helper()
	hdr := map[string]string{"Origin": origin, "Access-Control-Request-Method": "GET"}
	if headers != "" {
		hdr["Access-Control-Request-Headers"] = headers
	}
	return h.send(t, request{method: "OPTIONS", path: path, header: hdr})
}

// corsGet sends a cross-origin GET.
func (h *harness) corsGet(t *testing.T, path, origin, token string) *response {
	t.Helper()
	return h.send(t, request{method: "GET", path: path, token: token, header: map[string]string{"Origin": origin}})
}

func wantAllowed(t *testing.T, what string, r *response, origin string) {
	t.Helper()
	if got := r.header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", what, got, origin)
	}
	if got := r.header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("%s: Access-Control-Allow-Credentials %q, want true", what, got)
	}
	if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
		t.Errorf("%s: Vary %q lacks Origin", what, r.header.Values("Vary"))
	}
}

func wantNotAllowed(t *testing.T, what string, r *response) {
	t.Helper()
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
		if v := r.header.Get(k); v != "" {
			t.Errorf("%s: %s: %q, want none", what, k, v)
		}
	}
}

func TestCORSLocalhostInSandboxWithoutOrigins(t *testing.T) {
	h := newHarness(t)
	sandbox := v0 + "/sdk/" + h.ids.EnvironmentID + "/settings"
	live := v0 + "/sdk/" + h.ids.LiveEnvironmentID + "/settings"
	for _, o := range []string{"http://localhost:3000", "http://localhost", "https://localhost:8443", "http://127.0.0.1:5173", "http://app.localhost:3000", "http://[::1]:3000"} {
		r := h.preflight(t, sandbox, o, "content-type")
		if r.status != http.StatusNoContent {
			t.Errorf("sandbox preflight from %s: status %d", o, r.status)
		}
		wantAllowed(t, "sandbox preflight from "+o, r, o)
		r = h.corsGet(t, sandbox, o, "")
		wantStatus(t, "sandbox GET from "+o, r.status, 200, r.json)
		wantAllowed(t, "sandbox GET from "+o, r, o)

		r = h.preflight(t, live, o, "content-type")
		wantNotAllowed(t, "live preflight from "+o, r)
		r = h.corsGet(t, live, o, "")
		wantStatus(t, "live GET from "+o, r.status, 200, r.json)
		wantNotAllowed(t, "live GET from "+o, r)
	}
	for _, o := range []string{"http://localhost.evil.example", "http://evil.example", "http://127.0.0.2.evil.example", "file://localhost", "null"} {
		r := h.preflight(t, sandbox, o, "")
		wantNotAllowed(t, "sandbox preflight from "+o, r)
		r = h.corsGet(t, sandbox, o, "")
		wantNotAllowed(t, "sandbox GET from "+o, r)
	}

	// Once the sandbox lists an origin, localhost is no longer implied.
	st, res := h.do(t, "POST", "/environments/"+h.ids.EnvironmentID+"/origins", h.token, map[string]any{"origin": "https://app.example.com"})
	wantStatus(t, "add origin", st, 201, res)
	wantNotAllowed(t, "sandbox with origins, localhost", h.preflight(t, sandbox, "http://localhost:3000", ""))
}

func TestCORSConfiguredOrigins(t *testing.T) {
	h := newHarness(t)
	const app = "https://app.example.com"
	var originID string
	for _, env := range []string{h.ids.EnvironmentID, h.ids.LiveEnvironmentID} {
		st, res := h.do(t, "POST", "/environments/"+env+"/origins", h.token, map[string]any{"origin": app})
		wantStatus(t, "add origin", st, 201, res)
		if env == h.ids.LiveEnvironmentID {
			originID = str(t, res, "origin.id")
		}
	}
	for _, env := range []string{h.ids.EnvironmentID, h.ids.LiveEnvironmentID} {
		settings := v0 + "/sdk/" + env + "/settings"
		r := h.preflight(t, settings, app, "X-Dyn-Version, x-dyn-api-version, Content-Type, X-Evil-Header, Cookie")
		if r.status != http.StatusNoContent {
			t.Errorf("preflight: status %d", r.status)
		}
		wantAllowed(t, "preflight", r, app)
		if m := r.header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "GET") || !strings.Contains(m, "POST") {
			t.Errorf("Access-Control-Allow-Methods %q", m)
		}
		allowed := strings.Split(r.header.Get("Access-Control-Allow-Headers"), ", ")
		for _, want := range []string{"x-dyn-version", "x-dyn-api-version", "content-type"} {
			if !contains(allowed, want) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, want)
			}
		}
		for _, not := range []string{"x-evil-header", "cookie"} {
			if contains(allowed, not) {
				t.Errorf("Access-Control-Allow-Headers %q allows %s", allowed, not)
			}
		}
		if r.header.Get("Access-Control-Max-Age") == "" {
			t.Error("preflight without Access-Control-Max-Age")
		}

		r = h.corsGet(t, settings, app, "")
		wantStatus(t, "cross-origin GET", r.status, 200, r.json)
		wantAllowed(t, "cross-origin GET", r, app)
		if e := r.header.Get("Access-Control-Expose-Headers"); !strings.Contains(e, "X-Request-Id") {
			t.Errorf("Access-Control-Expose-Headers %q lacks X-Request-Id", e)
		}
		r = h.corsGet(t, v0+"/sdk/"+env+"/healthcheck", app, "")
		wantStatus(t, "cross-origin healthcheck", r.status, 200, r.json)
		wantAllowed(t, "cross-origin healthcheck", r, app)
		// Origins are compared after normalization.
		wantAllowed(t, "upper-case origin", h.corsGet(t, settings, "https://APP.example.com", ""), "https://APP.example.com")

		for _, o := range []string{"https://evil.example", "http://app.example.com", "https://app.example.com:8443",
			"https://app.example.com.evil.example", "https://evilapp.example.com", "https://sub.app.example.com", "null", "http://localhost:3000"} {
			wantNotAllowed(t, "preflight from "+o, h.preflight(t, settings, o, "content-type"))
			r := h.corsGet(t, settings, o, "")
			wantStatus(t, "GET from "+o, r.status, 200, r.json)
			wantNotAllowed(t, "GET from "+o, r)
		}
	}

	// An origin of one environment is not an origin of another project.
	b := h.newOrganization(t, "Org B")
	wantNotAllowed(t, "other project's environment", h.preflight(t, v0+"/sdk/"+b.liveID+"/settings", app, ""))
	// An unknown environment allows nothing.
	r := h.corsGet(t, v0+"/sdk/"+randomUUID+"/settings", app, "")
	wantError(t, "unknown environment", r.status, r.json, 404)
	wantNotAllowed(t, "unknown environment", r)

	// Removing the origin revokes it.
	st, res := h.do(t, "DELETE", "/origins/"+originID, h.token, nil)
	wantStatus(t, "delete origin", st, 204, res)
	wantNotAllowed(t, "deleted origin", h.preflight(t, v0+"/sdk/"+h.ids.LiveEnvironmentID+"/settings", app, ""))
	wantAllowed(t, "sandbox keeps its origin", h.preflight(t, v0+"/sdk/"+h.ids.EnvironmentID+"/settings", app, ""), app)
}

func TestCORSNeverOnAdminRoutes(t *testing.T) {
	h := newHarness(t)
	const app = "https://app.example.com"
	st, res := h.do(t, "POST", "/environments/"+h.ids.EnvironmentID+"/origins", h.token, map[string]any{"origin": app})
	wantStatus(t, "add origin", st, 201, res)
	for _, path := range []string{
		v0 + "/environments/" + h.ids.EnvironmentID,
		v0 + "/environments/" + h.ids.EnvironmentID + "/tokens",
		v0 + "/organizations",
		v0 + "/projects/" + h.ids.ProjectID,
		"/healthz",
	} {
		r := h.corsGet(t, path, app, h.token)
		wantStatus(t, "GET "+path, r.status, 200, r.json)
		wantNotAllowed(t, "GET "+path, r)
		wantNotAllowed(t, "preflight "+path, h.preflight(t, path, app, "authorization"))
		wantNotAllowed(t, "localhost preflight "+path, h.preflight(t, path, "http://localhost:3000", "authorization"))
	}
	// Not even when the path only looks like an SDK one.
	wantNotAllowed(t, "unknown route", h.corsGet(t, v0+"/sdkx/"+h.ids.EnvironmentID+"/settings", app, ""))
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// TestCORSOriginWithDefaultPort: https://host:443 and https://host are the
// same origin (RFC 6454 serializes an origin without its scheme's default
// port, and browsers send it that way), so an origin registered with the
// default port must allow the browser's Origin header.
func TestCORSOriginWithDefaultPort(t *testing.T) {
	h := newHarness(t)
	for _, o := range []struct{ registered, browser string }{
		{"https://app.example.com:443", "https://app.example.com"},
		{"http://shop.example.com:80", "http://shop.example.com"},
	} {
		st, res := h.do(t, "POST", "/environments/"+h.ids.LiveEnvironmentID+"/origins", h.token, map[string]any{"origin": o.registered})
		wantStatus(t, "add "+o.registered, st, 201, res)
		r := h.preflight(t, v0+"/sdk/"+h.ids.LiveEnvironmentID+"/settings", o.browser, "")
		wantAllowed(t, o.browser+" after registering "+o.registered, r, o.browser)
	}
}
