package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// keepCheck checks v's right code as a flow that consumes it in its
// write does (otp.Check.Keep): accepted, and counted.
func keepCheck(t *testing.T, s store.Store, v *otp.Verification) *otp.Verification {
	t.Helper()
	out, got, err := s.CheckVerificationCode(ctx(t), otp.Check{EnvironmentID: v.EnvironmentID, ID: v.ID, Channel: v.Channel,
		CodeHashes: []string{v.CodeHash}, MaxAttempts: 5, Now: v.CreatedAt, Keep: true})
	must(t, "CheckVerificationCode(Keep)", err)
	if out != otp.Accepted || got == nil || got.ConsumedAt != nil || got.Address != v.Address {
		t.Fatalf("a kept right code: outcome %d, %+v; want accepted, not consumed", out, got)
	}
	return got
}

// testOTPConsume: a right code checked with Keep is counted, not
// consumed; the write that carries it consumes it once, in its own
// transaction (a code sign-in, a link, or on its own), and any second
// consumption is refused as used already, without its write. Of
// concurrent sign-ins with two codes (grouped in one commit on SQLite),
// one per code signs in.
func testOTPConsume(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	now := c.next()

	v := newVerification(t, s, env, otp.ChannelEmail, "kept@example.com", now)
	keepCheck(t, s, v)
	got := keepCheck(t, s, v)
	readVerification(t, s, v, 2, false)
	must(t, "ConsumeVerification", s.ConsumeVerification(ctx(t), got, c.next()))
	readVerification(t, s, v, 2, true)
	wantCode(t, "ConsumeVerification again", s.ConsumeVerification(ctx(t), got, c.next()), errs.KindUnprocessable,
		"invalid_email_verification")
	wantOutcome(t, "the right code once consumed", checkCode(t, s, v, v.CodeHash, now), otp.Used)

	// A code sign-in consumes the code it carries; a second is refused
	// and writes nothing.
	v = newVerification(t, s, env, otp.ChannelEmail, "signin@example.com", now)
	proved := keepCheck(t, s, v)
	w := newWrite(t, env, emailCredential(env, v.Address), c.next())
	w.Events, w.Code = codeEvents, proved
	u, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "CompleteSignIn with a code", err)
	if !created {
		t.Fatalf("a first code sign-in did not create its user")
	}
	readVerification(t, s, v, 1, true)
	again := newWrite(t, env, emailCredential(env, v.Address), c.next())
	again.Events, again.Code = codeEvents, proved
	_, _, err = s.CompleteSignIn(ctx(t), again)
	wantCode(t, "CompleteSignIn with a used code", err, errs.KindUnprocessable, "invalid_email_verification")
	if _, err := s.GetSession(ctx(t), again.Session.ID); err == nil {
		t.Fatalf("a sign-in refused for its used code stored its session")
	}

	// A link consumes its code; a second link with it is refused.
	v = newVerification(t, s, env, otp.ChannelSMS, "+14155550177", now)
	proved = keepCheck(t, s, v)
	lw := newLink(t, s, c, env, u.ID, phoneCredential(env, v.Address), c.next())
	lw.Code = proved
	_, err = s.LinkCredential(ctx(t), lw)
	must(t, "LinkCredential with a code", err)
	readVerification(t, s, v, 1, true)
	lw = newLink(t, s, c, env, u.ID, phoneCredential(env, v.Address), c.next())
	lw.Code = proved
	_, err = s.LinkCredential(ctx(t), lw)
	wantCode(t, "LinkCredential with a used code", err, errs.KindUnprocessable, "invalid_sms_verification")

	// Concurrent sign-ins, two per code and four codes: one per code wins.
	var codes []*otp.Verification
	for _, a := range []string{"r1@example.com", "r2@example.com", "r3@example.com", "r4@example.com"} {
		codes = append(codes, keepCheck(t, s, newVerification(t, s, env, otp.ChannelEmail, a, now)))
	}
	won := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			v := codes[i%len(codes)]
			w := newWrite(t, env, emailCredential(env, v.Address), now)
			w.Events, w.Code = codeEvents, v
			_, _, err := s.CompleteSignIn(ctx(t), w)
			var e *errs.E
			switch {
			case err == nil:
				mu.Lock()
				won[v.Address]++
				mu.Unlock()
			case !errors.As(err, &e) || e.Code != "invalid_email_verification":
				t.Errorf("a losing sign-in with %s: %v, want used already", v.Address, err)
			}
		})
	}
	wg.Wait()
	for _, v := range codes {
		if won[v.Address] != 1 {
			t.Errorf("%s signed in %d times with one code, want once", v.Address, won[v.Address])
		}
	}
}

// phoneCredential is the credential an SMS code to number proves.
func phoneCredential(envID, number string) users.Credential {
	return users.Credential{ID: id(), EnvironmentID: envID, Format: users.FormatPhoneNumber, Address: number,
		PublicIdentifier: number, SignInEnabled: true}
}
