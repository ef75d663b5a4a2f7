package dynamicauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/social/oidctest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// oauthApp is an application that signs users in with a real OpenID
// provider through the Go API: its callback receives the code.
type oauthApp struct {
	auth     *dynamicauth.Auth
	system   *dynamicauth.Principal
	env      string
	op       *oidctest.OP
	callback string
}

func newOAuthApp(t *testing.T, opts ...func(*dynamicauth.Config)) *oauthApp {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The test's provider runs on loopback, which the server reaches only when allowed.
	cfg := dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32), SocialAllowPrivate: true}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := dynamicauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ids, _, err := a.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The callback is never served: the test's browser stops at it.
	app := &oauthApp{auth: a, system: dynamicauth.System(ids.OrganizationID), env: ids.EnvironmentID,
		callback: "http://app.invalid/oauth/callback"}
	app.op = oidctest.Start(t, "go-app", "go-app-secret", app.callback)
	typ, id, secret, domain, scopes := social.Google, "go-app", "go-app-secret", app.op.URL, "openid email profile"
	if _, err := a.Providers().Create(ctx, dynamicauth.System(ids.OrganizationID), ids.EnvironmentID,
		social.ProviderInput{Type: &typ, ClientID: &id, ClientSecret: &secret, Domain: &domain, Scopes: &scopes}); err != nil {
		t.Fatal(err)
	}
	return app
}

// login starts a login bound to binding and takes the browser through the
// provider's login page back to the application's callback: the request
// to finish it, with the code and state the callback received.
func (app *oauthApp) login(t *testing.T, binding string) signin.OAuthRequest {
	t.Helper()
	start, err := app.auth.StartOAuth(context.Background(), app.env,
		dynamicauth.OAuthLogin{Provider: social.Google, RedirectURL: app.callback, Binding: binding})
	if err != nil {
		t.Fatal(err)
	}
	var back *url.URL
	browser := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Host == "app.invalid" {
			back = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if back == nil || back.Query().Get("state") != start.State || back.Query().Get("code") == "" {
		t.Fatalf("the browser came back with %v (started with state %s)", back, start.State)
	}
	return signin.OAuthRequest{EnvironmentID: app.env, Provider: social.Google, RedirectURL: app.callback,
		State: back.Query().Get("state"), Code: back.Query().Get("code"), Binding: binding}
}

func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("%s: %v; want a %v refusal", what, err, kind)
	}
}

// Social sign-in from Go: the login the application starts, bound to its
// browser, signs the provider's account in once and only with that
// binding; LinkOAuth keeps an account to the user who signs in with it.
func TestSignInWithOAuthFromGo(t *testing.T) {
	ctx := context.Background()
	app := newOAuthApp(t)
	app.op.AddUser(oidctest.User{ID: "op-ada", Email: "ada@example.com", Name: "Ada", EmailVerified: true})

	req := app.login(t, "ada-browser")
	ada, err := app.auth.SignInWithOAuth(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	c := ada.User.Credentials
	if !ada.NewUser || ada.Tokens == nil || len(c) == 0 || c[0].Chain != social.Google || c[0].Address != "op-ada" {
		t.Fatalf("signed in as %+v (new %v)", c, ada.NewUser)
	}
	_, err = app.auth.SignInWithOAuth(ctx, req)
	wantKind(t, "the same state again", err, errs.KindUnprocessable)

	// A code lured out of Ada's browser signs no one in elsewhere.
	lured := app.login(t, "ada-browser")
	lured.Binding = "mallory-browser"
	_, err = app.auth.SignInWithOAuth(ctx, lured)
	wantKind(t, "another browser's binding", err, errs.KindUnprocessable)
	lured.Binding = ""
	_, err = app.auth.SignInWithOAuth(ctx, lured)
	wantKind(t, "no binding", err, errs.KindUnprocessable)

	// Grace cannot link the account Ada signs in with.
	app.op.AddUser(oidctest.User{ID: "op-grace", Email: "grace@example.com", Name: "Grace", EmailVerified: true})
	grace, err := app.auth.SignInWithOAuth(ctx, app.login(t, "grace-browser"))
	if err != nil || grace.User.ID == ada.User.ID {
		t.Fatalf("Grace's sign-in: %v", err)
	}
	app.op.AddUser(oidctest.User{ID: "op-ada", Email: "ada@example.com", Name: "Ada", EmailVerified: true})
	_, err = app.auth.LinkOAuth(ctx, app.env, grace.Tokens.MinifiedJWT, app.login(t, "grace-browser"))
	if e := (*errs.E)(nil); !errors.As(err, &e) || e.Code != signin.CodeSocialAccountExists {
		t.Fatalf("Grace links Ada's account: %v; want %s", err, signin.CodeSocialAccountExists)
	}
	_, err = app.auth.LinkOAuth(ctx, app.env, "not-a-session", app.login(t, "grace-browser"))
	wantKind(t, "link without a session", err, errs.KindUnauthorized)
}

// TestOAuthAccessTokenFromGo: the provider's access token of the
// session's user's own social account (OAuthAccessToken,
// oauthAccounts/{id}/accessToken) works at the provider for that
// account; another user's account, and an id that is no account, are not
// found.
func TestOAuthAccessTokenFromGo(t *testing.T) {
	ctx := context.Background()
	app := newOAuthApp(t)
	app.op.AddUser(oidctest.User{ID: "op-ada", Email: "ada@example.com", Name: "Ada", EmailVerified: true})
	ada, err := app.auth.SignInWithOAuth(ctx, app.login(t, "ada-browser"))
	if err != nil {
		t.Fatal(err)
	}
	app.op.AddUser(oidctest.User{ID: "op-grace", Email: "grace@example.com", Name: "Grace", EmailVerified: true})
	grace, err := app.auth.SignInWithOAuth(ctx, app.login(t, "grace-browser"))
	if err != nil {
		t.Fatal(err)
	}
	account := ada.User.Credentials[0].ID
	tok, err := app.auth.OAuthAccessToken(ctx, app.env, ada.Tokens.MinifiedJWT, account)
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := app.op.UserInfo(tok); err != nil || sub != "op-ada" {
		t.Fatalf("the token at the provider's userinfo: %q, %v", sub, err)
	}
	_, err = app.auth.OAuthAccessToken(ctx, app.env, grace.Tokens.MinifiedJWT, account)
	if !errors.Is(err, social.ErrAccountNotFound) {
		t.Fatalf("Grace reads Ada's account's token: %v, want %v", err, social.ErrAccountNotFound)
	}
	_, err = app.auth.OAuthAccessToken(ctx, app.env, ada.Tokens.MinifiedJWT, "00000000-0000-4000-8000-000000000001")
	wantKind(t, "an id that is no account", err, errs.KindNotFound)
}
