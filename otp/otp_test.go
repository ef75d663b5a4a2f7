package otp

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

type sent struct {
	mu     sync.Mutex
	emails []delivery.Email
	sms    []delivery.SMS
	fail   error
}

func (s *sent) SendEmail(_ context.Context, m delivery.Email) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.emails = append(s.emails, m)
	return nil
}

func (s *sent) SendSMS(_ context.Context, m delivery.SMS) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.sms = append(s.sms, m)
	return nil
}

func (s *sent) lastCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sms) > 0 {
		return s.sms[len(s.sms)-1].Code
	}
	return s.emails[len(s.emails)-1].Code
}

const enabledSettings = `{"general":{"displayName":"Acme"},"providers":[{"provider":"emailOnly","enabledAt":"2026-01-01T00:00:00Z"},
	{"provider":"sms","enabledAt":"2026-01-01T00:00:00Z"}],"sdk":{"blockEmailSubaddresses":true}}`

type fixture struct {
	svc   *Service
	out   *sent
	clock *time.Time
}

func newFixture(t *testing.T, cfg Config) fixture {
	now := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	f := fixture{out: &sent{}, clock: &now}
	clock := func() time.Time { return *f.clock }
	f.svc = New(Deps{Config: cfg, Key: []byte("k"), Store: newMemStore(), Mailer: f.out, SMS: f.out, Now: clock,
		Limiter: ratelimit.New(clock), Environments: memEnvs{
			"env": {ID: "env", Settings: []byte(enabledSettings)},
			"off": {ID: "off", Settings: []byte(`{"providers":[{"provider":"emailOnly","enabledAt":null}]}`)},
			"two": {ID: "two", Settings: []byte(enabledSettings)},
		}})
	return f
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *errs.E
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s: got %v, want code %s", what, err, code)
	}
}

func TestCodeIsSentCheckedOnceAndExpires(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	st, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: " Al@Example.COM "}, Client: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Address.Normal != "al@example.com" || st.Address.Display != "Al@Example.COM" {
		t.Fatalf("address %+v", st.Address)
	}
	m := f.out.emails[0]
	code := m.Code
	if !ValidCodeFormat(code) || m.To != "Al@Example.COM" || m.EnvironmentID != "env" || !strings.Contains(m.Text, code) ||
		!strings.Contains(m.Subject+m.Text, "Acme") {
		t.Fatalf("email %+v", m)
	}
	if st.Verification.CodeHash == code || strings.Contains(st.Verification.CodeHash, code) {
		t.Fatal("the code is stored in the clear")
	}
	id := st.Verification.ID
	_, err = f.svc.Check(ctx, "two", ChannelEmail, id, code)
	wantCode(t, "code of another environment", err, "invalid_email_verification")
	_, err = f.svc.Check(ctx, "env", ChannelSMS, id, code)
	wantCode(t, "email code on the SMS routes", err, "invalid_sms_verification")
	_, err = f.svc.Check(ctx, "env", ChannelEmail, id, "12345")
	if !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("five digits: %v", err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = f.svc.Check(ctx, "env", ChannelEmail, id, wrong)
	wantCode(t, "wrong code", err, "wrong_email_verification_token")
	v, err := f.svc.Check(ctx, "env", ChannelEmail, id, code)
	if err != nil || v.Address != "al@example.com" {
		t.Fatalf("right code: %v %+v", err, v)
	}
	_, err = f.svc.Check(ctx, "env", ChannelEmail, id, code)
	wantCode(t, "code used twice", err, "invalid_email_verification")

	st, err = f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "b@example.com"}, Client: "2"})
	if err != nil {
		t.Fatal(err)
	}
	*f.clock = f.clock.Add(DefaultTTL)
	_, err = f.svc.Check(ctx, "env", ChannelEmail, st.Verification.ID, f.out.lastCode())
	wantCode(t, "expired code", err, "invalid_email_verification")
	old := f.out.lastCode()
	if _, err := f.svc.Retry(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, ID: st.Verification.ID,
		Destination: Destination{Email: "c@example.com"}, Client: "2"}); err == nil {
		t.Fatal("a retry for another address was accepted")
	}
	if _, err := f.svc.Retry(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, ID: st.Verification.ID,
		Destination: Destination{Email: "B@example.com"}, Client: "2"}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if f.out.lastCode() != old {
		if _, err := f.svc.Check(ctx, "env", ChannelEmail, st.Verification.ID, old); err == nil {
			t.Fatal("the replaced code still works")
		}
	}
	if _, err := f.svc.Check(ctx, "env", ChannelEmail, st.Verification.ID, f.out.lastCode()); err != nil {
		t.Fatalf("the retried code: %v", err)
	}
}

