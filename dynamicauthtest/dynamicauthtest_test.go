package dynamicauthtest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/verifier"
)

// TestProtectedHandler is the kit's promise in a few lines: a signed-in
// wallet reaches a route protected by the in-process verifier, a stranger
// does not, and a revoked session is refused at once.
func TestProtectedHandler(t *testing.T) {
	app := dynamicauthtest.New(t)
	v, err := app.Verifier(app.IDs.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := verifier.ClaimsFrom(r.Context())
		w.Write([]byte(c.Sub))
	}))
	get := func(token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	s := dynamicauthtest.SignInWallet(t, app)
	if rec := get(s.MinifiedJWT); rec.Code != 200 || rec.Body.String() != s.UserID {
		t.Fatalf("signed-in user: %d %q, want 200 %q", rec.Code, rec.Body, s.UserID)
	}
	if rec := get("not-a-token"); rec.Code != 401 {
		t.Fatalf("garbage token: %d, want 401", rec.Code)
	}
	if err := app.Sessions().RevokeAll(t.Context(), app.System, app.IDs.EnvironmentID, s.UserID); err != nil {
		t.Fatal(err)
	}
	if rec := get(s.MinifiedJWT); rec.Code != 401 {
		t.Fatalf("revoked session: %d, want 401", rec.Code)
	}
}

// TestLoopbackOrigins: in the sandbox a dev server on a loopback address
// signs in as one on localhost does.
func TestLoopbackOrigins(t *testing.T) {
	app := dynamicauthtest.New(t)
	for _, origin := range []string{"http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080"} {
		app.Origin = origin
		dynamicauthtest.SignInWallet(t, app)
	}
	app.Origin = "https://evil.example"
	if st, _ := app.TrySignIn(t, dynamicauthtest.NewWallet(t)); st < 400 || st >= 500 {
		t.Fatalf("a foreign origin signs in to a sandbox without origins: %d", st)
	}
}
