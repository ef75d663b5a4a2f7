package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// deviceSignIn signs cred in at now from the device key (the sign-in's
// device step); email, for a new user, is their verified email.
func deviceSignIn(t *testing.T, s store.Store, c *clock, envID string, cred users.Credential, email, key, token string) (*users.User, *signin.Write) {
	t.Helper()
	now := c.next()
	w := newWrite(t, envID, cred, now, issueNonce(t, s, c, envID))
	w.NewUser = &signin.NewUserProfile{Email: email}
	w.Device = &devices.Check{PublicKey: key, UserAgent: "ua " + key[:6], NewID: id(),
		Approval: devices.Approval{TokenHash: devices.HashToken(token), ExpiresAt: now.Add(time.Hour)}}
	u, _, err := s.CompleteSignIn(ctx(t), w)
	must(t, "CompleteSignIn", err)
	return u, w
}

func deviceOf(t *testing.T, s store.Store, sess *session.Session) string {
	t.Helper()
	got, err := s.GetSession(ctx(t), sess.ID)
	must(t, "GetSession", err)
	return got.DeviceRegistrationID
}

// testDevices: a new user's device is registered with the sign-in, a
// returning user's known device recognized, an unknown one leaves an
// approval that works once (of concurrent uses one wins), only for its
// user, session and environment and until it expires, a refusal using
// nothing up. Revoking a device revokes its sessions only.
func testDevices(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	laptop, phone := "02"+randomHex(t, 32), "03"+randomHex(t, 32)
	wallet := newWallet(t, env)

	u, first := deviceSignIn(t, s, c, env, wallet, "dev@example.com", laptop, "t0")
	laptopID := first.Device.DeviceID
	if laptopID != first.Device.NewID || first.Device.Pending || deviceOf(t, s, first.Session) != laptopID {
		t.Fatalf("sign-up: device %q (new %q), pending %t", laptopID, first.Device.NewID, first.Device.Pending)
	}
	_, again := deviceSignIn(t, s, c, env, sameWallet(wallet), "", laptop, "t1")
	if again.Device.DeviceID != laptopID || again.Device.Pending {
		t.Fatalf("known device: %q, pending %t", again.Device.DeviceID, again.Device.Pending)
	}
	_, pending := deviceSignIn(t, s, c, env, sameWallet(wallet), "", phone, "t2")
	if pending.Device.DeviceID != "" || !pending.Device.Pending || deviceOf(t, s, pending.Session) != "" {
		t.Fatalf("unknown device: %q, pending %t", pending.Device.DeviceID, pending.Device.Pending)
	}
	// A user without an email cannot be sent a link, so is not asked.
	noEmail := newWallet(t, env)
	_, _ = deviceSignIn(t, s, c, env, noEmail, "", laptop, "t3")
	_, asked := deviceSignIn(t, s, c, env, sameWallet(noEmail), "", phone, "t4")
	if asked.Device.Pending {
		t.Fatal("a user without an email was left pending")
	}

	approve := devices.Approve{EnvironmentID: env, UserID: u.ID, SessionID: pending.Session.ID, TokenHash: devices.HashToken("t2"),
		NewID: id(), Now: c.next()}
	for _, bad := range []struct {
		name string
		edit func(a *devices.Approve)
		want error
	}{
		{"unknown token", func(a *devices.Approve) { a.TokenHash = devices.HashToken("nope") }, devices.ErrApprovalInvalid},
		{"another environment", func(a *devices.Approve) { a.EnvironmentID = e.live.ID }, devices.ErrApprovalInvalid},
		{"another user", func(a *devices.Approve) { a.UserID = id() }, devices.ErrApprovalOtherUser},
		{"another session", func(a *devices.Approve) { a.SessionID = first.Session.ID }, devices.ErrApprovalOtherSession},
		{"expired", func(a *devices.Approve) { a.Now = a.Now.Add(2 * time.Hour) }, devices.ErrApprovalInvalid},
	} {
		a := approve
		bad.edit(&a)
		if _, err := s.ApproveDevice(ctx(t), a); !errors.Is(err, bad.want) {
			t.Fatalf("approve, %s: %v, want %v", bad.name, err, bad.want)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var won []string
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := s.ApproveDevice(ctx(t), approve)
			switch {
			case err == nil:
				mu.Lock()
				won = append(won, got)
				mu.Unlock()
			case !errors.Is(err, devices.ErrApprovalInvalid):
				t.Errorf("concurrent approve: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 || won[0] != approve.NewID || deviceOf(t, s, pending.Session) != approve.NewID {
		t.Fatalf("concurrent approvals won %v, want one registering %s", won, approve.NewID)
	}
	phoneID := approve.NewID

	list, err := s.ListDevices(ctx(t), env, u.ID)
	must(t, "ListDevices", err)
	if len(list) != 2 || list[0].ID != laptopID || list[0].PublicKey != laptop || list[1].ID != phoneID || list[1].UserAgent != "ua "+phone[:6] {
		t.Fatalf("devices: %+v", list)
	}
	if l, err := s.ListDevices(ctx(t), e.live.ID, u.ID); err != nil || len(l) != 0 {
		t.Fatalf("devices of another environment: %+v %v", l, err)
	}

	if _, err := s.RevokeDevice(ctx(t), env, id(), laptopID, c.next()); !errors.Is(err, devices.ErrDeviceNotFound) {
		t.Fatalf("revoke as another user: %v", err)
	}
	revoked, err := s.RevokeDevice(ctx(t), env, u.ID, laptopID, c.next())
	must(t, "RevokeDevice", err)
	eqSet(t, "the sessions revoked with the laptop", revoked, []string{first.Session.ID, again.Session.ID})
	for _, ss := range []*session.Session{first.Session, again.Session} {
		if got, _ := s.GetSession(ctx(t), ss.ID); got.RevokedAt == nil {
			t.Fatal("a session of the revoked device is live")
		}
	}
	if got, _ := s.GetSession(ctx(t), pending.Session.ID); got.RevokedAt != nil {
		t.Fatal("revoking the laptop revoked the phone's session")
	}
	if _, err := s.RevokeDevice(ctx(t), env, u.ID, laptopID, c.next()); !errors.Is(err, devices.ErrDeviceNotFound) {
		t.Fatalf("revoke twice: %v", err)
	}
	must(t, "RevokeAllDevices", s.RevokeAllDevices(ctx(t), env, u.ID, c.next()))
	if got, _ := s.GetSession(ctx(t), pending.Session.ID); got.RevokedAt == nil {
		t.Fatal("revoke all left a session")
	}
	if l, _ := s.ListDevices(ctx(t), env, u.ID); len(l) != 0 {
		t.Fatalf("devices after revoke all: %+v", l)
	}

	// Approvals t0, t1, t3 and t4 were never stored; t2 is used; a new one expires.
	_, _ = deviceSignIn(t, s, c, env, sameWallet(wallet), "", phone, "t5")
	n, err := s.DeleteExpiredApprovals(ctx(t), c.next().Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredApprovals: %d %v, want the used and the new one", n, err)
	}
}
