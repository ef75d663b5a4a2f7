package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/social/oidctest"
	"golang.org/x/oauth2"
)

// The SDK's social sign-in over HTTP, as Dynamic's SDK runs it, against a
// real OpenID provider started on loopback (zitadel/oidc's OP): the
// provider configured through the admin Settings API (google, pointed at
// the test provider by its domain), the authorize URL built from the SDK
// settings, initAuth, the provider's redirect to this server, the
// redirect back to the application, signIn.

const appReturn = "http://localhost:3000/app"

// adaPicture is the fixture user's profile picture at the provider.
const adaPicture = "https://lh3.example.com/a/ada=s96-c"

type socialFixture struct {
	h        *harness
	op       *oidctest.OP
	env      string
	clientID string
}

func newSocialFixture(t *testing.T, h *harness) *socialFixture {
	f := &socialFixture{h: h, env: h.ids.EnvironmentID, clientID: "dynamicauth-rp"}
	f.op = oidctest.Start(t, f.clientID, "rp-secret", f.redirectURL(f.env))
	f.op.AddUser(oidctest.User{ID: "op-user-1", Email: "Ada@Example.com", Name: "Ada Lovelace", EmailVerified: true, Picture: adaPicture})
	f.addProvider(t, f.env, f.clientID)
	return f
}

// redirectURL is the callback the server names (its public host,
// "localhost"); the test browser reaches it at the test server's address.
func (f *socialFixture) redirectURL(env string) string {
	return "http://localhost" + v0 + "/sdk/" + env + "/providers/google/redirect"
}

// toServer sends requests for the public host to the test server.
type toServer struct{ host string }

