package httpapi_test

import (
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
)

// TestSocialProviderDown: a provider that cannot be reached is neither a
// server error nor the user's refusal: initAuth, loginUrl and
// authorizeHtml with an OpenID provider whose discovery fails, and signIn
// whose token endpoint is down, answer 422 provider_not_available, and
// the operator reads which provider of which environment failed at which
// host (never its client secret).
func TestSocialProviderDown(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testSocialProviderDown(t, backend) })
	}
}

func testSocialProviderDown(t *testing.T, backend string) {
	logs := &logBuffer{}
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	f := newSocialFixture(t, h)
	wantLogged := func(what, env, host string) {
		t.Helper()
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, "could not be reached") && strings.Contains(line, "provider=google") &&
				strings.Contains(line, "environmentId="+env) && strings.Contains(line, host) {
				return
			}
		}
		t.Errorf("%s: no log line names google, the environment and %s:\n%s", what, host, logs.String())
	}

	t.Run("token endpoint down", func(t *testing.T) {
		l := f.start(t, f.env) // discovery done; the provider then goes down
		f.op.Close()
		st, res := f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
		wantCode(t, "signIn, provider down", st, res, 422, "provider_not_available")
		u, _ := url.Parse(f.op.URL)
		wantLogged("signIn", f.env, u.Host)
	})

	t.Run("discovery fails", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		down := ln.Addr().String()
		ln.Close()
		// the live environment: the sandbox has its google provider
		env := h.ids.LiveEnvironmentID
		st, res := h.do(t, "POST", "/environments/"+env+"/settings/providers", h.token, map[string]any{
			"provider": "google", "clientId": "other-rp", "clientSecret": "rp-secret", "domain": "http://" + down})
		wantStatus(t, "a google provider at a domain that is down", st, 200, res)
		sdk := "/sdk/" + env + "/providers/google/"
		st, res = h.do(t, "POST", sdk+"initAuth", "", map[string]any{"state": "s0123456789abcdefghij"})
		wantCode(t, "initAuth", st, res, 422, "provider_not_available")
		st, res = h.do(t, "GET", sdk+"loginUrl", "", nil)
		wantCode(t, "loginUrl", st, res, 422, "provider_not_available")
		st, res = h.do(t, "GET", sdk+"authorizeHtml?state=s0123456789abcdefghik", "", nil)
		wantCode(t, "authorizeHtml", st, res, 422, "provider_not_available")
		wantLogged("discovery", env, down)
	})
	if strings.Contains(logs.String(), "rp-secret") {
		t.Errorf("the client secret in the logs:\n%s", logs.String())
	}
}

// TestOAuthRefreshProviderDown: oauthAccounts/{id}/accessToken refreshing
// an expired token answers 422 provider_not_available either way, but the
// operator reads which: a provider that refuses the refresh (here its
// client authentication) is named with its OAuth error and status, and
// one that is down is logged as unreachable, as at the code exchange, not
// as a refusal.
func TestOAuthRefreshProviderDown(t *testing.T) {
	logs := &logBuffer{}
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	f := newSocialFixture(t, h)
	f.setScopes(t, f.env, "openid email profile offline_access")
	f.op.SetAccessTokenLifetime(10 * time.Second) // within the refresh margin
	_, credID, jwt := f.socialSignIn(t, f.env)
	linesWith := func(s string) []string {
		var out []string
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, s) {
				out = append(out, line)
			}
		}
		return out
	}

	f.op.CheckSecret(func(string) error { return errors.New("client secret rotated") })
	for range 5 { // each read tries again; the warning is told once a while
		st, res := f.accessToken(t, f.env, credID, jwt)
		wantCode(t, "refresh refused", st, res, 422, "provider_not_available")
	}
	refused := linesWith("refused to refresh")
	if len(refused) != 1 || !strings.Contains(refused[0], "(HTTP 401)") || !strings.Contains(refused[0], "invalid_client") {
		t.Fatalf("the refusal logged as %q, want its OAuth error and status:\n%s", refused, logs.String())
	}

	f.op.Close()
	st, res := f.accessToken(t, f.env, credID, jwt)
	wantCode(t, "refresh, provider down", st, res, 422, "provider_not_available")
	if n := len(linesWith("refused to refresh")); n != 1 {
		t.Errorf("the outage logged as the provider's refusal:\n%s", logs.String())
	}
	u, _ := url.Parse(f.op.URL)
	down := linesWith("could not be reached")
	if len(down) != 1 || !strings.Contains(down[0], "endpoint=token") || !strings.Contains(down[0], u.Host) ||
		!strings.Contains(down[0], "environmentId="+f.env) || !strings.Contains(down[0], "provider=google") {
		t.Fatalf("the outage logged as %q, want the token endpoint at %s unreachable:\n%s", down, u.Host, logs.String())
	}
}
