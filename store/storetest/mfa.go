package storetest

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/store"
)

// countParallel runs fn n times at once and counts the true answers;
// an error fails the test.
func countParallel(t *testing.T, n int, fn func() (bool, error)) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	count := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := fn()
			if err != nil {
				t.Errorf("concurrent call: %v", err)
			}
			if ok {
				mu.Lock()
				count++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return count
}

func newDevice(t *testing.T, envID, userID string, at time.Time) *mfa.Device {
	return &mfa.Device{ID: id(), EnvironmentID: envID, UserID: userID, Type: mfa.TypeTOTP, Secret: randomBytes(t, 48), CreatedAt: at}
}

func testMFADevices(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	u, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	other, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))

	abandoned := newDevice(t, e.sandbox.ID, u.ID, c.next())
	must(t, "InsertMFADevice", s.InsertMFADevice(ctx(t), abandoned, nil))
	d1 := newDevice(t, e.sandbox.ID, u.ID, c.next())
	must(t, "InsertMFADevice again", s.InsertMFADevice(ctx(t), d1, nil))
	devs, err := s.ListMFADevices(ctx(t), u.ID)
	must(t, "ListMFADevices", err)
	if len(devs) != 1 || devs[0].ID != d1.ID || devs[0].Verified() || string(devs[0].Secret) != string(d1.Secret) {
		t.Fatalf("after a second enrollment: %+v; the abandoned unverified device must go", devs)
	}
	_, err = s.GetMFADevice(ctx(t), other.ID, d1.ID)
	wantKind(t, "another user's device", err, errs.KindNotFound)

	now := c.next()
	for _, tc := range []struct {
		step int64
		ok   bool
	}{{100, true}, {100, false}, {99, false}, {101, true}} {
		ok, err := s.AcceptMFAStep(ctx(t), u.ID, d1.ID, tc.step, now)
		must(t, "AcceptMFAStep", err)
		if ok != tc.ok {
			t.Fatalf("AcceptMFAStep(%d) = %v, want %v", tc.step, ok, tc.ok)
		}
	}
	ok, err := s.AcceptMFAStep(ctx(t), other.ID, d1.ID, 500, now)
	if err == nil && ok {
		t.Fatal("another user's step was accepted on the device")
	}
	got, err := s.GetMFADevice(ctx(t), u.ID, d1.ID)
	must(t, "GetMFADevice", err)
	if !got.Verified() || !got.VerifiedAt.Equal(now) || !got.Default {
		t.Fatalf("first verified device %+v: verified at %v and default", got, now)
	}

	d2 := newDevice(t, e.sandbox.ID, u.ID, c.next())
	must(t, "InsertMFADevice d2", s.InsertMFADevice(ctx(t), d2, nil))
	if ok, err := s.AcceptMFAStep(ctx(t), u.ID, d2.ID, 1, c.next()); err != nil || !ok {
		t.Fatalf("d2 first step: %v %v", ok, err)
	}
	if got, _ := s.GetMFADevice(ctx(t), u.ID, d2.ID); got.Default {
		t.Fatal("a second verified device took the default")
	}
	must(t, "SetDefaultMFADevice", s.SetDefaultMFADevice(ctx(t), u.ID, d2.ID, true))
	devs, _ = s.ListMFADevices(ctx(t), u.ID)
	if len(devs) != 2 || devs[0].ID != d1.ID || devs[0].Default || !devs[1].Default {
		t.Fatalf("after making d2 the default: %+v", devs)
	}
	must(t, "SetDefaultMFADevice off", s.SetDefaultMFADevice(ctx(t), u.ID, d2.ID, false))
	if got, _ := s.GetMFADevice(ctx(t), u.ID, d2.ID); got.Default {
		t.Fatal("d2 is still the default")
	}
	must(t, "DeleteMFADevice", s.DeleteMFADevice(ctx(t), u.ID, d1.ID, c.next(), nil))
	_, err = s.GetMFADevice(ctx(t), u.ID, d1.ID)
	wantKind(t, "deleted device", err, errs.KindNotFound)

	must(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx(t), u.ID, [][]byte{randomBytes(t, 32)}, mfa.AckPending, c.next()))
	_, _, err = s.TakeMFAAttempt(ctx(t), u.ID, c.next(), time.Minute)
	must(t, "TakeMFAAttempt", err)
	must(t, "ResetMFA", s.ResetMFA(ctx(t), u.ID, c.next()))
	if ack := getUser(t, s, u.ID).MfaBackupCodeAcknowledgement; ack != "" {
		t.Fatalf("after ResetMFA the acknowledgement is %q, want none", ack)
	}
	devs, _ = s.ListMFADevices(ctx(t), u.ID)
	total, _, _ := s.CountRecoveryCodes(ctx(t), u.ID)
	if n, _, _ := s.TakeMFAAttempt(ctx(t), u.ID, c.next(), time.Minute); len(devs) != 0 || total != 0 || n != 1 {
		t.Fatalf("after ResetMFA: %d devices, %d codes, attempt %d", len(devs), total, n)
	}
	// Each change wrote its event in its transaction: two devices
	// verified (later steps add nothing), one deleted, one reset.
	wantUserEvents(t, s, e.sandbox.ID, u.ID, map[string]int{events.MFADeviceAdded: 2, events.MFADeviceDelete: 1, events.MFAReset: 1})
	wantKind(t, "ResetMFA of an unknown user", s.ResetMFA(ctx(t), id(), c.next()), errs.KindNotFound)
}