func (s toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "localhost" {
		r = r.Clone(r.Context())
		r.URL.Host, r.Host = s.host, ""
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (f *socialFixture) addProvider(t *testing.T, env, clientID string) {
	t.Helper()
	st, res := f.h.do(t, "POST", "/environments/"+env+"/settings/providers", f.h.token, map[string]any{
		"provider": "google", "clientId": clientID, "clientSecret": "rp-secret", "domain": f.op.URL,
		"scopes": "openid email profile"})
	wantStatus(t, "create google provider", st, 200, res)
}

// sdkProvider is the google entry of the SDK settings.
func (f *socialFixture) sdkProvider(t *testing.T, env string) map[string]any {
	t.Helper()
	st, res := f.h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	return find(t, list(t, res, "providers"), "provider", "google")
}

type socialLogin struct {
	state, verifier string
	// code and back are what the browser brought back to the application.
	code string
	back *url.URL
}

// start builds the authorize URL as Dynamic's SDK does for Google (no
// PKCE), announces the state with initAuth and sends the browser through
// the provider until it lands back on the application. Its verifier is
// one the client made and never used, as the React widget's popup sends.
func (f *socialFixture) start(t *testing.T, env string) *socialLogin {
	t.Helper()
	return f.startPKCE(t, env, false)
}

// startPKCE is start with a PKCE challenge on the authorize URL when
// pkce, which Dynamic's SDKs add for twitter and github only.
func (f *socialFixture) startPKCE(t *testing.T, env string, pkce bool) *socialLogin {
	t.Helper()
	l := &socialLogin{state: strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(time.Now().String()+t.Name())), "=")[:32],
		verifier: oauth2.GenerateVerifier()}
	u := f.authorizeURL(t, env, l.state)
	q := u.Query()
	if pkce {
		sum := sha256.Sum256([]byte(l.verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	u.RawQuery = q.Encode()
	st, res := f.h.do(t, "POST", "/sdk/"+env+"/providers/google/initAuth", "",
		map[string]any{"state": l.state, "redirectUrl": appReturn})
	wantStatus(t, "initAuth", st, 204, res)
	l.back = f.browseTo(t, u.String(), appReturn)
	l.code = l.back.Query().Get("dynamicOauthCode")
	if l.back.Query().Get("dynamicOauthState") != l.state || l.code == "" {
		t.Fatalf("back at the application with %s", l.back)
	}
	return l
}

// authorizeURL is the provider's authorize URL for state as Dynamic's
// SDK builds it from env's SDK settings for Google (no PKCE).
func (f *socialFixture) authorizeURL(t *testing.T, env, state string) *url.URL {
	t.Helper()
	p := f.sdkProvider(t, env)
	u, err := url.Parse(str(t, p, "baseAuthUrl"))
	if err != nil || u.Host == "" {
		t.Fatalf("baseAuthUrl %v: %v", p["baseAuthUrl"], err)
	}
	q := u.Query()
	for k, v := range map[string]string{"client_id": str(t, p, "clientId"), "response_type": "code",
		"redirect_uri": str(t, p, "redirectUrl"), "scope": str(t, p, "scopes"), "state": state} {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u
}

// heldAtRedirect sends the browser through the provider for state and
// holds it where the provider sends it back, at this server's redirect
// URL: the returned URL carries the provider's code and state, unsent.
func (f *socialFixture) heldAtRedirect(t *testing.T, env, state string) *url.URL {
	t.Helper()
	return f.browseTo(t, f.authorizeURL(t, env, state).String(), f.redirectURL(env))
}

// browseTo follows redirects from start until one points under stop.
func (f *socialFixture) browseTo(t *testing.T, start, stop string) *url.URL {
	t.Helper()
	var landed *url.URL
	c := &http.Client{Transport: toServer{host: strings.TrimPrefix(f.h.srv.URL, "http://")}, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), stop) {
			landed = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(start)
	if err != nil {
		t.Fatalf("browse %s: %v", start, err)
	}
	resp.Body.Close()
	if landed == nil {
		t.Fatalf("the browser never came back to %s (status %d at %s)", stop, resp.StatusCode, resp.Request.URL)
	}
	return landed
}

func (f *socialFixture) signIn(t *testing.T, env string, body map[string]any) (int, any) {
	t.Helper()
	return f.h.do(t, "POST", "/sdk/"+env+"/providers/google/signIn", "", body)
}

func TestSocialSignInAgainstARealProvider(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testSocialSignIn(t, newHarnessOn(t, backend)) })
	}
}

func testSocialSignIn(t *testing.T, h *harness) {
	f := newSocialFixture(t, h)
	p := f.sdkProvider(t, f.env)
	if p["redirectUrl"] != f.redirectURL(f.env) || p["clientId"] != f.clientID || has(p, "clientSecret") {
		t.Fatalf("SDK settings provider entry: %s", dump(p))
	}

	l := f.start(t, f.env)
	st, res := f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code, "codeVerifier": l.verifier})
	wantStatus(t, "signIn", st, 200, res)
	userID := str(t, res, "user.id")
	cred := find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth")
	if cred["public_identifier"] != "ada@example.com" || cred["oauth_provider"] != "google" ||
		cred["oauth_account_id"] != "op-user-1" || cred["oauth_display_name"] != "Ada Lovelace" {
		t.Errorf("oauth credential: %s", dump(cred))
	}
	wantPhotos(t, "user JSON", cred, adaPicture)
	wantPhotos(t, "JWT", oauthClaim(t, str(t, res, "jwt")), adaPicture)

	// The state is used up: the same signIn again is refused.
	st, res = f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code, "codeVerifier": l.verifier})
	wantCode(t, "replayed signIn", st, res, 422, "other_verify_failure")

	// A second login (no PKCE, as the SDK does for Google) finds the same user.
	l = f.start(t, f.env)
	st, res = f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
	wantStatus(t, "second signIn", st, 200, res)
	if got := str(t, res, "user.id"); got != userID {
		t.Fatalf("second login signed in %s, want %s", got, userID)
	}

	// A new picture at the provider replaces the stored one at the next
	// login; an unusable one (not an http(s) URL) leaves it alone.
	const newPicture = "https://lh3.example.com/a/ada-2024=s96-c"
	for _, c := range []struct{ at, want string }{{newPicture, newPicture}, {"javascript:alert(1)", newPicture}} {
		f.op.AddUser(oidctest.User{ID: "op-user-1", Email: "Ada@Example.com", Name: "Ada Lovelace", EmailVerified: true, Picture: c.at})
		l = f.start(t, f.env)
		st, res = f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
		wantStatus(t, "signIn, picture "+c.at, st, 200, res)
		wantPhotos(t, "user JSON, picture "+c.at, find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth"), c.want)
		wantPhotos(t, "JWT, picture "+c.at, oauthClaim(t, str(t, res, "jwt")), c.want)
		st, res = f.h.do(t, "GET", "/sdk/"+f.env+"/users", str(t, res, "jwt"), nil)
		wantStatus(t, "sdk user", st, 200, res)
		wantPhotos(t, "GET users, picture "+c.at, find(t, list(t, res, "verifiedCredentials"), "format", "oauth"), c.want)
	}
}

