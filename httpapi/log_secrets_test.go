package httpapi_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// TestNoSecretInTheLogs drives, over HTTP and with the logger at DEBUG,
// every flow that carries a secret (API tokens, a webhook's secret, a
// provider's client secret and an email provider's API key, an export
// link's signature, session tokens and cookies, email codes, TOTP
// secrets and codes, recovery codes, mfa and elevated access tokens,
// the provider's code and access token of a social sign-in, an external
// JWT, an RPC node's API key) and the refusals of bad ones (wrong codes,
// tampered tokens, an Authorization header refused, a 500, a provider
// quoting the message it refused, a node that is down), then looks for
// each of them in everything the server logged: none may be there, and
// no request line carries a query string.
func TestNoSecretInTheLogs(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testNoSecretInTheLogs(t, backend) })
	}
}

func testNoSecretInTheLogs(t *testing.T, backend string) {
	logs := &logBuffer{}
	box := &deliverytest.Box{}
	sg, sgSrv := startMailAPI(t, "/v3/mail/send", sendgridKey, http.StatusAccepted, "")
	echo := startEchoingRefusal(t)
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Mailer, c.SMS = box, box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
		c.EmailProviders = dynamicauth.EmailProvidersConfig{From: "Server <server@auth.test>", SendGridURL: sgSrv.URL,
			ResendURL: echo.srv.URL}
		c.Webhooks = webhooks.Config{AllowPrivate: true}
		c.Access = dynamicauth.AccessConfig{BalanceTTL: -1, SettingsRPCAllowPrivate: true}
		c.Hooks.BeforeSignIn = func(_ context.Context, a *signin.Attempt) error {
			if a.Credential.PublicIdentifier == "app-user-500" {
				return errors.New("the application's user store is down")
			}
			return nil
		}
	})
	seen := secretsSeen{}
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	seen.add(t, "the owner's API token", h.token)

	logSecretsAdmin(t, h, seen)
	logSecretsSessions(t, h, seen)
	logSecretsCodes(t, h, seen, box, sg, echo)
	logSecretsSocial(t, h, seen)
	logSecretsExternal(t, h, seen)
	logSecretsMFA(t, h, seen)
	logSecretsRefused(t, h, seen)

	// Cookie mode last: it changes how every later session is carried.
	st, res := h.putSecurity(t, env, "auth", map[string]any{"storage": []any{"cookie"}})
	wantStatus(t, "cookie mode on", st, 200, res)
	c, _ := h.cookieSignIn(t, env, "")
	seen.add(t, "the session cookie", c.Value)
	r := h.cookieCall(t, env, "GET", "/users", c.Value, "http://localhost:3000", nil)
	wantStatus(t, "GET /users by cookie", r.status, 200, r.json)
	r = h.cookieCall(t, env, "GET", "/users", tamper(c.Value), "http://localhost:3000", nil)
	wantStatus(t, "GET /users by a tampered cookie", r.status, 401, r.json)
	r = h.send(t, request{method: "POST", path: v0 + sdk + "/refresh", header: map[string]string{
		"Cookie": cookieName + "=" + c.Value, "Origin": "http://localhost:3000"}})
	wantStatus(t, "refresh by cookie", r.status, 200, r.json)
	if nc := sessionCookieOf(r); nc != nil {
		seen.add(t, "the refreshed session cookie", nc.Value)
	}

	logSecretsRPC(t, h, seen)

	out := logs.String()
	for _, want := range []string{"msg=request ", `msg="request refused"`, `msg="request failed"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("no %s line in the log: the test saw nothing of what it checks:\n%s", want, out)
		}
	}
	for _, leak := range seen.leaks(out) {
		t.Errorf("the log carries %s", leak)
	}
	queryLike := regexp.MustCompile(`signature=|[?&](code|state|dynamicOauthCode|dynamicOauthState)=`)
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "msg=request ") && regexp.MustCompile(`path=\S*\?`).MatchString(line) {
			t.Errorf("a request line carries a query string: %s", line)
		}
		if queryLike.MatchString(line) {
			t.Errorf("a log line carries a link's signature or an OAuth code or state: %s", line)
		}
	}
	if t.Failed() {
		t.Logf("the log:\n%s", out)
	}
}

// logSecretsAdmin: an API token, a webhook's secret, a social provider's
// client secret, an export's download link.
func logSecretsAdmin(t *testing.T, h *harness, seen secretsSeen) {
	env := h.ids.EnvironmentID
	_, raw := h.envToken(t, h.token, env)
	seen.add(t, "a minted API token", raw)
	st, res := h.do(t, "GET", "/environments/"+env, raw, nil)
	wantStatus(t, "the minted token at work", st, 200, res)

	rcv := newHookReceiver(t)
	st, res = h.do(t, "POST", "/environments/"+env+"/webhooks", h.token, map[string]any{
		"url": rcv.srv.URL + "/hook", "isEnabled": true, "events": []string{"user.created"}})
	wantStatus(t, "create webhook", st, 200, res)
	seen.add(t, "a webhook's secret", str(t, res, "secret"))

	const clientSecret = "gh-client-secret-7f3a9c2e41"
	seen.add(t, "a provider's client secret", clientSecret)
	st, res = h.do(t, "POST", "/environments/"+env+"/settings/providers", h.token, map[string]any{
		"provider": "github", "clientId": "Iv1.logs", "clientSecret": clientSecret, "scopes": "read:user"})
	wantStatus(t, "create github provider", st, 200, res)
	st, res = h.do(t, "PUT", "/settings/providers/"+str(t, res, "id"), h.token, map[string]any{
		"clientSecret": clientSecret + "-2"})
	wantStatus(t, "update github provider", st, 200, res)
	seen.add(t, "a provider's new client secret", clientSecret+"-2")

	h.createUser(t, env, map[string]any{"email": "exported@example.com"})
	_, link := h.writtenExport(t, env)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	seen.add(t, "an export link's signature", u.Query().Get("signature"))
	if st, _, _ := h.fetchLink(t, link); st != 200 {
		t.Fatalf("the export link: %d", st)
	}
	q := u.Query()
	q.Set("signature", strings.Repeat("0", 64))
	u.RawQuery = q.Encode()
	if st, _, _ := h.fetchLink(t, u.String()); st != 403 {
		t.Fatalf("a tampered export link: %d", st)
	}
}

// logSecretsSessions: a wallet sign-in's tokens, a refresh, a passkey's
// registration and sign-in.
func logSecretsSessions(t *testing.T, h *harness, seen secretsSeen) {
	env := h.ids.EnvironmentID
	w := newEVMWallet(t)
	body := h.walletBody(t, env, w)
	seen.add(t, "a wallet's signature", body["signedMessage"].(string))
	st, res := h.do(t, "POST", "/sdk/"+env+"/verify", "", body)
	wantStatus(t, "wallet sign-in", st, 200, res)
	seen.add(t, "a session's jwt", str(t, res, "jwt"))
	jwt := str(t, res, "minifiedJwt")
	seen.add(t, "a session's minifiedJwt", jwt)
	userID := str(t, res, "user.id")
	st, res = h.do(t, "POST", "/sdk/"+env+"/refresh", jwt, nil)
	wantStatus(t, "refresh", st, 200, res)
	seen.add(t, "a refreshed jwt", str(t, res, "jwt"))
	jwt = str(t, res, "minifiedJwt")
	seen.add(t, "a refreshed minifiedJwt", jwt)

	a, _ := h.registerPasskey(t, env, userID, jwt)
	origin := map[string]string{"Origin": "http://localhost:3000"}
	r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/signin", header: origin})
	wantStatus(t, "passkey sign-in options", r.status, 200, r.json)
	assertion, _ := a.Get(str(t, r.json, "challenge"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: assertion, header: origin})
	wantStatus(t, "passkey sign-in", r.status, 200, r.json)
	seen.add(t, "a passkey session's minifiedJwt", str(t, r.json, "minifiedJwt"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: assertion, header: origin})
	if r.status < 400 {
		t.Fatalf("a replayed passkey assertion: %d", r.status)
	}
}

// logSecretsCodes: email codes through the server's mailer and through
// the environment's SendGrid (its API key), a wrong code.
func logSecretsCodes(t *testing.T, h *harness, seen secretsSeen, box *deliverytest.Box, sg *mailAPI, echo *echoingRefusal) {
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly")
	signIn := func(what, email string, code func() string) {
		t.Helper()
		st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": email})
		wantStatus(t, what+": create", st, 200, res)
		vid := str(t, res, "verificationUUID")
		c := code()
		seen.add(t, "an email code", c)
		wrong := "000000"
		if c == wrong {
			wrong = "000001"
		}
		seen.add(t, "a wrong email code", wrong)
		st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{
			"verificationUUID": vid, "verificationToken": wrong})
		if st != 422 && st != 400 {
			t.Fatalf("%s: a wrong code: %d %s", what, st, dump(res))
		}
		st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{
			"verificationUUID": vid, "verificationToken": c})
		wantStatus(t, what+": sign in", st, 200, res)
		seen.add(t, "an email session's minifiedJwt", str(t, res, "minifiedJwt"))
	}
	signIn("through the mailer", "coded@example.com", func() string { return box.Code(t, "coded@example.com") })

	seen.add(t, "an email provider's API key", sendgridKey)
	st, res := h.do(t, "POST", "/environments/"+env+"/settings/providers", h.token, map[string]any{
		"provider": "sendgrid", "clientSecret": sendgridKey, "clientId": "Acme <auth@acme.test>"})
	wantStatus(t, "create sendgrid", st, 200, res)
	signIn("through sendgrid", "sent@example.com", func() string { return sg.code(t, "sent@example.com") })
	st, res = h.do(t, "PUT", "/settings/providers/"+str(t, res, "id")+"/disable", h.token, nil)
	wantStatus(t, "disable sendgrid", st, 200, res)

	// A provider that quotes the request in its refusal: the code, good
	// for a retry of the verification, is in what it said.
	seen.add(t, "another email provider's API key", resendKey)
	st, res = h.do(t, "POST", "/environments/"+env+"/settings/providers", h.token, map[string]any{
		"provider": "resend", "clientSecret": resendKey, "clientId": "Acme <auth@acme.test>"})
	wantStatus(t, "create resend", st, 200, res)
	resendID := str(t, res, "id")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "echoed@example.com"})
	wantCode(t, "a code the provider refused", st, res, 422, "provider_not_available")
	seen.add(t, "a code the provider refused", echo.code(t))
	st, res = h.do(t, "PUT", "/settings/providers/"+resendID+"/disable", h.token, nil)
	wantStatus(t, "disable resend", st, 200, res)
}

// logSecretsSocial: a social sign-in against a real provider, its client
// secret, the provider's code at the redirect, the provider's access
// token served back.
func logSecretsSocial(t *testing.T, h *harness, seen secretsSeen) {
	f := newSocialFixture(t, h)
	seen.add(t, "google's client secret", "rp-secret")
	f.setScopes(t, f.env, "openid email profile offline_access")
	state := "logstate" + strings.ReplaceAll(newUUID(t), "-", "")
	st, res := h.do(t, "POST", "/sdk/"+f.env+"/providers/google/initAuth", "",
		map[string]any{"state": state, "redirectUrl": appReturn})
	wantStatus(t, "initAuth", st, 204, res)
	held := f.heldAtRedirect(t, f.env, state)
	seen.add(t, "the provider's code", held.Query().Get("code"))
	seen.add(t, "the OAuth state", state)
	back := f.browseTo(t, held.String(), appReturn)
	code := back.Query().Get("dynamicOauthCode")
	seen.add(t, "the code back at the application", code)
	st, res = f.signIn(t, f.env, map[string]any{"state": state, "code": code})
	wantStatus(t, "social signIn", st, 200, res)
	jwt := str(t, res, "minifiedJwt")
	seen.add(t, "a social session's minifiedJwt", jwt)
	credID := str(t, find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth"), "id")
	st, res = f.accessToken(t, f.env, credID, jwt)
	wantStatus(t, "the provider's access token", st, 200, res)
	seen.add(t, "the provider's access token", str(t, res, "accessToken"))
	st, res = f.signIn(t, f.env, map[string]any{"state": state, "code": code})
	wantCode(t, "a replayed social signIn", st, res, 422, "other_verify_failure")
}

// logSecretsExternal: an external JWT signs in, by body and by bearer; a
// tampered one is refused; the application's hook fails one (500).
func logSecretsExternal(t *testing.T, h *harness, seen secretsSeen) {
	env := h.ids.EnvironmentID
	app := externaljwttest.New(t)
	h.enableExternalAuth(t, env, map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic",
		"jwksUrl": app.URL, "cookieName": "app_session"})
	path := "/sdk/" + env + "/externalAuth/signin"
	// an email of its own: the social sign-in's would ask to link
	own := map[string]any{"email": "external@example.com"}
	tok := app.Token(t, own)
	seen.add(t, "an external JWT", tok)
	st, res := h.do(t, "POST", path, "", map[string]any{"jwt": tok})
	wantStatus(t, "external sign-in", st, 200, res)
	seen.add(t, "an external session's minifiedJwt", str(t, res, "minifiedJwt"))
	tok = app.Token(t, own)
	seen.add(t, "an external JWT by bearer", tok)
	st, res = h.do(t, "POST", path, tok, map[string]any{})
	wantStatus(t, "external sign-in by bearer", st, 200, res)
	bad := tamper(app.Token(t, own))
	seen.add(t, "a tampered external JWT", bad)
	st, res = h.do(t, "POST", path, "", map[string]any{"jwt": bad})
	if st < 400 || st >= 500 {
		t.Fatalf("a tampered external JWT: %d %s", st, dump(res))
	}
	failing := app.Token(t, map[string]any{"sub": "app-user-500", "email": "failing@example.com"})
	seen.add(t, "an external JWT the hook fails", failing)
	st, res = h.do(t, "POST", path, "", map[string]any{"jwt": failing})
	wantStatus(t, "a sign-in the hook fails", st, 500, res)
}

// logSecretsMFA: a TOTP secret and its codes, recovery codes, an
// mfaToken and an elevatedAccessToken, wrong codes.
func logSecretsMFA(t *testing.T, h *harness, seen secretsSeen) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true})
	w := newEVMWallet(t)
	full := str(t, h.mfSignIn(t, w.key), "minifiedJwt")
	seen.add(t, "a full session", full)
	st, res := h.do(t, "GET", base+"/register/totp", full, nil)
	wantStatus(t, "register/totp GET", st, 200, res)
	secret := str(t, res, "secret")
	seen.add(t, "a TOTP secret", secret)
	seen.add(t, "a TOTP uri", str(t, res, "uri"))
	enroll := mfatest.Code(t, secret, -1)
	seen.add(t, "the enrolment's TOTP code", enroll)
	st, res = h.do(t, "POST", base+"/register/totp", full, map[string]any{"type": "totp", "code": enroll})
	wantStatus(t, "register/totp POST", st, 200, res)
	devID := str(t, res, "id")
	st, res = h.do(t, "GET", base+"/recovery", full, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	codes := list(t, res, "recoveryCodes")
	for _, c := range codes {
		seen.add(t, "a recovery code", c.(string))
	}

	pending := str(t, h.mfSignIn(t, w.key), "minifiedJwt")
	seen.add(t, "a pending session", pending)
	far := mfatest.Code(t, secret, 3)
	seen.add(t, "a wrong TOTP code", far)
	st, res = h.do(t, "POST", base+"/auth/totp", pending, map[string]any{"code": far})
	wantError(t, "a wrong TOTP code", st, res, 422)
	code := mfatest.TOTP(t, secret, time.Now())
	seen.add(t, "a TOTP code", code)
	st, res = h.do(t, "POST", base+"/auth/totp", pending, map[string]any{"code": code,
		"createMfaToken": map[string]any{"singleUse": true}, "requestedScopes": []string{"credential:link"}})
	wantStatus(t, "auth/totp", st, 200, res)
	up := str(t, res, "minifiedJwt")
	seen.add(t, "an upgraded session", up)
	mfaToken := str(t, res, "mfaToken")
	seen.add(t, "an mfaToken", mfaToken)
	seen.add(t, "an elevatedAccessToken", str(t, res, "elevatedAccessToken"))

	again := str(t, h.mfSignIn(t, w.key), "minifiedJwt")
	seen.add(t, "a pending session", again)
	seen.add(t, "a wrong recovery code", "ZZZZ-ZZZZ-ZZZZ")
	st, res = h.do(t, "POST", base+"/auth/recovery", again, map[string]any{"code": "ZZZZ-ZZZZ-ZZZZ"})
	if st < 400 || st >= 500 {
		t.Fatalf("a wrong recovery code: %d %s", st, dump(res))
	}
	st, res = h.do(t, "POST", base+"/auth/recovery", again, map[string]any{"code": codes[0].(string)})
	wantStatus(t, "auth/recovery", st, 200, res)
	seen.add(t, "a recovered session", str(t, res, "minifiedJwt"))
	st, res = h.do(t, "POST", base+"/recovery", up, nil)
	wantStatus(t, "new recovery codes", st, 200, res)
	for _, c := range list(t, res, "recoveryCodes") {
		seen.add(t, "a new recovery code", c.(string))
	}

	del := func(tok string) int {
		r := h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: up,
			header: map[string]string{"X-Mfa-Auth-Token": tok}})
		return r.status
	}
	bad := tamper(mfaToken)
	seen.add(t, "a tampered mfaToken", bad)
	if st := del(bad); st != 403 {
		t.Fatalf("delete with a tampered mfaToken: %d", st)
	}
	if st := del(mfaToken); st != 204 {
		t.Fatalf("delete with the mfaToken: %d", st)
	}
	if st := del(mfaToken); st != 403 {
		t.Fatalf("the mfaToken again: %d", st)
	}
}

// logSecretsRefused: Authorization headers the server refuses, on the
// admin API, the SDK and the facade's verifier middleware.
func logSecretsRefused(t *testing.T, h *harness, seen secretsSeen) {
	env := h.ids.EnvironmentID
	_, _, jwt := h.signIn(t, env, newEVMWallet(t))
	seen.add(t, "a session token", jwt)
	unknown := "dyn_" + strings.Repeat("Qx7", 18)
	seen.add(t, "an unknown API token", unknown)
	for what, rq := range map[string]request{
		"an unknown API token":           {method: "GET", path: v0 + "/environments/" + env, token: unknown},
		"a tampered API token":           {method: "GET", path: v0 + "/environments/" + env, token: tamper(h.token)},
		"a session token on the admin":   {method: "GET", path: v0 + "/environments/" + env, token: jwt},
		"an API token on the SDK":        {method: "GET", path: v0 + "/sdk/" + env + "/users", token: h.token},
		"a tampered session token":       {method: "GET", path: v0 + "/sdk/" + env + "/users", token: tamper(jwt)},
		"a session token of another env": {method: "GET", path: v0 + "/sdk/" + h.ids.LiveEnvironmentID + "/users", token: jwt},
		"a Basic header":                 {method: "GET", path: v0 + "/environments/" + env, header: map[string]string{"Authorization": "Basic " + unknown}},
	} {
		seen.add(t, what, rq.token+rq.header["Authorization"])
		if r := h.send(t, rq); r.status != 401 && r.status != 403 {
			t.Errorf("%s: %d %s", what, r.status, r.raw)
		}
	}

	v, err := h.auth.Verifier(env)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	defer srv.Close()
	for _, tok := range []string{tamper(jwt), unknown} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("the verifier let %q through: %d", tok, resp.StatusCode)
		}
	}
}

// logSecretsRPC: a gate reads balances from the rpcUrl of the
// environment's settings, whose path carries the node provider's API key
// (as Alchemy's and Infura's do); the node is down, and the sign-in is
// refused.
func logSecretsRPC(t *testing.T, h *harness, seen secretsSeen) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	const key = "alchemyKey9f8e7d6c5b4a"
	seen.add(t, "a node provider's API key", key)
	gateOnLocalChain(t, h, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
	nameRPC(t, h, down+"/v2/"+key)
	st, res := h.signInAttempt(t, h.ids.EnvironmentID, newEVMWallet(t), "")
	wantError(t, "a gate whose node is down", st, res, 422)
	wantEq(t, res, "code", "unable_to_fetch_balances")
}