// wantUserEvents checks how many events of each name (among names) the
// environment recorded for the user.
func wantUserEvents(t *testing.T, s store.Store, envID, userID string, want map[string]int) {
	t.Helper()
	all, err := s.ListEvents(ctx(t), envID, events.Query{Limit: 1000}, cursor.Position{})
	must(t, "ListEvents", err)
	got := map[string]int{}
	for _, ev := range all {
		if _, ok := want[ev.Name]; ok && ev.UserID == userID {
			got[ev.Name]++
		}
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s events of the user: %d, want %d (all: %v)", name, got[name], n, got)
		}
	}
}

// testMFAStepRace is a TOTP code sent twice at once: exactly one request
// may accept its step.
func testMFAStepRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	u, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	d := newDevice(t, e.sandbox.ID, u.ID, c.next())
	must(t, "InsertMFADevice", s.InsertMFADevice(ctx(t), d, nil))
	now := c.next()
	accepted := countParallel(t, 8, func() (bool, error) { return s.AcceptMFAStep(ctx(t), u.ID, d.ID, 4242, now) })
	if accepted != 1 {
		t.Fatalf("the same step was accepted %d times, want once", accepted)
	}
	// First codes of a new device racing with different steps verify it
	// once: one user.mfa.device.added.
	d2 := newDevice(t, e.sandbox.ID, u.ID, c.next())
	must(t, "InsertMFADevice", s.InsertMFADevice(ctx(t), d2, nil))
	var step atomic.Int64
	step.Store(100)
	countParallel(t, 8, func() (bool, error) { return s.AcceptMFAStep(ctx(t), u.ID, d2.ID, step.Add(1), now) })
	wantUserEvents(t, s, e.sandbox.ID, u.ID, map[string]int{events.MFADeviceAdded: 2})
}

