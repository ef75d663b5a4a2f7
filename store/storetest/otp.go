package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/store"
)

func newVerification(t *testing.T, s store.Store, envID, channel, address string, now time.Time) *otp.Verification {
	t.Helper()
	v := &otp.Verification{ID: id(), EnvironmentID: envID, Channel: channel, Address: address, CodeHash: randomHex(t, 32),
		Session: id(), ExpiresAt: now.Add(10 * time.Minute), CreatedAt: now}
	must(t, "CreateVerification", s.CreateVerification(ctx(t), v))
	return v
}

func checkCode(t *testing.T, s store.Store, v *otp.Verification, hash string, now time.Time) otp.Outcome {
	t.Helper()
	out, got, err := s.CheckVerificationCode(ctx(t), otp.Check{EnvironmentID: v.EnvironmentID, ID: v.ID, Channel: v.Channel,
		CodeHashes: []string{hash}, MaxAttempts: 5, Now: now})
	must(t, "CheckVerificationCode", err)
	if (out == otp.Accepted) != (got != nil) {
		t.Fatalf("CheckVerificationCode: outcome %v with verification %+v", out, got)
	}
	if got != nil && (got.Address != v.Address || got.Session != v.Session || got.ConsumedAt == nil || !got.ExpiresAt.Equal(v.ExpiresAt)) {
		t.Fatalf("accepted verification read back as %+v, want %+v consumed", got, v)
	}
	return out
}

// readVerification reads v back (ReadVerification) and wants its
// attempts and whether it is consumed.
func readVerification(t *testing.T, s store.Store, v *otp.Verification, attempts int, consumed bool) {
	t.Helper()
	got, err := s.ReadVerification(ctx(t), v.EnvironmentID, v.Channel, v.ID)
	must(t, "ReadVerification", err)
	if got == nil || got.Address != v.Address || got.Session != v.Session || got.CodeHash != v.CodeHash ||
		!got.ExpiresAt.Equal(v.ExpiresAt) || got.Attempts != attempts || (got.ConsumedAt != nil) != consumed {
		t.Fatalf("ReadVerification read %+v, want %+v with %d attempts, consumed %v", got, v, attempts, consumed)
	}
}

func wantOutcome(t *testing.T, what string, got, want otp.Outcome) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: outcome %d, want %d", what, got, want)
	}
}

// testOTPCodes: a code is accepted once, only in its environment and
// channel, only before it expires; a retry replaces it.
func testOTPCodes(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	now := c.next()
	v := newVerification(t, s, e.sandbox.ID, otp.ChannelEmail, "al@example.com", now)

	wantOutcome(t, "wrong code", checkCode(t, s, v, randomHex(t, 32), now), otp.WrongCode)
	other := *v
	other.EnvironmentID = e.live.ID
	wantOutcome(t, "right code in another environment", checkCode(t, s, &other, v.CodeHash, now), otp.NotFound)
	other = *v
	other.Channel = otp.ChannelSMS
	wantOutcome(t, "right code on another channel", checkCode(t, s, &other, v.CodeHash, now), otp.NotFound)
	other = *v
	other.ID = id()
	wantOutcome(t, "unknown verification", checkCode(t, s, &other, v.CodeHash, now), otp.NotFound)

	readVerification(t, s, v, 1, false)
	readVerification(t, s, v, 1, false) // a read counts no attempt
	for _, o := range []otp.Verification{{EnvironmentID: e.live.ID, Channel: v.Channel, ID: v.ID},
		{EnvironmentID: v.EnvironmentID, Channel: otp.ChannelSMS, ID: v.ID}, {EnvironmentID: v.EnvironmentID, Channel: v.Channel, ID: id()}} {
		got, err := s.ReadVerification(ctx(t), o.EnvironmentID, o.Channel, o.ID)
		must(t, "ReadVerification elsewhere", err)
		if got != nil {
			t.Fatalf("ReadVerification(%s, %s, %s) read %+v, want none", o.EnvironmentID, o.Channel, o.ID, got)
		}
	}

	wantOutcome(t, "right code", checkCode(t, s, v, v.CodeHash, now), otp.Accepted)
	readVerification(t, s, v, 2, true)

	// A code sent before a master-secret rotation: its hash is the
	// second one asked for, and the check counts one attempt.
	r := newVerification(t, s, e.sandbox.ID, otp.ChannelEmail, "rotated@example.com", now)
	out, got, err := s.CheckVerificationCode(ctx(t), otp.Check{EnvironmentID: r.EnvironmentID, ID: r.ID, Channel: r.Channel,
		CodeHashes: []string{randomHex(t, 32), r.CodeHash}, MaxAttempts: 5, Now: now})
	must(t, "CheckVerificationCode with two hashes", err)
	if out != otp.Accepted || got == nil || got.Attempts != 1 {
		t.Fatalf("the second of two hashes: outcome %d, %+v; want accepted after one attempt", out, got)
	}
	wantOutcome(t, "right code again", checkCode(t, s, v, v.CodeHash, now), otp.Used)
	out, err = s.ReplaceVerificationCode(ctx(t), otp.Replace{EnvironmentID: v.EnvironmentID, ID: v.ID, Channel: v.Channel,
		Address: v.Address, CodeHash: randomHex(t, 32), MaxAttempts: 5, ExpiresAt: now.Add(time.Hour), Now: now})
	must(t, "ReplaceVerificationCode used", err)
	wantOutcome(t, "retry of a used verification", out, otp.Used)

	// Expiry, then a retry: the old code is dead, the new one works.
	w := newVerification(t, s, e.sandbox.ID, otp.ChannelSMS, "+14155550100", now)
	later := w.ExpiresAt
	wantOutcome(t, "expired code", checkCode(t, s, w, w.CodeHash, later), otp.Expired)
	replace := otp.Replace{EnvironmentID: w.EnvironmentID, ID: w.ID, Channel: w.Channel, Address: "+14155550199",
		CodeHash: randomHex(t, 32), MaxAttempts: 5, ExpiresAt: later.Add(10 * time.Minute), Now: later}
	out, err = s.ReplaceVerificationCode(ctx(t), replace)
	must(t, "ReplaceVerificationCode other address", err)
	wantOutcome(t, "retry for another number", out, otp.NotFound)
	replace.Address = w.Address
	out, err = s.ReplaceVerificationCode(ctx(t), replace)
	must(t, "ReplaceVerificationCode", err)
	wantOutcome(t, "retry", out, otp.Accepted)
	old := w.CodeHash
	w.CodeHash, w.ExpiresAt = replace.CodeHash, replace.ExpiresAt
	wantOutcome(t, "replaced code", checkCode(t, s, w, old, later), otp.WrongCode)
	wantOutcome(t, "new code", checkCode(t, s, w, w.CodeHash, later), otp.Accepted)

	// Purge forgets what expired before the cut-off, and nothing else.
	x := newVerification(t, s, e.sandbox.ID, otp.ChannelEmail, "x@example.com", now)
	n, err := s.DeleteExpiredVerifications(ctx(t), v.ExpiresAt)
	must(t, "DeleteExpiredVerifications", err)
	if n != 3 { // v, r and x expire at the cut-off; w later
		t.Fatalf("purged %d verifications, want 3", n)
	}
	wantOutcome(t, "purged verification", checkCode(t, s, x, x.CodeHash, now), otp.NotFound)
	wantOutcome(t, "kept verification", checkCode(t, s, w, w.CodeHash, later), otp.Used)
}