func TestLockAfterMaxAttempts(t *testing.T) {
	f := newFixture(t, Config{MaxAttempts: 3})
	ctx := t.Context()
	st, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelSMS,
		Destination: Destination{PhoneCountryCode: "1", PhoneNumber: "(415) 555-0132", ISOCountryCode: "US"}, Client: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Address.Normal != "+14155550132" || f.out.sms[0].To != "+14155550132" {
		t.Fatalf("number %+v, sms %+v", st.Address, f.out.sms)
	}
	code := f.out.lastCode()
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for i := range 3 {
		_, err := f.svc.Check(ctx, "env", ChannelSMS, st.Verification.ID, wrong)
		wantCode(t, "wrong code "+string(rune('1'+i)), err, "wrong_sms_verification_token")
	}
	_, err = f.svc.Check(ctx, "env", ChannelSMS, st.Verification.ID, code)
	wantCode(t, "right code after the lock", err, "too_many_sms_verification_attempts")
	_, err = f.svc.Retry(ctx, Request{EnvironmentID: "env", Channel: ChannelSMS, ID: st.Verification.ID,
		Destination: Destination{PhoneNumber: "+1 415 555 0132"}, Client: "1"})
	wantCode(t, "retry after the lock", err, "too_many_sms_verification_attempts")
}

// TestPeekCountsNothing: Peek shows a live verification's address and
// session, never its code's hash, and counts no attempt; a used, locked,
// expired or unknown one it does not show.
func TestPeekCountsNothing(t *testing.T) {
	f := newFixture(t, Config{MaxAttempts: 2})
	ctx := t.Context()
	start := func(email string) (*Verification, string) {
		t.Helper()
		st, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: email},
			Client: email})
		if err != nil {
			t.Fatal(err)
		}
		return st.Verification, f.out.lastCode()
	}
	peek := func(what string, v *Verification, live bool) {
		t.Helper()
		got, err := f.svc.Peek(ctx, "env", ChannelEmail, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !live && got != nil || live && (got == nil || got.Address != v.Address || got.CodeHash != "") {
			t.Fatalf("%s: peeked %+v, want live %v", what, got, live)
		}
	}
	v, code := start("ada@example.com")
	for range 5 {
		peek("live", v, true)
	}
	for _, o := range [][2]string{{"two", ChannelEmail}, {"env", ChannelSMS}} {
		if got, err := f.svc.Peek(ctx, o[0], o[1], v.ID); got != nil || err != nil {
			t.Fatalf("peek in %v: %+v, %v", o, got, err)
		}
	}
	if _, err := f.svc.Check(ctx, "env", ChannelEmail, v.ID, code); err != nil {
		t.Fatalf("the right code after peeks: %v", err)
	}
	peek("used", v, false)

	v, code = start("bo@example.com")
	wrong := "999999"
	if code == wrong {
		wrong = "888888"
	}
	for range 2 {
		_, err := f.svc.Check(ctx, "env", ChannelEmail, v.ID, wrong)
		wantCode(t, "wrong code", err, "wrong_email_verification_token")
	}
	peek("locked", v, false)

	v, _ = start("cy@example.com")
	*f.clock = f.clock.Add(DefaultTTL)
	peek("expired", v, false)
	peek("unknown", &Verification{ID: "nope"}, false)
}