func testRecoveryCodes(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	u, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	other, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	old := [][]byte{randomBytes(t, 32), randomBytes(t, 32), randomBytes(t, 32)}
	must(t, "ReplaceRecoveryCodes", s.ReplaceRecoveryCodes(ctx(t), u.ID, old, mfa.AckPending, c.next()))
	if ack := getUser(t, s, u.ID).MfaBackupCodeAcknowledgement; ack != mfa.AckPending {
		t.Fatalf("a new set: acknowledgement %q, want pending", ack)
	}
	must(t, "SetBackupCodeAck", s.SetBackupCodeAck(ctx(t), u.ID, mfa.AckComplete))
	if ack := getUser(t, s, u.ID).MfaBackupCodeAcknowledgement; ack != mfa.AckComplete {
		t.Fatalf("acknowledged: %q", ack)
	}
	wantKind(t, "SetBackupCodeAck of an unknown user", s.SetBackupCodeAck(ctx(t), id(), mfa.AckComplete), errs.KindNotFound)
	wantKind(t, "ReplaceRecoveryCodes of an unknown user", s.ReplaceRecoveryCodes(ctx(t), id(), old, mfa.AckPending, c.next()), errs.KindNotFound)
	if total, unused, err := s.CountRecoveryCodes(ctx(t), u.ID); err != nil || total != 3 || unused != 3 {
		t.Fatalf("count: %d/%d %v", total, unused, err)
	}
	if ok, err := s.UseRecoveryCode(ctx(t), other.ID, old[0], c.next()); err != nil || ok {
		t.Fatalf("another user used u's code: %v %v", ok, err)
	}
	used := countParallel(t, 6, func() (bool, error) { return s.UseRecoveryCode(ctx(t), u.ID, old[0], c.t) })
	if used != 1 {
		t.Fatalf("one recovery code was used %d times at once, want once", used)
	}
	if total, unused, _ := s.CountRecoveryCodes(ctx(t), u.ID); total != 3 || unused != 2 {
		t.Fatalf("after one use: %d/%d", total, unused)
	}
	fresh := [][]byte{randomBytes(t, 32)}
	must(t, "ReplaceRecoveryCodes again", s.ReplaceRecoveryCodes(ctx(t), u.ID, fresh, mfa.AckPending, c.next()))
	if ok, _ := s.UseRecoveryCode(ctx(t), u.ID, old[1], c.next()); ok {
		t.Fatal("a code of the replaced set was used")
	}
	if ok, err := s.UseRecoveryCode(ctx(t), u.ID, fresh[0], c.next()); err != nil || !ok {
		t.Fatalf("a code of the new set: %v %v", ok, err)
	}

	// A first set: made once however many ask at once, never over one.
	if ok, err := s.CreateRecoveryCodes(ctx(t), u.ID, old, mfa.AckPending, c.next()); err != nil || ok {
		t.Fatalf("CreateRecoveryCodes for a user with codes: %v %v", ok, err)
	}
	if ok, _ := s.UseRecoveryCode(ctx(t), u.ID, old[2], c.next()); ok {
		t.Fatal("a refused first set was stored")
	}
	sets := make(chan [][]byte, 6)
	made := countParallel(t, 6, func() (bool, error) {
		set := [][]byte{randomBytes(t, 32)}
		ok, err := s.CreateRecoveryCodes(ctx(t), other.ID, set, mfa.AckPending, c.t)
		if ok {
			sets <- set
		}
		return ok, err
	})
	if made != 1 {
		t.Fatalf("%d first sets made at once, want one", made)
	}
	if ok, err := s.UseRecoveryCode(ctx(t), other.ID, (<-sets)[0], c.next()); err != nil || !ok {
		t.Fatalf("the code of the one first set made: %v %v", ok, err)
	}
	if _, err := s.CreateRecoveryCodes(ctx(t), id(), old, mfa.AckPending, c.next()); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("CreateRecoveryCodes of an unknown user: %v", err)
	}
}

func testMFAAttempts(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	u, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	start := c.next()
	const window = 10 * time.Minute
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]bool{}
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, ws, err := s.TakeMFAAttempt(ctx(t), u.ID, start, window)
			if err != nil {
				t.Errorf("TakeMFAAttempt: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[n] || !ws.Equal(start) {
				t.Errorf("attempt %d counted twice or window %v, want %v", n, ws, start)
			}
			seen[n] = true
		}()
	}
	wg.Wait()
	for i := 1; i <= 12; i++ {
		if !seen[i] {
			t.Fatalf("12 concurrent attempts did not count 1..12: %v", seen)
		}
	}
	if n, ws, _ := s.TakeMFAAttempt(ctx(t), u.ID, start.Add(window-time.Second), window); n != 13 || !ws.Equal(start) {
		t.Fatalf("inside the window: %d %v", n, ws)
	}
	later := start.Add(window)
	if n, ws, _ := s.TakeMFAAttempt(ctx(t), u.ID, later, window); n != 1 || !ws.Equal(later) {
		t.Fatalf("after the window: %d %v, want a new window", n, ws)
	}
	must(t, "ClearMFAAttempts", s.ClearMFAAttempts(ctx(t), u.ID))
	if n, _, _ := s.TakeMFAAttempt(ctx(t), u.ID, later, window); n != 1 {
		t.Fatalf("after clearing: %d", n)
	}
}

