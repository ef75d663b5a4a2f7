package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

func newCodeHarness(t *testing.T, backend string) (*harness, *deliverytest.Box) {
	return newCodeHarnessWith(t, backend, nil)
}

// newCodeHarnessWith is newCodeHarness with tune (if set) applied to the
// config.
func newCodeHarnessWith(t *testing.T, backend string, tune func(*dynamicauth.Config)) (*harness, *deliverytest.Box) {
	box := &deliverytest.Box{}
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Mailer, c.SMS = box, box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
		if tune != nil {
			tune(c)
		}
	})
	return h, box
}

// enableCodes turns on sign-in by the given providers (emailOnly, sms)
// in the environment's settings, with sdk members merged in.
func (h *harness) enableCodes(t *testing.T, envID string, sdk map[string]any, providers ...string) {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+envID, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	settings := obj(t, res, "settings")
	list := []any{}
	for _, p := range providers {
		list = append(list, map[string]any{"provider": p, "enabledAt": time.Now().UTC().Format(time.RFC3339)})
	}
	settings["providers"] = list
	s, _ := settings["sdk"].(map[string]any)
	if s == nil {
		s = map[string]any{}
	}
	for k, v := range sdk {
		s[k] = v
	}
	settings["sdk"] = s
	st, res = h.do(t, "PUT", "/environments/"+envID, h.token, settings)
	wantStatus(t, "enable codes", st, 200, res)
}

// startEmailCode starts an emailVerifications/create for email in envID
// and returns its verificationUUID (the code goes to the harness's box).
func (h *harness) startEmailCode(t *testing.T, envID, email string) string {
	t.Helper()
	st, res := h.do(t, "POST", "/sdk/"+envID+"/emailVerifications/create", "", map[string]any{"email": email})
	wantStatus(t, "create "+email, st, 200, res)
	return str(t, res, "verificationUUID")
}

// requireUpdateStepUp makes PUT /users and the links it guards take the
// user.update step-up, its tokens single-use.
func (h *harness) requireUpdateStepUp(t *testing.T) {
	t.Helper()
	h.mfSetMFA(t, map[string]any{"enabled": true, "actions": []any{
		map[string]any{"action": "user.update", "required": true, "tokenBehavior": "single_use"}}})
}

func TestEmailCodeSignInVerifyAndProfileChange(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testEmailCodes(t, backend) })
	}
}

func testEmailCodes(t *testing.T, backend string) {
	h, box := newCodeHarness(t, backend)
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env

	st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "al@example.com"})
	wantErrCode(t, "email sign-in off", st, res, 422, "no_enabled_email_provider")
	h.enableCodes(t, env, map[string]any{"blockEmailSubaddresses": true}, "emailOnly")

	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "al+x@example.com"})
	wantErrCode(t, "sub-address", st, res, 422, "invalid_email_address")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "not-an-email"})
	wantErrCode(t, "not an email", st, res, 422, "invalid_email")

	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "Al@Example.com"})
	wantStatus(t, "create", st, 200, res)
	wantEq(t, res, "email", "Al@Example.com")
	vid := str(t, res, "verificationUUID")
	first := box.Code(t, "Al@Example.com")

	// A retry replaces the code.
	st, res = h.do(t, "POST", sdk+"/emailVerifications/retry", "", map[string]any{"email": "al@example.com", "verificationUUID": vid})
	wantStatus(t, "retry", st, 200, res)
	wantEq(t, res, "verificationUUID", vid)
	code := box.Code(t, "al@example.com")
	if first != code {
		st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": first})
		wantErrCode(t, "the replaced code", st, res, 422, "wrong_email_verification_token")
	}
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": "12345"})
	wantStatus(t, "five digits", st, 400, res)

	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantStatus(t, "sign-in", st, 200, res)
	wantEq(t, res, "user.newUser", true)
	wantEq(t, res, "user.email", "al@example.com")
	wantEq(t, res, "user.verifiedCredentials.0.format", "email")
	wantEq(t, res, "user.verifiedCredentials.0.email", "al@example.com")
	userID, jwt := str(t, res, "user.id"), str(t, res, "minifiedJwt")
	if st := h.sdkUserStatus(t, env, jwt); st != 200 {
		t.Fatalf("the session token is refused: %d", st)
	}
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantErrCode(t, "the code again", st, res, 422, "invalid_email_verification")

	// The same address, another case, signs in to the same user.
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "AL@example.com"})
	wantStatus(t, "create again", st, 200, res)
	vid2 := str(t, res, "verificationUUID")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid2,
		"verificationToken": box.Code(t, "AL@example.com")})
	wantStatus(t, "second sign-in", st, 200, res)
	wantEq(t, res, "user.id", userID)
	wantEq(t, res, "user.newUser", false)

	// A wallet user adds an email: PUT /users starts the verification,
	// emailVerifications/verify stores it.
	_, _, wjwt := h.signIn(t, env, newEVMWallet(t))
	st, res = h.do(t, "PUT", sdk+"/users", wjwt, map[string]any{"email": "bo@example.com"})
	wantStatus(t, "PUT /users with a new email", st, 200, res)
	wantEq(t, res, "nextView", "verify-email")
	wantEq(t, res, "emailVerification.email", "bo@example.com")
	if has(res, "user.email") && str(t, res, "user.email") != "" {
		t.Fatalf("the email was stored before it was verified: %s", dump(res))
	}
	bvid := str(t, res, "emailVerification.verificationUUID")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", "", map[string]any{"verificationUUID": bvid,
		"verificationToken": box.Code(t, "bo@example.com")})
	wantStatus(t, "verify without a session", st, 401, res)
	st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", wjwt, map[string]any{"verificationUUID": bvid,
		"verificationToken": box.Code(t, "bo@example.com")})
	wantStatus(t, "verify", st, 200, res)
	wantEq(t, res, "nextView", "done")
	wantEq(t, res, "user.email", "bo@example.com")
	found := false
	for _, c := range list(t, res, "user.verifiedCredentials") {
		if m, _ := c.(map[string]any); m["format"] == "email" && m["email"] == "bo@example.com" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no email credential after verify: %s", dump(res))
	}

	// An email another user signs in with cannot be verified by a third.
	_, _, cjwt := h.signIn(t, env, newEVMWallet(t))
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "al@example.com"})
	wantStatus(t, "create for al", st, 200, res)
	st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", cjwt, map[string]any{"verificationUUID": str(t, res, "verificationUUID"),
		"verificationToken": box.Code(t, "al@example.com")})
	wantErrCode(t, "another user's email", st, res, 422, "email_already_exists")

	st, res = h.do(t, "GET", sdk+"/emailProvider?email=al@example.com", "", nil)
	wantStatus(t, "emailProvider", st, 200, res)
	wantEq(t, res, "emailProvider", "emailOnly")

	// Events of the sign-up are in the outbox.
	st, res = h.do(t, "GET", "/environments/"+env+"/events?resourceType=user", h.token, nil)
	if st == 200 && !strings.Contains(dump(res), "user.email.linked") {
		t.Errorf("no user.email.linked event: %s", truncate([]byte(dump(res)), 1500))
	}
}