func TestSendLimitsAnswer429WithRetryAfter(t *testing.T) {
	f := newFixture(t, Config{SendPerIP: ratelimit.Rule{Burst: 100, Per: time.Minute}})
	ctx := t.Context()
	for i := range 3 {
		if _, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail,
			Destination: Destination{Email: "x@example.com"}, Client: string(rune('a' + i))}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "X@example.com"}, Client: "z"})
	var e *errs.E
	if !errors.As(err, &e) || e.Kind != errs.KindRateLimited || e.RetryAfter < time.Minute {
		t.Fatalf("fourth code to one address in 10 minutes: %v", err)
	}
	if len(f.out.emails) != 3 {
		t.Fatalf("%d emails sent, want 3", len(f.out.emails))
	}

	g := newFixture(t, Config{})
	for i := range 3 {
		if _, err := g.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail,
			Destination: Destination{Email: string(rune('a'+i)) + "@example.com"}, Client: "ip"}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, err = g.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "d@example.com"}, Client: "ip"})
	if !errs.Is(err, errs.KindRateLimited) {
		t.Fatalf("fourth code from one client in a minute: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		req  Request
		code string
	}{
		{"email off", Request{EnvironmentID: "off", Channel: ChannelEmail, Destination: Destination{Email: "a@example.com"}}, "no_enabled_email_provider"},
		{"sms off", Request{EnvironmentID: "off", Channel: ChannelSMS, Destination: Destination{PhoneNumber: "+14155550100"}}, "no_enabled_sms_provider"},
		{"sub-address", Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "a+tag@example.com"}}, "invalid_email_address"},
		{"not an email", Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "a@@b"}}, "invalid_email"},
		{"display name", Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "Al <a@example.com>"}}, "invalid_email"},
		{"no email", Request{EnvironmentID: "env", Channel: ChannelEmail}, "email_cannot_be_null"},
		{"bad number", Request{EnvironmentID: "env", Channel: ChannelSMS, Destination: Destination{PhoneNumber: "12", ISOCountryCode: "US"}}, "invalid_phone"},
		{"number of another country", Request{EnvironmentID: "env", Channel: ChannelSMS, Destination: Destination{PhoneNumber: "+442079460958", ISOCountryCode: "US"}}, "invalid_phone"},
	} {
		_, err := f.svc.Start(ctx, tc.req)
		wantCode(t, tc.name, err, tc.code)
	}
	if len(f.out.emails)+len(f.out.sms) != 0 {
		t.Fatal("a refused request sent a message")
	}
	noMailer := New(Deps{Key: []byte("k"), Store: newMemStore(), Environments: memEnvs{"env": {ID: "env", Settings: []byte(enabledSettings)}}})
	_, err := noMailer.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "a@example.com"}})
	wantCode(t, "no mailer on the server", err, "no_enabled_email_provider")
	if _, err := f.svc.Start(ctx, Request{EnvironmentID: "nope", Channel: ChannelEmail, Destination: Destination{Email: "a@example.com"}}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("unknown environment: %v", err)
	}
}

func TestDeliveryFailureIsClearAndRetryable(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	f.out.fail = errors.New("smtp: 451 try later")
	_, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "a@example.com"}, Client: "1"})
	wantCode(t, "failed send", err, "provider_not_available")
	if strings.Contains(errMessage(err), "451") {
		t.Fatal("the transport's error reached the client message")
	}
}

func TestRetryAfterAFailedSend(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := t.Context()
	st, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "a@example.com"}, Client: "1"})
	if err != nil {
		t.Fatal(err)
	}
	f.out.fail = errors.New("down")
	_, err = f.svc.Retry(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, ID: st.Verification.ID, Destination: Destination{Email: "a@example.com"}, Client: "1"})
	wantCode(t, "failed resend", err, "provider_not_available")
	f.out.fail = nil
	if _, err := f.svc.Retry(ctx, Request{EnvironmentID: "env", Channel: ChannelEmail, ID: st.Verification.ID, Destination: Destination{Email: "a@example.com"}, Client: "1"}); err != nil {
		t.Fatalf("retry after the failure: %v", err)
	}
	if _, err := f.svc.Check(ctx, "env", ChannelEmail, st.Verification.ID, f.out.lastCode()); err != nil {
		t.Fatalf("the code sent by the retry: %v", err)
	}
}