func testMFATokens(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	u, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	now := c.next()
	once := &mfa.Token{Hash: randomBytes(t, 32), UserID: u.ID, SessionID: "sid", SingleUse: true,
		Scopes: []string{"wallet:sign", "user:update"}, ExpiresAt: now.Add(time.Minute)}
	bound := &mfa.Token{Hash: randomBytes(t, 32), UserID: u.ID, SessionID: "sid", ExpiresAt: now.Add(time.Minute)}
	must(t, "InsertMFAToken", s.InsertMFAToken(ctx(t), once))
	must(t, "InsertMFAToken", s.InsertMFAToken(ctx(t), bound))
	if got, err := s.UseMFAToken(ctx(t), id(), once.Hash, now, nil); err != nil || got != nil {
		t.Fatalf("another user's token: %+v %v", got, err)
	}
	// A use the domain refuses (another session, a scope the token
	// lacks) leaves a single-use token unspent.
	refuse := func(*mfa.Token) bool { return false }
	for range 2 {
		if got, err := s.UseMFAToken(ctx(t), u.ID, once.Hash, now, refuse); err != nil || got != nil {
			t.Fatalf("a refused use: %+v %v", got, err)
		}
	}
	used := countParallel(t, 6, func() (bool, error) {
		got, err := s.UseMFAToken(ctx(t), u.ID, once.Hash, now, func(tok *mfa.Token) bool { return tok.SessionID == "sid" })
		if got != nil && (strings.Join(got.Scopes, " ") != "wallet:sign user:update" || !got.SingleUse || got.SessionID != "sid") {
			t.Errorf("token read back as %+v", got)
		}
		return got != nil, err
	})
	if used != 1 {
		t.Fatalf("a single-use token served %d times at once", used)
	}
	for range 2 {
		if got, err := s.UseMFAToken(ctx(t), u.ID, bound.Hash, now, nil); err != nil || got == nil || len(got.Scopes) != 0 {
			t.Fatalf("time-bound token: %+v %v", got, err)
		}
	}
	if got, _ := s.UseMFAToken(ctx(t), u.ID, bound.Hash, now.Add(time.Minute), nil); got != nil {
		t.Fatal("an expired token served")
	}
	must(t, "ResetMFA", s.ResetMFA(ctx(t), u.ID, c.next()))
	if got, _ := s.UseMFAToken(ctx(t), u.ID, bound.Hash, now, nil); got != nil {
		t.Fatal("a token outlived the MFA reset")
	}

	// The purge forgets what expired by its cut-off (asked for at an
	// earlier time, a purged token is gone), nothing else.
	expired := &mfa.Token{Hash: randomBytes(t, 32), UserID: u.ID, SessionID: "sid", ExpiresAt: now.Add(time.Minute)}
	live := &mfa.Token{Hash: randomBytes(t, 32), UserID: u.ID, SessionID: "sid", ExpiresAt: now.Add(time.Hour)}
	must(t, "InsertMFAToken", s.InsertMFAToken(ctx(t), expired))
	must(t, "InsertMFAToken", s.InsertMFAToken(ctx(t), live))
	n, err := s.DeleteExpiredMFATokens(ctx(t), now.Add(time.Minute))
	must(t, "DeleteExpiredMFATokens", err)
	if got, _ := s.UseMFAToken(ctx(t), u.ID, expired.Hash, now, nil); got != nil || n < 1 {
		t.Fatalf("an expired token outlived the purge (%d purged)", n)
	}
	if got, _ := s.UseMFAToken(ctx(t), u.ID, live.Hash, now, nil); got == nil {
		t.Fatal("the purge took a live token")
	}
}
