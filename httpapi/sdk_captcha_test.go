package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/captcha/captchatest"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// TestCaptcha: with security.hCaptcha on (its secret key sealed in the
// settings, never shown to the SDK), a new email or SMS code and a wallet,
// social, Farcaster or Telegram sign-in need a captchaToken the provider accepts with that secret;
// without one, with a forged or reused one, or with the provider down
// the request is refused and nothing is sent or used (the sign-in's
// nonce stays good).
func TestCaptcha(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testCaptcha(t, backend) })
	}
}

func testCaptcha(t *testing.T, backend string) {
	const secret = "hc-secret-0123456789"
	provider, box := captchatest.New(t, secret), &deliverytest.Box{}
	turnstile := captchatest.New(t, "ts-secret-0123456789")
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Captcha.VerifyURLs = map[string]string{captcha.HCaptcha: provider.URL, captcha.Turnstile: turnstile.URL}
		c.Mailer, c.SMS = box, box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
	})
	env := h.ids.EnvironmentID
	h.enableCodes(t, env, nil, "emailOnly", "sms")
	create := func(token string) (int, any) {
		body := map[string]any{"email": "ada@example.com"}
		if token != "" {
			body["captchaToken"] = token
		}
		return h.do(t, "POST", "/sdk/"+env+"/emailVerifications/create", "", body)
	}
	st, res := create("")
	wantStatus(t, "a code with the captcha off", st, 200, res)

	st, res = h.putSecurity(t, env, "hCaptcha", map[string]any{"enabled": true, "siteKey": "site-key", "secretKey": secret})
	wantStatus(t, "captcha on", st, 200, res)
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.hCaptcha.siteKey", "site-key")
	if has(res, "security.hCaptcha.secretKey") {
		t.Fatal("the SDK settings show the captcha secret")
	}

	sent := len(box.Emails())
	st, res = create("")
	wantError(t, "no captcha token", st, res, 422, "requires a captcha")
	wantEq(t, res, "code", "other_verify_failure")
	st, res = create("forged")
	wantError(t, "a forged token", st, res, 422, "did not accept")
	if n := len(box.Emails()); n != sent {
		t.Fatalf("%d codes sent for refused requests", n-sent)
	}
	provider.Issue("solved-1")
	st, res = create("solved-1")
	wantStatus(t, "a solved captcha", st, 200, res)
	if len(box.Emails()) != sent+1 {
		t.Fatal("no code sent for a solved captcha")
	}
	st, res = create("solved-1")
	wantError(t, "a reused token", st, res, 422, "did not accept")
	calls := provider.Calls()
	if c := calls[len(calls)-1]; c.Secret != secret || c.Response != "solved-1" {
		t.Fatalf("siteverify was asked %+v (the secret opened from the sealed settings?)", c)
	}

	sms := func(token string) (int, any) {
		return h.do(t, "POST", "/sdk/"+env+"/smsVerifications/create", "", map[string]any{"phoneCountryCode": "1",
			"phoneNumber": "2025550143", "isoCountryCode": "US", "captchaToken": token})
	}
	st, res = sms("")
	wantError(t, "an SMS code without a captcha", st, res, 422, "requires a captcha")
	provider.Issue("solved-sms")
	st, res = sms("solved-sms")
	wantStatus(t, "an SMS code with a solved captcha", st, 200, res)

	// a social sign-in: the captcha is checked before its state and code
	oauth := func(token string) (int, any) {
		return h.do(t, "POST", "/sdk/"+env+"/providers/google/signIn", "", map[string]any{"state": "st", "code": "c",
			"captchaToken": token})
	}
	st, res = oauth("")
	wantError(t, "a social sign-in without a captcha", st, res, 422, "requires a captcha")
	provider.Issue("solved-oauth")
	st, res = oauth("solved-oauth")
	if st == 200 || strings.Contains(dump(res), "captcha") {
		t.Fatalf("a social sign-in with a solved captcha and a bogus state: %d %s", st, dump(res))
	}

	// Farcaster and Telegram sign-ins start an account too: the captcha
	// is checked before their proofs (links, signed in, are not asked)
	for _, c := range []struct {
		name, path string
		body       map[string]any
	}{
		{"farcaster", "/farcaster/signin", map[string]any{"address": "0x0000000000000000000000000000000000000001",
			"domain": "example.com", "nonce": "n", "message": "m", "signature": "0x00"}},
		{"telegram", "/telegram/signin", map[string]any{"telegramAuthToken": "query_id=1&hash=00"}},
	} {
		st, res = h.do(t, "POST", "/sdk/"+env+c.path, "", c.body)
		wantError(t, "a "+c.name+" sign-in without a captcha", st, res, 422, "requires a captcha")
		provider.Issue("solved-" + c.name)
		c.body["captchaToken"] = "solved-" + c.name
		st, res = h.do(t, "POST", "/sdk/"+env+c.path, "", c.body)
		if st == 200 || strings.Contains(dump(res), "captcha") {
			t.Fatalf("a %s sign-in with a solved captcha and a bogus proof: %d %s", c.name, st, dump(res))
		}
	}

	// a wallet sign-in: refused, then the same message (same nonce) passes
	body := h.walletBody(t, env, newEVMWallet(t))
	r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", body: body})
	wantError(t, "wallet sign-in without a captcha", r.status, r.json, 422, "requires a captcha")
	provider.Issue("solved-2")
	body["captchaToken"] = "solved-2"
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/verify", body: body})
	wantStatus(t, "wallet sign-in with a solved captcha", r.status, 200, r.json)

	provider.SetDown(true)
	provider.Issue("solved-3")
	st, res = create("solved-3")
	wantError(t, "provider down", st, res, 422, "could not be asked")

	// security.captcha (the newer member) with Turnstile decides over it
	st, res = h.putSecurity(t, env, "captcha", map[string]any{"enabled": true, "provider": "cloudflareTurnstile",
		"siteKey": "ts-site", "secretKey": "ts-secret-0123456789"})
	wantStatus(t, "turnstile on", st, 200, res)
	turnstile.Issue("cf-1")
	st, res = create("cf-1")
	wantStatus(t, "a solved turnstile", st, 200, res)
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.captcha.siteKey", "ts-site")
	if has(res, "security.captcha.secretKey") {
		t.Fatal("the SDK settings show the turnstile secret")
	}
}

