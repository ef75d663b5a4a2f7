package verifier

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
)

func TestMiddleware(t *testing.T) {
	k := keys()
	clk := newClock()
	v := newVerifier(t, newJWKSServer(t, k.rsa), clk)
	valid := mintMod(t, k.rsa, clk.Now(), nil)
	expired := mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) { c.Exp = clk.Now().Add(-time.Hour).Unix() })
	mfaPending := mintMod(t, k.rsa, clk.Now(), func(c *session.Minified) { c.Scope = "requiresAdditionalAuth" })

	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFrom(r.Context())
		if !ok {
			t.Error("no claims in context")
			return
		}
		_, _ = w.Write([]byte(c.Sub))
	}))

	cases := []struct {
		name       string
		auth       string
		cookie     string
		wantStatus int
		wantBody   string // the sub on success, else the error message
	}{
		{"bearer", "Bearer " + valid, "", 200, "user-1"},
		{"lowercase scheme", "bearer " + valid, "", 200, "user-1"},
		{"cookie", "", valid, 200, "user-1"},
		{"no token", "", "", 401, "missing bearer token"},
		{"basic auth", "Basic dXNlcjpwYXNz", valid, 401, "missing bearer token"},
		{"empty bearer", "Bearer ", "", 401, "missing bearer token"},
		{"garbage", "Bearer abc.def.ghi", "", 401, "invalid token"},
		{"expired", "Bearer " + expired, "", 401, "token expired"},
		{"mfa pending", "Bearer " + mfaPending, "", 401, "insufficient scope"},
		{"bad cookie", "", "nope", 401, "invalid token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: CookieName, Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == 200 {
				if rec.Body.String() != tc.wantBody {
					t.Errorf("body = %q", rec.Body)
				}
				return
			}
			assertErrorBody(t, rec, tc.wantBody)
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestMiddlewareKeysUnavailable(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	srv.configure(func(s *jwksServer) { s.status = http.StatusBadGateway })
	clk := newClock()
	v := newVerifier(t, srv, clk)
	h := v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler reached") }))
	req := httptest.NewRequest(http.MethodGet, "/api/private", nil)
	req.Header.Set("Authorization", "Bearer "+mintMod(t, k.rsa, clk.Now(), nil))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", rec.Code)
	}
	assertErrorBody(t, rec, "token verification unavailable")
}

func assertErrorBody(t *testing.T, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if len(body) != 1 || body["error"] != want {
		t.Errorf("body = %v, want error %q", body, want)
	}
}
