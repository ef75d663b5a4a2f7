package dynamicauth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/verifier"
)

// TestSessionCookieFromGo: a sign-in made from Go in an environment in
// cookie mode says so (Result.Cookie), and SessionCookie is the HttpOnly
// cookie holding its minified JWT, which the application's
// verifier.Middleware accepts; in local storage there is no cookie.
func TestSessionCookieFromGo(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		enableEmailCodes(t, app)
		signIn := func(email string) *signin.Result { return emailSignIn(t, app, box, email, nil) }
		if res := signIn("local@example.com"); res.Cookie || app.SessionCookie(res, true) != nil {
			t.Fatalf("local storage: Cookie %t, a session cookie", res.Cookie)
		}
		updateSettings(t, app, func(settings map[string]any) {
			settings["security"].(map[string]any)["auth"] = map[string]any{"storage": []any{"cookie"}}
		})
		res := signIn("cookie@example.com")
		c := app.SessionCookie(res, true)
		if !res.Cookie || c == nil {
			t.Fatalf("cookie mode: Cookie %t, cookie %v", res.Cookie, c)
		}
		if c.Name != verifier.CookieName || c.Value != res.Tokens.MinifiedJWT || !c.HttpOnly || !c.Secure ||
			c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
			t.Fatalf("session cookie: %+v", c)
		}
		v, err := app.Verifier(app.IDs.EnvironmentID, dynamicauth.WithAudience(app.Origin))
		if err != nil {
			t.Fatal(err)
		}
		var sub string
		h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claims, _ := verifier.ClaimsFrom(r.Context())
			sub = claims.Sub
		}))
		req := httptest.NewRequest("GET", "/private", nil)
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || sub != res.User.ID {
			t.Fatalf("the app's middleware with the cookie: %d, sub %q (user %s)", rec.Code, sub, res.User.ID)
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box })
}