// testOTPBruteForce: 50 concurrent wrong guesses are compared at most
// MaxAttempts times; then only the lock answers, even to the right code,
// and a retry cannot revive the verification. Of concurrent right codes,
// one wins.
func testOTPBruteForce(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	now := c.next()
	v := newVerification(t, s, e.sandbox.ID, otp.ChannelEmail, "target@example.com", now)
	counts := map[otp.Outcome]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			out, _, err := s.CheckVerificationCode(ctx(t), otp.Check{EnvironmentID: v.EnvironmentID, ID: v.ID, Channel: v.Channel,
				CodeHashes: []string{randomHex(t, 32)}, MaxAttempts: 5, Now: now})
			if err != nil {
				t.Errorf("CheckVerificationCode: %v", err)
				return
			}
			mu.Lock()
			counts[out]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[otp.WrongCode] != 5 || counts[otp.Locked] != 45 {
		t.Fatalf("50 concurrent wrong guesses: %d compared, %d locked, others %v; want 5 and 45",
			counts[otp.WrongCode], counts[otp.Locked], counts)
	}
	wantOutcome(t, "right code after the lock", checkCode(t, s, v, v.CodeHash, now), otp.Locked)
	out, err := s.ReplaceVerificationCode(ctx(t), otp.Replace{EnvironmentID: v.EnvironmentID, ID: v.ID, Channel: v.Channel,
		Address: v.Address, CodeHash: randomHex(t, 32), MaxAttempts: 5, ExpiresAt: now.Add(time.Hour), Now: now})
	must(t, "ReplaceVerificationCode locked", err)
	wantOutcome(t, "retry of a locked verification", out, otp.Locked)

	w := newVerification(t, s, e.sandbox.ID, otp.ChannelEmail, "race@example.com", now)
	accepted := 0
	for range 8 {
		wg.Go(func() {
			out, _, err := s.CheckVerificationCode(ctx(t), otp.Check{EnvironmentID: w.EnvironmentID, ID: w.ID, Channel: w.Channel,
				CodeHashes: []string{w.CodeHash}, MaxAttempts: 5, Now: now})
			if err != nil {
				t.Errorf("CheckVerificationCode: %v", err)
				return
			}
			if out == otp.Accepted {
				mu.Lock()
				accepted++
				mu.Unlock()
			} else if out != otp.Used {
				t.Errorf("a losing right code: outcome %d, want Used", out)
			}
		})
	}
	wg.Wait()
	if accepted != 1 {
		t.Fatalf("a code was accepted %d times, want once", accepted)
	}
}
