package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
)

func (h *harness) enableExternalAuth(t *testing.T, envID string, cfg map[string]any) {
	t.Helper()
	st, res := h.putSecurity(t, envID, "externalAuth", cfg)
	wantStatus(t, "enable externalAuth", st, 200, res)
}

func TestExternalJWTSignIn(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testExternalJWTSignIn(t, newHarnessOn(t, backend)) })
	}
}

func testExternalJWTSignIn(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	app := externaljwttest.New(t)
	signinPath := "/sdk/" + env + "/externalAuth/signin"

	st, res := h.do(t, "POST", signinPath, "", map[string]any{"jwt": app.Token(t, nil)})
	wantExternalRefusal(t, "not enabled yet", st, res, "not enabled")

	h.enableExternalAuth(t, env, map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic",
		"jwksUrl": app.URL, "cookieName": "app_session"})

	st, res = h.do(t, "POST", signinPath, "", map[string]any{"jwt": app.Token(t, nil)})
	wantStatus(t, "external sign-in", st, 200, res)
	userID := str(t, res, "user.id")
	wantEq(t, res, "user.newUser", true)
	wantEq(t, res, "user.verifiedCredentials.0.format", "externalUser")
	wantEq(t, res, "user.verifiedCredentials.0.public_identifier", "app-user-1")
	if st := h.sdkUserStatus(t, env, str(t, res, "jwt")); st != 200 {
		t.Fatalf("the session's JWT is refused: %d", st)
	}

	// The same sub signs in to the same user, whichever way the token comes.
	st, res = h.do(t, "POST", signinPath, app.Token(t, nil), map[string]any{})
	wantStatus(t, "external sign-in by bearer", st, 200, res)
	wantEq(t, res, "user.id", userID)
	r := h.send(t, request{method: "POST", path: v0 + signinPath, body: map[string]any{},
		header: map[string]string{"Cookie": "app_session=" + app.Token(t, nil)}})
	wantStatus(t, "external sign-in by cookie", r.status, 200, r.json)
	wantEq(t, r.json, "user.id", userID)

	// Another sub is another user.
	st, res = h.do(t, "POST", signinPath, "", map[string]any{"jwt": app.Token(t, map[string]any{"sub": "app-user-2",
		"email": "grace@example.com"})})
	wantStatus(t, "second external user", st, 200, res)
	if str(t, res, "user.id") == userID {
		t.Fatal("two subs share one user")
	}

	for name, tok := range map[string]string{
		"expired":        app.Token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}),
		"foreign issuer": app.Token(t, map[string]any{"iss": "https://evil.example"}),
		"wrong audience": app.Token(t, map[string]any{"aud": "someone-else"}),
		"tampered":       app.Token(t, nil)[:40] + "x" + app.Token(t, nil)[41:],
		// iat ahead of the clock was not checked, nor how far away exp was
		"issued in an hour":  app.Token(t, map[string]any{"iat": time.Now().Add(time.Hour).Unix()}),
		"valid for 10 years": app.Token(t, map[string]any{"exp": time.Now().AddDate(10, 0, 0).Unix()}),
		// OpenID Connect bounds sub at 255 ASCII characters; a longer one
		// was taken as the credential (a few thousand random characters:
		// a 500 on PostgreSQL, past the credentials' index row size)
		"sub over 255 characters": app.Token(t, map[string]any{"sub": strings.Repeat("7", 256), "email": nil}),
	} {
		st, res := h.do(t, "POST", signinPath, "", map[string]any{"jwt": tok})
		wantExternalRefusal(t, name, st, res, "")
	}
	st, res = h.do(t, "POST", signinPath, "", map[string]any{"jwt": app.Token(t, nil), "externalUserId": "someone-else"})
	wantExternalRefusal(t, "externalUserId mismatch", st, res, "externalUserId")

	// externalAuth/verify: a fresh token must vouch for the signed-in user.
	st, res = h.do(t, "POST", signinPath, "", map[string]any{"jwt": app.Token(t, nil)})
	wantStatus(t, "sign in again", st, 200, res)
	session := str(t, res, "jwt")
	verifyPath := "/sdk/" + env + "/externalAuth/verify"
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": app.Token(t, nil)})
	wantStatus(t, "verify own identity", st, 204, res)
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": app.Token(t, map[string]any{"sub": "app-user-2"})})
	wantExternalRefusal(t, "verify with another user's token", st, res, "another user")
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": app.Token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})})
	wantExternalRefusal(t, "verify with an expired token", st, res, "exp")
	st, res = h.do(t, "POST", verifyPath, "", map[string]any{"jwt": app.Token(t, nil)})
	wantStatus(t, "verify without a session", st, 401, res)

	// An assertion (Dynamic's newer form: scope and jti): an
	// elevatedAccessToken of this session for those scopes, once.
	assertion := app.Token(t, map[string]any{"scope": "credential:link", "jti": "assertion-1"})
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": assertion})
	wantStatus(t, "an assertion", st, 200, res)
	elevated := pfClaims(t, str(t, res, "elevatedAccessToken"))
	if elevated["scope"] != "credential:link" || elevated["sid"] != pfClaims(t, session)["sid"] {
		t.Fatalf("elevated token claims %s, session %s", dump(elevated), dump(pfClaims(t, session)))
	}
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": assertion})
	wantExternalRefusal(t, "the same assertion again", st, res, "used before")
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": app.Token(t, map[string]any{"scope": "credential:link"})})
	wantExternalRefusal(t, "an assertion without a jti", st, res, "jti")
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": app.Token(t, map[string]any{"scope": "user:basic", "jti": "assertion-2"})})
	wantError(t, "an assertion for a scope that is not a token scope", st, res, 422)
	wantEq(t, res, "code", "invalid_scopes")
	st, res = h.do(t, "POST", verifyPath, session, map[string]any{"jwt": app.Token(t, map[string]any{"scope": "credential:link",
		"jti": "assertion-3", "sub": "app-user-2"})})
	wantExternalRefusal(t, "another user's assertion", st, res, "another user")
}

