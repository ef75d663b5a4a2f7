package httpapi_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/social/oidctest"
)

// setScopes replaces the google provider's scopes (offline_access asks
// the test provider for a refresh token).
func (f *socialFixture) setScopes(t *testing.T, env, scopes string) {
	t.Helper()
	st, res := f.h.do(t, "GET", "/environments/"+env+"/settings/providers", f.h.token, nil)
	wantStatus(t, "list providers", st, 200, res)
	p := find(t, list(t, res, "providers"), "provider", "google")
	st, res = f.h.do(t, "PUT", "/settings/providers/"+str(t, p, "id"), f.h.token, map[string]any{"scopes": scopes})
	wantStatus(t, "update scopes", st, 200, res)
}

// socialSignIn runs a whole login and returns the user id, the oauth
// credential's id and the session token.
func (f *socialFixture) socialSignIn(t *testing.T, env string) (userID, credID, jwt string) {
	t.Helper()
	l := f.start(t, env)
	st, res := f.signIn(t, env, map[string]any{"state": l.state, "code": l.code, "codeVerifier": l.verifier})
	wantStatus(t, "signIn", st, 200, res)
	cred := find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth")
	return str(t, res, "user.id"), str(t, cred, "id"), str(t, res, "minifiedJwt")
}

func (f *socialFixture) accessToken(t *testing.T, env, credID, jwt string) (int, any) {
	t.Helper()
	return f.h.do(t, "GET", "/sdk/"+env+"/oauthAccounts/"+credID+"/accessToken", jwt, nil)
}

// The provider's access token of a social account, kept sealed, served
// to its owner and to an admin of its environment, and working at the
// provider (its userinfo endpoint names the account); nobody else's.
func TestOAuthAccessToken(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testOAuthAccessToken(t, newHarnessOn(t, backend)) })
	}
}

func testOAuthAccessToken(t *testing.T, h *harness) {
	f := newSocialFixture(t, h)
	f.setScopes(t, f.env, "openid email profile offline_access")
	userID, credID, jwt := f.socialSignIn(t, f.env)

	st, res := f.accessToken(t, f.env, credID, jwt)
	wantStatus(t, "owner reads the access token", st, 200, res)
	tok := str(t, res, "accessToken")
	if sub, err := f.op.UserInfo(tok); err != nil || sub != "op-user-1" {
		t.Fatalf("the served token at the provider's userinfo: %q, %v", sub, err)
	}
	st, res = h.do(t, "GET", "/oauthAccounts/"+credID+"/accessToken", h.token, nil)
	wantStatus(t, "admin reads the access token", st, 200, res)
	if str(t, res, "accessToken") != tok {
		t.Fatalf("admin got another token than the owner")
	}

	// At rest it is sealed: the stored bytes do not hold the token.
	acc, err := h.store.GetOAuthAccount(context.Background(), credID)
	if err != nil || acc.Sealed == nil || len(acc.Sealed.Refresh) == 0 {
		t.Fatalf("stored account %+v, %v (want access and refresh tokens)", acc, err)
	}
	if bytes.Contains(acc.Sealed.Access, []byte(tok)) || acc.UserID != userID {
		t.Fatalf("the access token is stored in the clear, or for another user")
	}

	t.Run("refused to others", func(t *testing.T) {
		st, res := f.accessToken(t, f.env, credID, "")
		wantError(t, "no session", st, res, 401)
		_, _, other := h.signIn(t, f.env, newEVMWallet(t))
		st, res = f.accessToken(t, f.env, credID, other)
		wantCode(t, "another user's account", st, res, 404, "oauth_account_not_found")
		st, res = h.do(t, "POST", "/environments/"+h.ids.LiveEnvironmentID+"/origins", h.token,
			map[string]any{"origin": "http://localhost:3000"})
		wantStatus(t, "allow the origin in live", st, 201, res)
		_, _, liveJWT := h.signIn(t, h.ids.LiveEnvironmentID, newEVMWallet(t))
		st, res = f.accessToken(t, h.ids.LiveEnvironmentID, credID, liveJWT)
		wantCode(t, "from another environment", st, res, 404, "oauth_account_not_found")
		st, res = f.accessToken(t, h.ids.LiveEnvironmentID, credID, jwt)
		wantError(t, "the owner's token on another environment's path", st, res, 401)
		walletUser, _, walletJWT := h.signIn(t, f.env, newEVMWallet(t))
		st, res = h.do(t, "GET", "/users/"+walletUser, h.token, nil)
		wantStatus(t, "wallet user", st, 200, res)
		walletCred := str(t, list(t, res, "user.verifiedCredentials")[0], "id")
		st, res = f.accessToken(t, f.env, walletCred, walletJWT)
		wantCode(t, "a wallet is no social account", st, res, 404, "oauth_account_not_found")
		st, res = f.accessToken(t, f.env, newUUID(t), jwt)
		wantCode(t, "unknown account", st, res, 404, "oauth_account_not_found")

		org := h.newOrganization(t, "elsewhere")
		_, foreign := h.envToken(t, h.token, org.sandboxID)
		st, res = h.do(t, "GET", "/oauthAccounts/"+credID+"/accessToken", foreign, nil)
		wantCode(t, "admin of another organization", st, res, 404, "oauth_account_not_found")
		_, liveToken := h.envToken(t, h.token, h.ids.LiveEnvironmentID)
		st, res = h.do(t, "GET", "/oauthAccounts/"+credID+"/accessToken", liveToken, nil)
		if st != 403 && st != 404 {
			t.Fatalf("a token of the live environment read a sandbox account: %d %s", st, dump(res))
		}
	})

	t.Run("expired token refreshed", func(t *testing.T) {
		// Issued to live ten seconds: within the margin where a token is
		// refreshed before it is served.
		f.op.SetAccessTokenLifetime(10 * time.Second)
		_, again, jwt := f.socialSignIn(t, f.env)
		f.op.SetAccessTokenLifetime(time.Hour)
		if again != credID {
			t.Fatalf("a second login made another account %s", again)
		}
		before := f.op.Refreshes()
		st, res := f.accessToken(t, f.env, credID, jwt)
		wantStatus(t, "expired token read", st, 200, res)
		fresh := str(t, res, "accessToken")
		if f.op.Refreshes() != before+1 || fresh == tok {
			t.Fatalf("refreshes %d -> %d; token changed: %v", before, f.op.Refreshes(), fresh != tok)
		}
		if sub, err := f.op.UserInfo(fresh); err != nil || sub != "op-user-1" {
			t.Fatalf("the refreshed token at userinfo: %q, %v", sub, err)
		}
		st, res = f.accessToken(t, f.env, credID, jwt)
		wantStatus(t, "read after the refresh", st, 200, res)
		if str(t, res, "accessToken") != fresh || f.op.Refreshes() != before+1 {
			t.Fatal("a fresh token was refreshed again")
		}
	})

	t.Run("expired without a refresh token", func(t *testing.T) {
		f.op.AddUser(oidctest.User{ID: "op-user-2", Email: "bea@example.com", Name: "Bea", EmailVerified: true})
		f.setScopes(t, f.env, "openid email profile")
		f.op.SetAccessTokenLifetime(10 * time.Second)
		defer f.op.SetAccessTokenLifetime(time.Hour)
		_, cred2, jwt2 := f.socialSignIn(t, f.env)
		st, res := f.accessToken(t, f.env, cred2, jwt2)
		wantCode(t, "expired, no refresh token", st, res, 422, "provider_not_available")
	})
}