// TestCaptchaSettingsKeptAndChecked: security.captcha is a member Dynamic's
// admin client (@dynamic-labs/sdk-api 0.0.847) has no model for, so a
// dashboard update of anything else sends the settings back without it;
// the stored captcha (and its sealed secret key) is kept, and an explicit
// null clears it. A captcha the server could not apply (an unknown
// provider, a value of the wrong type, on without a secret key) is refused
// with a 400 naming the member instead of being stored: stored, it turned
// the captcha silently off or refused every sign-in of the environment.
func TestCaptchaSettingsKeptAndChecked(t *testing.T) {
	turnstile := captchatest.New(t, "ts-secret-0123456789")
	box := &deliverytest.Box{}
	mfBoth(t, func(c *dynamicauth.Config) {
		c.Captcha.VerifyURLs = map[string]string{captcha.Turnstile: turnstile.URL}
		c.Mailer = box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
	}, func(t *testing.T, h *harness) {
		env := h.ids.EnvironmentID
		h.enableCodes(t, env, nil, "emailOnly")
		create := func() (int, any) {
			return h.do(t, "POST", "/sdk/"+env+"/emailVerifications/create", "", map[string]any{"email": "ada@example.com"})
		}
		st, res := h.putSecurity(t, env, "captcha", map[string]any{"enabled": true, "provider": "cloudflareTurnstile",
			"siteKey": "ts-site", "secretKey": "ts-secret-0123456789"})
		wantStatus(t, "turnstile on", st, 200, res)

		// the official client's round trip: security.captcha dropped
		st, res = h.do(t, "GET", "/environments/"+env, h.token, nil)
		wantStatus(t, "get environment", st, 200, res)
		settings := obj(t, res, "settings")
		delete(obj(t, settings, "security"), "captcha")
		obj(t, settings, "general")["displayName"] = "Renamed"
		st, res = h.do(t, "PUT", "/environments/"+env, h.token, settings)
		wantStatus(t, "update by the client", st, 200, res)
		st, res = create()
		wantError(t, "a code after the client's update", st, res, 422, "requires a captcha")
		turnstile.Issue("cf-kept")
		st, res = h.do(t, "POST", "/sdk/"+env+"/emailVerifications/create", "",
			map[string]any{"email": "ada@example.com", "captchaToken": "cf-kept"})
		wantStatus(t, "the kept secret still opens", st, 200, res)

		for _, bad := range []any{
			map[string]any{"enabled": true, "provider": "recaptcha", "siteKey": "k", "secretKey": "s"},
			map[string]any{"enabled": "yes", "provider": "cloudflareTurnstile", "siteKey": "k", "secretKey": "s"},
			map[string]any{"enabled": true, "provider": 3, "siteKey": "k", "secretKey": "s"},
			map[string]any{"enabled": true, "provider": "cloudflareTurnstile", "siteKey": "k"},
			"on",
		} {
			st, res := h.putSecurity(t, env, "captcha", bad)
			wantError(t, fmt.Sprintf("captcha %v", bad), st, res, 400, "security.captcha")
		}
		st, res = create()
		wantError(t, "a code after refused updates", st, res, 422, "requires a captcha")

		st, res = h.putSecurity(t, env, "captcha", nil)
		wantStatus(t, "captcha cleared", st, 200, res)
		st, res = h.putSecurity(t, env, "hCaptcha", map[string]any{"enabled": true, "siteKey": "k"})
		wantError(t, "hCaptcha on without a secret key", st, res, 400, "security.hCaptcha")
		st, res = create()
		wantStatus(t, "a code with the captcha cleared", st, 200, res)
	})
}
