package mfa

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/secrets"
)

func rfc6238(t *testing.T, secret string, at time.Time) string { return mfatest.TOTP(t, secret, at) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newTestService(t *testing.T) (*Service, *memStore, *clock) {
	t.Helper()
	keys, err := secrets.New(make([]byte, secrets.MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	st := newMemStore()
	// The middle of a step, so ±1 step stays unambiguous.
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 15, 0, time.UTC)}
	return New(Deps{Store: st, Secrets: keys, Now: c.now}), st, c
}

func kindCode(err error) (errs.Kind, string) {
	var e *errs.E
	if err == nil {
		return -1, ""
	}
	if ok := asE(err, &e); !ok {
		return errs.KindInternal, ""
	}
	return e.Kind, e.Code
}

func asE(err error, e **errs.E) bool {
	for err != nil {
		if x, ok := err.(*errs.E); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func enroll(t *testing.T, s *Service, c *clock, user string) string {
	t.Helper()
	ctx := context.Background()
	en, err := s.BeginTOTP(ctx, "env", user, "Acme Shop", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConfirmTOTP(ctx, user, rfc6238(t, en.Secret, c.now())); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	return en.Secret
}

func TestBeginTOTPMakesAStandardSecretAndURI(t *testing.T) {
	s, st, _ := newTestService(t)
	en, err := s.BeginTOTP(context.Background(), "env", "u1", "Acme Shop", "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
	if err != nil || len(raw) != 20 {
		t.Fatalf("secret %q: %d bytes, %v; want 160 bits of base32", en.Secret, len(raw), err)
	}
	u, err := url.Parse(en.URI)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" {
		t.Fatalf("uri %q", en.URI)
	}
	q := u.Query()
	if q.Get("issuer") != "Acme Shop" || q.Get("secret") != en.Secret || q.Get("digits") != "6" ||
		q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Fatalf("uri parameters %v", q)
	}
	if !strings.Contains(u.Path, "ann@example.com") {
		t.Fatalf("uri path %q lacks the account", u.Path)
	}
	if en.Device.Verified() {
		t.Fatal("a new device is verified before its first code")
	}
	stored := st.devices[0].Secret
	if strings.Contains(string(stored), en.Secret) {
		t.Fatal("the TOTP secret is stored in the clear")
	}
	// The sealed secret is bound to its device: moved to another, it does not open.
	other := st.devices[0].Device
	other.ID = "other"
	if _, err := s.keys.Open(stored, sealAAD(&other)); err == nil {
		t.Fatal("a sealed secret opened for another device")
	}
}

func TestTOTPCodeIsAcceptedOnceWithinOneStep(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	secret := enroll(t, s, c, "u1")

	// The enrollment code was at step 0; the same code is now used.
	if _, err := s.VerifyTOTP(ctx, "u1", "", rfc6238(t, secret, c.now())); err == nil {
		t.Fatal("the enrollment code worked a second time")
	}
	c.add(30 * time.Second)
	if _, err := s.VerifyTOTP(ctx, "u1", "", rfc6238(t, secret, c.now().Add(-30*time.Second))); err == nil {
		t.Fatal("the previous step's code, already used, worked again")
	}
	// The next step (clock drift of +1) is fine, and then the current one is older: refused.
	if _, err := s.VerifyTOTP(ctx, "u1", "", rfc6238(t, secret, c.now().Add(30*time.Second))); err != nil {
		t.Fatalf("code of the next step: %v", err)
	}
	if _, err := s.VerifyTOTP(ctx, "u1", "", rfc6238(t, secret, c.now())); err == nil {
		t.Fatal("a step older than the last accepted one worked")
	}
	c.add(90 * time.Second)
	for _, off := range []time.Duration{-60 * time.Second, 60 * time.Second} {
		if _, err := s.VerifyTOTP(ctx, "u1", "", rfc6238(t, secret, c.now().Add(off))); err == nil {
			t.Fatalf("code %v away (2 steps) was accepted", off)
		}
	}
	if _, err := s.VerifyTOTP(ctx, "u1", "", rfc6238(t, secret, c.now().Add(-30*time.Second))); err != nil {
		t.Fatalf("code of the previous step (clock drift of -1): %v", err)
	}
}

func TestTOTPReplayRaceAcceptsOnce(t *testing.T) {
	s, _, c := newTestService(t)
	secret := enroll(t, s, c, "u1")
	c.add(30 * time.Second)
	code := rfc6238(t, secret, c.now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.VerifyTOTP(context.Background(), "u1", "", code); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("the same code was accepted %d times, want once", ok)
	}
}

func TestWrongCodesLockAtTheLimitUntilTheCooldown(t *testing.T) {
	s, _, c := newTestService(t)
	secret := enroll(t, s, c, "u1")
	c.add(30 * time.Second)
	right := rfc6238(t, secret, c.now())
	wrong := fmt.Sprintf("%06d", (mustAtoi(right)+1)%1_000_000)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]int{}
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.VerifyTOTP(context.Background(), "u1", "", wrong)
			_, code := kindCode(err)
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[CodeInvalidCode] != s.cfg.MaxAttempts || counts[CodeRateLimited] != 30-s.cfg.MaxAttempts {
		t.Fatalf("30 parallel wrong codes gave %v; want exactly %d %s", counts, s.cfg.MaxAttempts, CodeInvalidCode)
	}
	// Locked: even the right code is refused, with a retry time.
	_, err := s.VerifyTOTP(context.Background(), "u1", "", right)
	var e *errs.E
	if !asE(err, &e) || e.Kind != errs.KindRateLimited || e.Code != CodeRateLimited || e.RetryAfter <= 0 {
		t.Fatalf("right code while locked: %v", err)
	}
	// Another user is not locked.
	secret2 := enroll(t, s, c, "u2")
	_ = secret2
	c.add(s.cfg.Cooldown)
	if _, err := s.VerifyTOTP(context.Background(), "u1", "", rfc6238(t, secret, c.now())); err != nil {
		t.Fatalf("right code after the cooldown: %v", err)
	}
}

func mustAtoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestConfirmNeedsAPendingDeviceAndAGoodCode(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	if _, err := s.ConfirmTOTP(ctx, "u1", "123456"); err == nil {
		t.Fatal("confirmed without an enrollment")
	}
	en, err := s.BeginTOTP(ctx, "env", "u1", "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, err := s.ConfirmTOTP(ctx, "u1", bad); err == nil {
			t.Fatalf("code %q confirmed", bad)
		}
	}
	// Another user's code does not confirm this user's device.
	if _, err := s.ConfirmTOTP(ctx, "u2", rfc6238(t, en.Secret, c.now())); err == nil {
		t.Fatal("u2 confirmed u1's device")
	}
	d, err := s.ConfirmTOTP(ctx, "u1", rfc6238(t, en.Secret, c.now()))
	if err != nil || !d.Verified() || !d.Default {
		t.Fatalf("confirm: %+v %v", d, err)
	}
	if _, err := s.VerifyTOTP(ctx, "u1", "no-such-device", "123456"); err == nil {
		t.Fatal("verified against an unknown device")
	}
}

func TestRecoveryCodesAreSingleUseAndReplaced(t *testing.T) {
	s, st, _ := newTestService(t)
	ctx := context.Background()
	codes, n, err := s.RecoveryCodes(ctx, "u1")
	if err != nil || n != 10 || len(codes) != 10 {
		t.Fatalf("first GET: %d codes (%d), %v", len(codes), n, err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] || len(normalizeRecovery(c)) != recoveryLen {
			t.Fatalf("code %q repeated or malformed", c)
		}
		seen[c] = true
		for _, h := range st.codes["u1"] {
			if strings.Contains(string(h.hash), normalizeRecovery(c)) {
				t.Fatal("a recovery code is stored in the clear")
			}
		}
	}
	again, left, err := s.RecoveryCodes(ctx, "u1")
	if err != nil || len(again) != 0 || left != 10 {
		t.Fatalf("second GET shows %d codes (%d left), %v; codes are shown once", len(again), left, err)
	}
	if err := s.UseRecoveryCode(ctx, "u2", codes[0]); err == nil {
		t.Fatal("u1's code worked for u2")
	}
	if err := s.UseRecoveryCode(ctx, "u1", strings.ToLower(codes[0])); err != nil {
		t.Fatalf("use (lower case): %v", err)
	}
	if err := s.UseRecoveryCode(ctx, "u1", codes[0]); err == nil {
		t.Fatal("a used recovery code worked again")
	}
	fresh, err := s.NewRecoveryCodes(ctx, "u1")
	if err != nil || len(fresh) != 10 {
		t.Fatal(err)
	}
	if err := s.UseRecoveryCode(ctx, "u1", codes[1]); err == nil {
		t.Fatal("a code of the replaced set still works")
	}
	if err := s.UseRecoveryCode(ctx, "u1", fresh[9]); err != nil {
		t.Fatalf("a code of the new set: %v", err)
	}
}

func TestRecoveryCodeGuessesAreLimited(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	codes, _, _ := s.RecoveryCodes(ctx, "u1")
	for range s.cfg.MaxAttempts {
		if k, code := kindCode(s.UseRecoveryCode(ctx, "u1", "AAAAA-AAAAA")); code != CodeInvalidCode {
			t.Fatalf("wrong code: %v %s", k, code)
		}
	}
	if _, code := kindCode(s.UseRecoveryCode(ctx, "u1", codes[0])); code != CodeRateLimited {
		t.Fatalf("a right code past the limit gave %q, want %s", code, CodeRateLimited)
	}
}

func TestDevicesDefaultAndReset(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	enroll(t, s, c, "u1")
	c.add(time.Minute)
	enroll(t, s, c, "u1")
	devs, _ := s.VerifiedDevices(ctx, "u1")
	if len(devs) != 2 || !devs[0].Default || devs[1].Default {
		t.Fatalf("devices %+v: the first verified is the default", devs)
	}
	if _, err := s.SetDefault(ctx, "u1", devs[1].ID, true); err != nil {
		t.Fatal(err)
	}
	devs, _ = s.VerifiedDevices(ctx, "u1")
	if devs[0].Default || !devs[1].Default {
		t.Fatalf("after PUT default: %+v", devs)
	}
	if _, err := s.Device(ctx, "u2", devs[0].ID); err == nil {
		t.Fatal("u2 read u1's device")
	}
	if err := s.DeleteDevice(ctx, "u2", devs[0].ID); err == nil {
		t.Fatal("u2 deleted u1's device")
	}
	if err := s.DeleteDevice(ctx, "u1", devs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if devs, _ := s.Devices(ctx, "u1"); len(devs) != 0 {
		t.Fatalf("after reset: %d devices", len(devs))
	}
}

func TestPolicy(t *testing.T) {
	tests := []struct {
		settings         string
		hasMethod        bool
		pending, allowsT bool
	}{
		{`{}`, true, false, true},
		{`{"security":{"mfa":{"enabled":false,"required":true}}}`, true, false, true},
		{`{"security":{"mfa":{"enabled":true}}}`, false, false, true},
		{`{"security":{"mfa":{"enabled":true}}}`, true, true, true},
		{`{"security":{"mfa":{"enabled":true,"enrollment":"signup"}}}`, false, true, true},
		{`{"security":{"mfa":{"enabled":true,"required":true}}}`, false, true, true},
		{`{"security":{"mfa":{"enabled":true,"enrollment":"action"}}}`, false, false, true},
		{`{"security":{"mfa":{"enabled":true,"methods":[{"type":"passkey","enabled":true},{"type":"totp","enabled":false}]}}}`, true, true, false},
		{`{"security":{"mfa":{"enabled":true,"availableMethods":["email"]}}}`, true, true, false},
	}
	for _, tc := range tests {
		p := PolicyFrom([]byte(tc.settings))
		if p.Pending(tc.hasMethod) != tc.pending || p.Allows(TypeTOTP) != tc.allowsT {
			t.Errorf("%s (has method %v): pending %v allows totp %v", tc.settings, tc.hasMethod, p.Pending(tc.hasMethod), p.Allows(TypeTOTP))
		}
	}
}

func TestEffectiveSettingsSpellOutThePolicy(t *testing.T) {
	in := `{"chains":[],"security":{"jwtDuration":{"amount":2,"unit":"hours"},"mfa":{"enabled":true,"required":true,"methods":[{"type":"totp","enabled":true,"allowBackupCodes":false}]}}}`
	var out struct {
		Chains   []any `json:"chains"`
		Security struct {
			JWT json.RawMessage `json:"jwtDuration"`
			MFA struct {
				Enabled          bool     `json:"enabled"`
				Required         bool     `json:"required"`
				Enrollment       string   `json:"enrollment"`
				AvailableMethods []string `json:"availableMethods"`
				Methods          []struct {
					Type             string `json:"type"`
					Enabled          bool   `json:"enabled"`
					AllowBackupCodes bool   `json:"allowBackupCodes"`
				} `json:"methods"`
			} `json:"mfa"`
		} `json:"security"`
	}
	if err := json.Unmarshal(WithEffectiveSettings([]byte(in)), &out); err != nil {
		t.Fatal(err)
	}
	m := out.Security.MFA
	if out.Chains == nil || len(out.Security.JWT) == 0 || !m.Enabled || !m.Required || m.Enrollment != EnrollSignup ||
		strings.Join(m.AvailableMethods, ",") != "totp" || len(m.Methods) != 3 || !m.Methods[0].Enabled || m.Methods[1].Enabled ||
		m.Methods[0].AllowBackupCodes {
		t.Fatalf("effective settings %+v", out)
	}
}

func TestMFATokens(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	once, err := s.IssueToken(ctx, "u1", "sid", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckToken(ctx, "u2", "sid", once); err == nil {
		t.Fatal("u1's mfaToken worked for u2")
	}
	if err := s.CheckToken(ctx, "u1", "other-sid", once); err == nil {
		t.Fatal("the mfaToken of session sid worked for another session of u1")
	}
	if err := s.CheckToken(ctx, "u1", "", once); err == nil {
		t.Fatal("the mfaToken worked without a session")
	}
	if err := s.CheckToken(ctx, "u1", "sid", once); err != nil {
		t.Fatalf("single-use token (not spent by the refused checks): %v", err)
	}
	if err := s.CheckToken(ctx, "u1", "sid", once); err == nil {
		t.Fatal("a single-use mfaToken worked twice")
	}
	bound, _ := s.IssueToken(ctx, "u1", "sid", false)
	for range 2 {
		if err := s.CheckToken(ctx, "u1", "sid", bound); err != nil {
			t.Fatalf("time-bound token: %v", err)
		}
	}
	c.add(timeBoundTTL)
	if err := s.CheckToken(ctx, "u1", "sid", bound); err == nil {
		t.Fatal("an expired mfaToken worked")
	}
	if err := s.CheckToken(ctx, "u1", "sid", ""); err == nil {
		t.Fatal("no token passed")
	}
}

// TestServesSpendsNothing: Serves looks at a proof, refusing one no live
// token serves (another session's, unknown) and spending none: a
// single-use token it accepted still serves once.
func TestServesSpendsNothing(t *testing.T) {
	s, _, _ := newTestService(t)
	ctx := context.Background()
	once, err := s.IssueToken(ctx, "u1", "sid", true)
	if err != nil {
		t.Fatal(err)
	}
	proof := func(sid, raw string) *TokenUse {
		t.Helper()
		u, err := s.TokenProof("u1", sid, raw)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if err := s.Serves(ctx, proof("other-sid", once)); err == nil {
		t.Fatal("another session's proof served")
	}
	if err := s.Serves(ctx, proof("sid", "mfa_unknown")); err == nil {
		t.Fatal("an unknown token served")
	}
	for range 2 {
		if err := s.Serves(ctx, proof("sid", once)); err != nil {
			t.Fatalf("a look at the single-use token: %v", err)
		}
	}
	if err := s.Spend(ctx, proof("sid", once)); err != nil {
		t.Fatalf("the single-use token after the looks: %v", err)
	}
	if err := s.Serves(ctx, proof("sid", once)); err == nil {
		t.Fatal("the spent token served")
	}
}

func TestElevatedAccessTokens(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	for _, bad := range [][]string{{"user:basic"}, {"admin"}, {"wallet:sign", "nope"}} {
		if _, err := s.IssueElevated(ctx, "u1", "sid", bad); err == nil {
			t.Fatalf("scopes %v were accepted", bad)
		} else if _, code := kindCode(err); code != CodeInvalidScopes {
			t.Fatalf("scopes %v: %v", bad, err)
		}
	}
	bound, err := s.IssueElevated(ctx, "u1", "sid", []string{"user:update", "credential:link"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.CheckElevated(ctx, "u1", "sid", bound, "credential:link"); err != nil {
			t.Fatalf("time-bound elevated token: %v", err)
		}
	}
	if err := s.CheckElevated(ctx, "u1", "sid", bound, "user:delete"); err == nil {
		t.Fatal("an elevated token served a scope it does not carry")
	}
	if err := s.CheckElevated(ctx, "u2", "sid", bound, "user:update"); err == nil {
		t.Fatal("u1's elevated token served u2")
	}
	if err := s.CheckToken(ctx, "u1", "sid", bound); err == nil {
		t.Fatal("an elevated token passed as an mfaToken")
	}
	once, _ := s.IssueElevated(ctx, "u1", "sid", []string{"wallet:sign"})
	if err := s.CheckElevated(ctx, "u1", "sid", once, "wallet:sign"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckElevated(ctx, "u1", "sid", once, "wallet:sign"); err == nil {
		t.Fatal("a wallet-scoped elevated token worked twice")
	}
	c.add(timeBoundTTL)
	if err := s.CheckElevated(ctx, "u1", "sid", bound, "user:update"); err == nil {
		t.Fatal("an expired elevated token worked")
	}
}

// Dynamic's SDK keeps an elevatedAccessToken only if it decodes as a JWT
// with scope, exp and singleUse; the server still trusts only its record.
func TestElevatedAccessTokenIsAJWTTheSDKCanRead(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	raw, err := s.IssueElevated(ctx, "u1", "sid", []string{"wallet:export", "credential:unlink"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Sub, Sid, Scope string
		SingleUse       bool
		Exp             int64
	}
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Sub != "u1" || claims.Sid != "sid" || claims.Scope != "wallet:export credential:unlink" || !claims.SingleUse ||
		claims.Exp != c.now().Add(singleUseTTL).Unix() {
		t.Fatalf("claims %+v", claims)
	}
	// A token forged with the same claims (another signature) is unknown.
	forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("x"))
	if err := s.CheckElevated(ctx, "u1", "sid", forged, "wallet:export"); err == nil {
		t.Fatal("a forged elevated token worked")
	}
	// Another session of the same user cannot spend it.
	bound, _ := s.IssueElevated(ctx, "u1", "sid", []string{"user:update"})
	if err := s.CheckElevated(ctx, "u1", "other-sid", bound, "user:update"); err == nil {
		t.Fatal("an elevated token served another session")
	}
	if err := s.CheckElevated(ctx, "u1", "sid", raw, "wallet:export"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckElevated(ctx, "u1", "sid", raw, "wallet:export"); err == nil {
		t.Fatal("a replayed single-use elevated token worked")
	}
}

func TestStepUpRequiredFollowsTheActions(t *testing.T) {
	p := PolicyFrom([]byte(`{"security":{"mfa":{"actions":[{"action":"user.update","required":true},
		{"action":"wallet.waas.export","required":false}]}}}`))
	for scope, want := range map[string]bool{"user:update": true, "wallet:export": false, "credential:link": false, "wallet:sign": false} {
		if got := p.StepUpRequired(scope); got != want {
			t.Errorf("%s: required %v, want %v", scope, got, want)
		}
	}
}

// tokenBehavior and tokenExpirySeconds of an action shape the tokens for
// its scope; the strictest of several wins; expiries are bounded.
func TestElevatedTokenFollowsTheActionsTokenSettings(t *testing.T) {
	s, _, c := newTestService(t)
	ctx := context.Background()
	p := PolicyFrom([]byte(`{"security":{"mfa":{"actions":[
		{"action":"user.update","required":true,"tokenBehavior":"single_use","tokenExpirySeconds":60},
		{"action":"wallet.waas.export","required":true,"tokenBehavior":"time_bound","tokenExpirySeconds":999999}]}}}`))
	exp := func(raw string) (bool, int64) {
		t.Helper()
		b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		var cl struct {
			SingleUse bool
			Exp       int64
		}
		if err := json.Unmarshal(b, &cl); err != nil {
			t.Fatal(err)
		}
		return cl.SingleUse, cl.Exp - c.now().Unix()
	}
	for _, tc := range []struct {
		scopes []string
		single bool
		ttl    int64
	}{
		{[]string{"user:update"}, true, 60},
		{[]string{"wallet:export"}, false, 3600}, // time_bound overrides the wallet default; the expiry is capped at an hour
		{[]string{"wallet:sign"}, true, 300},
		{[]string{"wallet:sign", "wallet:export"}, true, 300},
		{[]string{"credential:link"}, false, 600},
		{[]string{"credential:link", "user:update"}, true, 60},
	} {
		raw, err := s.IssueElevatedUnder(ctx, p, "u1", "sid", tc.scopes)
		if err != nil {
			t.Fatal(err)
		}
		if single, ttl := exp(raw); single != tc.single || ttl != tc.ttl {
			t.Errorf("%v: singleUse %v for %ds, want %v for %ds", tc.scopes, single, ttl, tc.single, tc.ttl)
		}
	}
	raw, _ := s.IssueElevatedUnder(ctx, p, "u1", "sid", []string{"user:update"})
	c.add(61 * time.Second)
	if err := s.CheckElevated(ctx, "u1", "sid", raw, "user:update"); err == nil {
		t.Fatal("a token past the action's tokenExpirySeconds worked")
	}
}
