package httpapi_test

import (
	"crypto/ecdsa"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/ethereum/go-ethereum/crypto"
)

// skipClock is time.Now moved forward by what a test skips.
type skipClock struct{ skipped atomic.Int64 }

func (c *skipClock) now() time.Time       { return time.Now().Add(time.Duration(c.skipped.Load())) }
func (c *skipClock) skip(d time.Duration) { c.skipped.Add(int64(d)) }

// TestMFAEmail: users/mfa/auth/email takes the code of an email
// verification of the caller's own verified email as the second factor,
// once; a wrong code, a code of another address or another environment, a
// replay, an expired code and an email code after an email sign-in are
// refused; 20 concurrent wrong codes lock at 5.
func TestMFAEmail(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testMFAEmail(t, backend) })
	}
}

func testMFAEmail(t *testing.T, backend string) {
	box, clock := &deliverytest.Box{}, &skipClock{}
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Mailer, c.SMS = box, box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
		c.OTP.TTL = 30 * time.Minute // longer than the MFA lock's 15 minutes
		c.Now = clock.now
	})
	env, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	sdk := "/sdk/" + env
	authEmail := func(tok, vid, code string, extra map[string]any) (int, any) {
		body := map[string]any{"verificationUUID": vid, "verificationToken": code}
		for k, v := range extra {
			body[k] = v
		}
		return h.do(t, "POST", sdk+"/users/mfa/auth/email", tok, body)
	}
	start := func(envID, email string) (string, string) {
		t.Helper()
		return h.startEmailCode(t, envID, email), box.Code(t, email)
	}

	key := h.emailMFAUser(t, box, "Ada@Example.com")

	// An email code cannot be the second factor of an email sign-in.
	vid, code := start(env, "ada@example.com")
	st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantStatus(t, "email sign-in", st, 200, res)
	emailPending := str(t, res, "minifiedJwt")
	if !mfHas(mfScope(t, emailPending), "requiresAdditionalAuth") {
		t.Fatalf("the email sign-in of a user with a device is not MFA-pending: %v", mfScope(t, emailPending))
	}
	vid, code = start(env, "ada@example.com")
	st, res = authEmail(emailPending, vid, code, nil)
	wantErrCode(t, "an email code after an email sign-in", st, res, 422, "mfa_invalid_request")

	// Email sign-in off: MFA by email still sends codes, sign-in with
	// them stays off.
	h.enableCodes(t, env, nil)
	h.enableCodes(t, live, nil, "emailOnly")
	ptok := str(t, h.mfSignIn(t, key), "minifiedJwt")
	vid, code = start(env, "ADA@example.com")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantErrCode(t, "sign-in with an MFA code while email sign-in is off", st, res, 422, "no_enabled_email_provider")

	wrong := fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000)
	st, res = authEmail(ptok, vid, wrong, nil)
	wantErrCode(t, "a wrong code", st, res, 422, "wrong_email_verification_token")
	st, res = authEmail(ptok, vid, "12345", nil)
	wantStatus(t, "five digits", st, 400, res)
	st, res = h.do(t, "GET", sdk+"/users", ptok, nil)
	wantError(t, "GET /users while pending", st, res, 403)

	// A code of another address, or of another environment, proves
	// nothing about this user.
	ovid, ocode := start(env, "mallory@example.com")
	st, res = authEmail(ptok, ovid, ocode, nil)
	wantErrCode(t, "the code of another address", st, res, 422, "invalid_email_verification")
	h.enableCodes(t, env, nil, "emailOnly") // the refusal left the code to its address's owner
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": ovid, "verificationToken": ocode})
	wantStatus(t, "the refused code signs its address in", st, 200, res)
	h.enableCodes(t, env, nil)
	lvid, lcode := start(live, "ada@example.com")
	st, res = authEmail(ptok, lvid, lcode, nil)
	wantErrCode(t, "a code of another environment", st, res, 422, "invalid_email_verification")

	// The right code upgrades the same session once.
	st, res = authEmail(ptok, vid, code, map[string]any{"requestedScopes": []string{"credential:link"}})
	wantStatus(t, "auth/email", st, 200, res)
	up := str(t, res, "minifiedJwt")
	c := pfClaims(t, up)
	if c["sid"] != pfClaims(t, ptok)["sid"] || !mfHas(mfScope(t, up), "user:basic") || dump(c["amr"]) != `["wallet","email"]` {
		t.Fatalf("upgraded claims %s", dump(c))
	}
	if str(t, res, "elevatedAccessToken") == "" {
		t.Fatalf("no elevatedAccessToken: %s", dump(res))
	}
	st, res = h.do(t, "GET", sdk+"/users", up, nil)
	wantStatus(t, "GET /users after auth/email", st, 200, res)
	again := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", sdk+"/stepUp/check", up, map[string]any{"scope": "credential:link"})
	wantStatus(t, "stepUp/check", st, 200, res)
	if !strings.Contains(dump(list(t, res, "credentials")), `"alias":"ada@example.com","format":"email"`) {
		t.Fatalf("stepUp/check does not offer the verified email: %s", dump(res))
	}

	// 20 concurrent wrong codes: 5 are checked, then the per-user lock
	// answers.
	bvid, bcode := start(env, "ada@example.com")
	bad := fmt.Sprintf("%06d", (atoi(bcode)+1)%1_000_000)
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, res := authEmail(again, bvid, bad, nil)
			cd, _ := at(res, "code")
			mu.Lock()
			counts[fmt.Sprint(cd)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts["wrong_email_verification_token"] != 5 || counts["mfa_rate_limited"] != 15 {
		t.Fatalf("20 concurrent wrong codes answered %v; want 5 checked and 15 locked", counts)
	}
	st, res = authEmail(again, bvid, bcode, nil)
	wantErrCode(t, "the right code while locked", st, res, 429, "mfa_rate_limited")
	// After the lock's cool-down the verification itself stays dead.
	clock.skip(16 * time.Minute)
	st, res = authEmail(again, bvid, bcode, nil)
	wantErrCode(t, "the right code of a verification that used its attempts", st, res, 422, "too_many_email_verification_attempts")
	st, res = authEmail(again, vid, code, nil)
	wantErrCode(t, "the used code replayed by another session", st, res, 422, "invalid_email_verification")

	// An expired code.
	evid, ecode := start(env, "ada@example.com")
	clock.skip(31 * time.Minute)
	st, res = authEmail(again, evid, ecode, nil)
	wantErrCode(t, "an expired code", st, res, 422, "invalid_email_verification")

	// Not an MFA method of the environment: refused before a code is spent.
	mvid, mcode := start(env, "ada@example.com")
	h.mfSetMFA(t, map[string]any{"enabled": true, "methods": []any{map[string]any{"type": "totp", "enabled": true}}})
	st, res = authEmail(again, mvid, mcode, nil)
	wantErrCode(t, "email when it is not an MFA method", st, res, 422, "mfa_invalid_request")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "ada@example.com"})
	wantErrCode(t, "create with email sign-in and email MFA off", st, res, 422, "no_enabled_email_provider")
}

// emailMFAUser is a wallet user of the harness's environment, MFA on,
// with email verified (codes on) and a TOTP device: their wallet's key.
func (h *harness) emailMFAUser(t *testing.T, box *deliverytest.Box, email string) *ecdsa.PrivateKey {
	t.Helper()
	env := h.ids.EnvironmentID
	h.enableCodes(t, env, nil, "emailOnly")
	h.mfSetMFA(t, map[string]any{"enabled": true})
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res := h.do(t, "PUT", "/sdk/"+env+"/users", full, map[string]any{"email": email})
	wantStatus(t, "PUT /users email", st, 200, res)
	st, res = h.do(t, "POST", "/sdk/"+env+"/emailVerifications/verify", full, map[string]any{
		"verificationUUID": str(t, res, "emailVerification.verificationUUID"), "verificationToken": box.Code(t, email)})
	wantStatus(t, "verify the email", st, 200, res)
	h.mfEnroll(t, full)
	return key
}