// oauthClaim is the oauth verified credential of a JWT's claims.
func oauthClaim(t *testing.T, jwt string) map[string]any {
	t.Helper()
	return find(t, list(t, jwtClaims(t, jwt), "verified_credentials"), "format", "oauth")
}

// wantPhotos checks a verified credential's oauth_account_photos.
func wantPhotos(t *testing.T, what string, cred map[string]any, want string) {
	t.Helper()
	got, _ := cred["oauth_account_photos"].([]any)
	if len(got) != 1 || got[0] != want {
		t.Errorf("%s: oauth_account_photos %v, want [%s]: %s", what, cred["oauth_account_photos"], want, dump(cred))
	}
}

func TestSocialSignInRefusals(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	// The live environment signs in with the same application at the
	// provider: only the state's environment tells the logins apart.
	f.addProvider(t, h.ids.LiveEnvironmentID, f.clientID)

	t.Run("wrong state", func(t *testing.T) {
		a, b := f.start(t, f.env), f.start(t, f.env)
		// b's code under a's state: not the code the provider gave for a.
		st, res := f.signIn(t, f.env, map[string]any{"state": a.state, "code": b.code})
		wantCode(t, "code of another login", st, res, 422, "other_verify_failure")
		// a is used up by the refusal; b still works.
		st, res = f.signIn(t, f.env, map[string]any{"state": b.state, "code": b.code})
		wantStatus(t, "the other login", st, 200, res)
		st, res = f.signIn(t, f.env, map[string]any{"state": a.state, "code": a.code})
		wantCode(t, "a state refused once", st, res, 422, "other_verify_failure")
	})
	t.Run("unknown state", func(t *testing.T) {
		l := f.start(t, f.env)
		st, res := f.signIn(t, f.env, map[string]any{"state": l.state + "x", "code": l.code})
		wantCode(t, "tampered state", st, res, 422, "other_verify_failure")
	})
	t.Run("replayed redirect", func(t *testing.T) {
		l := f.start(t, f.env)
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(f.h.srv.URL + v0 + "/sdk/" + f.env + "/providers/google/redirect?state=" + l.state + "&code=another-code")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 422 {
			t.Fatalf("a second delivery for the state answered %d", resp.StatusCode)
		}
	})
	// Google's client verifier is not passed on (Description.ClientPKCE):
	// a login the client put a challenge on is refused, whatever verifier.
	t.Run("a PKCE challenge on a Google login", func(t *testing.T) {
		for _, v := range []string{"", oauth2.GenerateVerifier(), "right"} {
			l := f.startPKCE(t, f.env, true)
			if v == "right" {
				v = l.verifier
			}
			body := map[string]any{"state": l.state, "code": l.code}
			if v != "" {
				body["codeVerifier"] = v
			}
			st, res := f.signIn(t, f.env, body)
			wantCode(t, "verifier "+v, st, res, 422, "other_verify_failure")
		}
	})
	t.Run("cross-environment", func(t *testing.T) {
		l := f.start(t, f.env)
		st, res := f.signIn(t, h.ids.LiveEnvironmentID, map[string]any{"state": l.state, "code": l.code})
		wantCode(t, "state of another environment", st, res, 422, "other_verify_failure")
	})
	t.Run("expired ID token", func(t *testing.T) {
		f.op.SetIDTokenLifetime(f.clientID, -time.Hour)
		defer f.op.SetIDTokenLifetime(f.clientID, time.Hour)
		l := f.start(t, f.env)
		st, res := f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
		wantCode(t, "expired ID token", st, res, 422, "other_verify_failure")
	})
	t.Run("return URL not an allowed origin", func(t *testing.T) {
		st, res := h.do(t, "POST", "/sdk/"+f.env+"/providers/google/initAuth", "",
			map[string]any{"state": "s0123456789abcdefghij", "redirectUrl": "https://evil.example/steal"})
		wantError(t, "foreign redirectUrl", st, res, 400)
	})
	t.Run("provider not enabled", func(t *testing.T) {
		st, res := h.do(t, "POST", "/sdk/"+f.env+"/providers/github/initAuth", "",
			map[string]any{"state": "s0123456789abcdefghij", "redirectUrl": appReturn})
		wantCode(t, "github not configured", st, res, 422, "provider_not_available")
	})
}