func TestExternalJWTCheck(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	app := externaljwttest.New(t)
	h.enableExternalAuth(t, env, map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic", "jwksUrl": app.URL})
	path := "/environments/" + env + "/externalJwt/check"

	st, res := h.do(t, "POST", path, h.token, map[string]any{"encodedJwt": app.Token(t, nil)})
	wantStatus(t, "check a good token", st, 200, res)
	wantEq(t, res, "valid", true)

	st, res = h.do(t, "POST", path, h.token, map[string]any{"encodedJwt": app.Token(t, map[string]any{
		"iss": "https://evil.example", "aud": "x", "exp": time.Now().Add(-time.Hour).Unix()})})
	wantStatus(t, "check a bad token", st, 200, res)
	wantEq(t, res, "valid", false)
	reasons := list(t, res, "errors")
	joined, _ := json.Marshal(reasons)
	for _, want := range []string{"iss:", "aud:", "exp:"} {
		if !strings.Contains(string(joined), want) {
			t.Errorf("errors %s do not explain %q", joined, want)
		}
	}
	st, res = h.do(t, "POST", path, h.token, map[string]any{})
	wantStatus(t, "check without a token", st, 400, res)
}

func wantExternalRefusal(t *testing.T, what string, st int, res any, fragment string) {
	t.Helper()
	wantError(t, what, st, res, 422, fragment)
	wantEq(t, res, "code", "invalid_external_auth")
}

// TestExternalAuthSettingsChecked: security.externalAuth is checked when
// saved. Stored unchecked, a member of the wrong type (algorithms as a
// string, assumeEmailVerified as "yes") made every external sign-in of
// the environment, and the admin's dry run, a 500; an algorithm the
// server never accepts, or an enabled config without an issuer or a JWKS
// URL, refused every external sign-in. Each is a 400 naming the member,
// and the stored config keeps working.
func TestExternalAuthSettingsChecked(t *testing.T) {
	mfBoth(t, noTune, testExternalAuthSettingsChecked)
}

func testExternalAuthSettingsChecked(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	app := externaljwttest.New(t)
	good := map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic", "jwksUrl": app.URL}
	h.enableExternalAuth(t, env, good)
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, bad := range []struct {
		name string
		cfg  any
	}{
		{"algorithms as a string", with("algorithms", "RS256")},
		{"an HMAC algorithm", with("algorithms", []any{"HS256"})},
		{"assumeEmailVerified as a string", with("assumeEmailVerified", "yes")},
		{"enabled as a string", with("enabled", "true")},
		{"no issuer", with("iss", nil)},
		{"a JWKS URL that is no URL", with("jwksUrl", "jwks")},
		{"a JWKS URL over http to another host", with("jwksUrl", "http://app.example/jwks")},
		{"not an object", "on"},
	} {
		st, res := h.putSecurity(t, env, "externalAuth", bad.cfg)
		wantError(t, bad.name, st, res, 400, "externalAuth")
	}
	st, res := h.do(t, "POST", "/sdk/"+env+"/externalAuth/signin", "", map[string]any{"jwt": app.Token(t, map[string]any{"sub": "ext-1"})})
	wantStatus(t, "a sign-in with the stored config", st, 200, res)
	st, res = h.putSecurity(t, env, "externalAuth", map[string]any{"enabled": false})
	wantStatus(t, "externalAuth off without the rest", st, 200, res)
}