// TestSMSSignInAndEmailBruteForce runs the SMS sign-in and the email
// brute force on each backend, sharing one server per backend (the SMS
// part runs first: it starts with SMS off).
func TestSMSSignInAndEmailBruteForce(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			t.Run("SMSSignIn", func(t *testing.T) { testSMSCodes(t, h, box) })
			t.Run("EmailBruteForce", func(t *testing.T) { testEmailBruteForce(t, h, box) })
		})
	}
}

func testSMSCodes(t *testing.T, h *harness, box *deliverytest.Box) {
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	body := map[string]any{"phoneCountryCode": "1", "phoneNumber": "(415) 555-0134", "isoCountryCode": "US"}
	st, res := h.do(t, "POST", sdk+"/smsVerifications/create", "", body)
	wantErrCode(t, "SMS off", st, res, 422, "no_enabled_sms_provider")
	h.enableCodes(t, env, nil, "sms")
	st, res = h.do(t, "POST", sdk+"/smsVerifications/create", "", map[string]any{"phoneCountryCode": "1", "phoneNumber": "12", "isoCountryCode": "US"})
	wantErrCode(t, "bad number", st, res, 422, "invalid_phone")
	st, res = h.do(t, "POST", sdk+"/smsVerifications/create", "", body)
	wantStatus(t, "create", st, 200, res)
	wantEq(t, res, "phoneNumber", "(415) 555-0134")
	wantEq(t, res, "isoCountryCode", "US")
	vid := str(t, res, "verificationUUID")
	body["verificationUUID"] = vid
	st, res = h.do(t, "POST", sdk+"/smsVerifications/retry", "", body)
	wantStatus(t, "retry", st, 200, res)
	code := box.Code(t, "+14155550134")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantErrCode(t, "an SMS code on the email route", st, res, 422, "no_enabled_email_provider")
	st, res = h.do(t, "POST", sdk+"/smsVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantStatus(t, "sign-in", st, 200, res)
	wantEq(t, res, "user.newUser", true)
	wantEq(t, res, "user.phoneNumber", "+14155550134")
	wantEq(t, res, "user.verifiedCredentials.0.format", "phoneNumber")
}

// wantErrCode checks an error answer's status and contract code.
func wantErrCode(t *testing.T, what string, st int, res any, status int, code string) {
	t.Helper()
	wantStatus(t, what, st, status, res)
	if c, _ := at(res, "code"); c != code {
		t.Fatalf("%s: code %v, want %s: %s", what, c, code, dump(res))
	}
}

// testEmailBruteForce: 50 concurrent wrong guesses over HTTP get at most
// 5 checks (wrong_email_verification_token), the rest the lock; then the
// right code is refused too, and a code never works in another
// environment.
func testEmailBruteForce(t *testing.T, h *harness, box *deliverytest.Box) {
	env, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	h.enableCodes(t, env, nil, "emailOnly")
	h.enableCodes(t, live, nil, "emailOnly")
	st, res := h.do(t, "POST", "/sdk/"+env+"/emailVerifications/create", "", map[string]any{"email": "target@example.com"})
	wantStatus(t, "create", st, 200, res)
	vid := str(t, res, "verificationUUID")
	code := box.Code(t, "target@example.com")

	st, res = h.do(t, "POST", "/sdk/"+live+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantErrCode(t, "the code in another environment", st, res, 422, "invalid_email_verification")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			_, res := h.do(t, "POST", "/sdk/"+env+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": wrong})
			c, _ := at(res, "code")
			mu.Lock()
			counts[fmt.Sprint(c)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts["wrong_email_verification_token"] != 5 || counts["too_many_email_verification_attempts"] != 45 {
		t.Fatalf("50 concurrent wrong guesses answered %v; want 5 checked and 45 locked", counts)
	}
	st, res = h.do(t, "POST", "/sdk/"+env+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid, "verificationToken": code})
	wantErrCode(t, "the right code after the lock", st, res, 422, "too_many_email_verification_attempts")
}