// A social account whose email the provider says is verified joins the
// user who owns that verified email; one whose email is not verified never
// does (whoever typed the address at the provider would get the account).
func TestSocialSignInEmailLinking(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	owner := str(t, h.createUser(t, f.env, map[string]any{"email": "grace@example.com",
		"emailVerifiedAt": "2025-01-02T03:04:05.000Z"}), "id")

	f.op.AddUser(oidctest.User{ID: "op-mallory", Email: "Grace@Example.com", Name: "Not Grace", EmailVerified: false})
	l := f.start(t, f.env)
	st, res := f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
	wantStatus(t, "unverified email", st, 200, res)
	if got := str(t, res, "user.id"); got == owner {
		t.Fatal("an unverified provider email signed in as the email's owner")
	}

	f.op.AddUser(oidctest.User{ID: "op-grace", Email: "grace@example.com", Name: "Grace Hopper", EmailVerified: true})
	l = f.start(t, f.env)
	st, res = f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
	wantStatus(t, "verified email", st, 200, res)
	if got := str(t, res, "user.id"); got != owner {
		t.Fatalf("a verified provider email signed in as %s, want its owner %s", got, owner)
	}
	find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth")
}

// Linking a social account (providers/{type}/verify) records
// user.social.linked, as Farcaster's link does; a wallet.linked would tell
// webhooks a wallet was added (seen: wallet.linked 2 before the fix).
func TestSocialLinkRecordsSocialLinked(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	userID, _, session := h.signIn(t, f.env, newEVMWallet(t))
	l := f.start(t, f.env)
	st, res := h.do(t, "POST", "/sdk/"+f.env+"/providers/google/verify", session, map[string]any{"state": l.state, "code": l.code})
	wantStatus(t, "link google", st, 200, res)
	wantEq(t, res, "user.id", userID)
	find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth")
	all, _ := h.eventPages(t, f.env, "")
	names := map[string]int{}
	for _, e := range all {
		names[e["eventName"].(string)]++
	}
	// the wallet's own sign-in records one wallet.linked; the link none
	if names["user.social.linked"] != 1 || names["wallet.linked"] != 1 {
		t.Fatalf("events after a social link: %v", names)
	}
}

// TestSocialStepUp: logging in again with the user's own social account
// and requestedScopes (the JS SDK's completeSocialRedirect while signed
// in, providers/{type}/verify) answers an elevatedAccessToken of the
// session and links nothing.
func TestSocialStepUp(t *testing.T) {
	h := newHarness(t)
	f := newSocialFixture(t, h)
	l := f.start(t, f.env)
	st, res := f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
	wantStatus(t, "signIn", st, 200, res)
	session := str(t, res, "minifiedJwt")
	creds := len(list(t, res, "user.verifiedCredentials"))

	l = f.start(t, f.env)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/providers/google/verify", session, map[string]any{"state": l.state, "code": l.code,
		"requestedScopes": []string{"credential:link"}})
	wantStatus(t, "verify with requestedScopes", st, 200, res)
	if c := pfClaims(t, str(t, res, "elevatedAccessToken")); c["scope"] != "credential:link" || c["sid"] != pfClaims(t, session)["sid"] {
		t.Fatalf("elevated claims %s", dump(c))
	}
	if n := len(list(t, res, "user.verifiedCredentials")); n != creds {
		t.Fatalf("%d credentials after a step-up, want %d", n, creds)
	}
}