func errMessage(err error) string {
	var e *errs.E
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func TestCodesAreUniformSixDigits(t *testing.T) {
	seen := map[byte]int{}
	for range 2000 {
		c, err := NewCode(nil)
		if err != nil || !ValidCodeFormat(c) {
			t.Fatalf("code %q: %v", c, err)
		}
		seen[c[0]]++
	}
	for d := byte('0'); d <= '9'; d++ {
		if seen[d] == 0 {
			t.Fatalf("no code starts with %c in 2000: %v", d, seen)
		}
	}
	if hashCode([]byte("k"), "e", "v", "email", "123456", "") == hashCode([]byte("k"), "e2", "v", "email", "123456", "") {
		t.Fatal("the hash does not bind the environment")
	}
}

// Each provider name that turns email sign-in on in Dynamic's settings
// (and in its React widget) lets the server send email codes.
func TestEmailProviderNames(t *testing.T) {
	for _, p := range []string{"emailOnly", "magicLink", "dynamic"} {
		out := &sent{}
		s := New(Deps{Key: []byte("k"), Store: newMemStore(), Mailer: out, Environments: memEnvs{"env": {ID: "env",
			Settings: []byte(`{"providers":[{"provider":"` + p + `","enabledAt":"2026-01-01T00:00:00Z"}]}`)}}})
		if _, err := s.Start(t.Context(), Request{EnvironmentID: "env", Channel: ChannelEmail, Destination: Destination{Email: "a@example.com"}}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if len(out.emails) != 1 {
			t.Errorf("%s: %d emails sent", p, len(out.emails))
		}
	}
}

// TestProveLeavesTheCode: Prove counts a right code as an attempt but
// leaves it for the write it proves: proved again it still counts, and
// the limit still holds; Consume spends it once, then Check, Prove and
// Consume find it used.
func TestProveLeavesTheCode(t *testing.T) {
	f := newFixture(t, Config{MaxAttempts: 3})
	ctx := t.Context()
	st, err := f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelSMS, Destination: Destination{PhoneNumber: "+14155550134"},
		Client: "c"})
	if err != nil {
		t.Fatal(err)
	}
	id, code := st.Verification.ID, f.out.lastCode()
	var v *Verification
	for range 2 {
		if v, err = f.svc.Prove(ctx, "env", ChannelSMS, id, code); err != nil || v.ConsumedAt != nil {
			t.Fatalf("Prove of the right code: %+v, %v; want it left unconsumed", v, err)
		}
	}
	if got, _ := f.svc.Peek(ctx, "env", ChannelSMS, id); got == nil {
		t.Fatalf("a proved code is not live")
	}
	if err := f.svc.Consume(ctx, v); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	wantCode(t, "Consume again", f.svc.Consume(ctx, v), "invalid_sms_verification")
	_, err = f.svc.Check(ctx, "env", ChannelSMS, id, code)
	wantCode(t, "Check once consumed", err, "invalid_sms_verification")
	_, err = f.svc.Prove(ctx, "env", ChannelSMS, id, code)
	wantCode(t, "Prove once consumed", err, "invalid_sms_verification")

	// Proofs count toward the limit like any check.
	st, err = f.svc.Start(ctx, Request{EnvironmentID: "env", Channel: ChannelSMS, Destination: Destination{PhoneNumber: "+14155550135"},
		Client: "d"})
	if err != nil {
		t.Fatal(err)
	}
	id, code = st.Verification.ID, f.out.lastCode()
	for range 3 {
		if _, err := f.svc.Prove(ctx, "env", ChannelSMS, id, code); err != nil {
			t.Fatalf("Prove under the limit: %v", err)
		}
	}
	_, err = f.svc.Prove(ctx, "env", ChannelSMS, id, code)
	wantCode(t, "Prove past the limit", err, "too_many_sms_verification_attempts")
}
