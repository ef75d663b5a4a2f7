package dynamicauth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/signin"
)

// deviceKey is a browser's device signer (the JS SDK's "device" key).
type deviceKey struct{ k *ecdsa.PrivateKey }

func newDeviceKey(t *testing.T) *deviceKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &deviceKey{k}
}

// proof signs a fresh nonce of the environment, as the SDK's
// x-dynamic-device-* headers do.
func (d *deviceKey) proof(t *testing.T, app *dynamicauthtest.App) *signin.DeviceProof {
	t.Helper()
	nonces, err := app.IssueNonces(t.Context(), app.IDs.EnvironmentID, 1)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := d.k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	compressed := append([]byte{2 | pub[64]&1}, pub[1:33]...)
	digest := sha256.Sum256([]byte(nonces[0]))
	r, s, err := ecdsa.Sign(rand.Reader, d.k, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return &signin.DeviceProof{Nonce: nonces[0], PublicKey: hex.EncodeToString(compressed), Signature: hex.EncodeToString(sig)}
}

// emailSignIn signs email in by a code from the device d (nil: no device
// proof).
func emailSignIn(t *testing.T, app *dynamicauthtest.App, box *deliverytest.Box, email string, d *deviceKey) *signin.Result {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	started, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
		Destination: otp.Destination{Email: email}, Client: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	req := signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail, VerificationID: started.Verification.ID,
		Code: box.LastEmail(t, email).Code, Origin: app.Origin, IP: "192.0.2.1", UserAgent: "test browser"}
	if d != nil {
		req.Device = d.proof(t, app)
	}
	res, err := app.SignInWithCode(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// approvalToken is the token of the last approval link emailed to email.
func approvalToken(t *testing.T, app *dynamicauthtest.App, box *deliverytest.Box, email string) string {
	t.Helper()
	m := box.LastEmail(t, email)
	link := m.Text[strings.Index(m.Text, app.Origin):]
	link = link[:strings.IndexAny(link, " \n")]
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("deviceRegistrationToken")
	if token == "" || token != m.Code || !strings.HasPrefix(m.Subject, "Approve your new device") {
		t.Fatalf("approval email: subject %q, link %q, code %q", m.Subject, link, m.Code)
	}
	return token
}

func isErr(err, want error) bool {
	return errors.Is(err, want) || (err != nil && err.Error() == want.Error())
}

// TestDeviceRegistration: with security.deviceRegistrationRequired, a
// user's first device is registered at sign-up; a returning user on an
// unknown device gets a restricted session (device:register) and an
// emailed approval link that works once, for that session only, not for
// another session or user; approved, the device is known from then on.
// Revoking a device ends its sessions; revoking all ends every session.
func TestDeviceRegistration(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		enableEmailCodes(t, app)
		laptop, phone := newDeviceKey(t), newDeviceKey(t)

		off := emailSignIn(t, app, box, "early@example.com", laptop)
		if off.Auth.DevicePending || off.Session.DeviceRegistrationID != "" {
			t.Fatalf("device registration off: pending %t, device %q", off.Auth.DevicePending, off.Session.DeviceRegistrationID)
		}
		setSecurity(t, app, "deviceRegistrationRequired", true)

		first := emailSignIn(t, app, box, "ada@example.com", laptop)
		laptopID := first.Session.DeviceRegistrationID
		if !first.NewUser || first.Auth.DevicePending || laptopID == "" || sessionClaims(t, app, first).DeviceRegistrationID != laptopID {
			t.Fatalf("sign-up: new %t, pending %t, device %q", first.NewUser, first.Auth.DevicePending, laptopID)
		}
		again := emailSignIn(t, app, box, "ada@example.com", laptop)
		if again.Auth.DevicePending || again.Session.DeviceRegistrationID != laptopID {
			t.Fatalf("same device again: pending %t, device %q (want %s)", again.Auth.DevicePending, again.Session.DeviceRegistrationID, laptopID)
		}

		pending := emailSignIn(t, app, box, "ada@example.com", phone)
		token := approvalToken(t, app, box, "ada@example.com")
		if !pending.Auth.DevicePending || pending.Session.DeviceRegistrationID != "" {
			t.Fatalf("new device: pending %t, device %q", pending.Auth.DevicePending, pending.Session.DeviceRegistrationID)
		}
		pendingJWT := pending.Tokens.MinifiedJWT
		if _, err := app.RegisteredDevices(ctx, env, pendingJWT); !isErr(err, devices.ErrPending) {
			t.Fatalf("a pending session listed devices: %v", err)
		}
		v, err := app.Verifier(env, dynamicauth.WithAudience(app.Origin))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, pendingJWT); err == nil {
			t.Fatal("a backend's Verifier accepted a device:register token as a full session")
		}
		refreshed, err := app.RefreshSession(ctx, env, pendingJWT)
		if err != nil || !refreshed.Auth.DevicePending {
			t.Fatalf("refresh of a pending session: %v, pending %t", err, refreshed != nil && refreshed.Auth.DevicePending)
		}

		// A second pending sign-in (another tab of an attacker holding the
		// code) cannot use the first one's link, and its try uses nothing up.
		other := emailSignIn(t, app, box, "ada@example.com", phone)
		otherToken := approvalToken(t, app, box, "ada@example.com")
		if _, err := app.ApproveDevice(ctx, env, other.Tokens.MinifiedJWT, token); !isErr(err, devices.ErrApprovalOtherSession) {
			t.Fatalf("approve another session's link: %v", err)
		}
		bob := emailSignIn(t, app, box, "bob@example.com", newDeviceKey(t))
		if _, err := app.ApproveDevice(ctx, env, bob.Tokens.MinifiedJWT, token); !isErr(err, devices.ErrApprovalOtherUser) {
			t.Fatalf("approve another user's link: %v", err)
		}
		for _, bad := range []string{"", "not-a-token", token + "x"} {
			if _, err := app.ApproveDevice(ctx, env, pendingJWT, bad); !errs.Is(err, errs.KindInvalid) && !isErr(err, devices.ErrApprovalInvalid) {
				t.Fatalf("approve with %q: %v", bad, err)
			}
		}

		approved, err := app.ApproveDevice(ctx, env, pendingJWT, token)
		if err != nil {
			t.Fatal(err)
		}
		phoneID := approved.Session.DeviceRegistrationID
		c := sessionClaims(t, app, approved)
		if approved.Auth.DevicePending || phoneID == "" || phoneID == laptopID || c.Sid != pending.Session.ID ||
			c.DeviceRegistrationID != phoneID || !c.HasScope("user:basic") {
			t.Fatalf("approved: pending %t, device %q, sid %s (want %s), scope %q", approved.Auth.DevicePending, phoneID,
				c.Sid, pending.Session.ID, c.Scope)
		}
		if _, err := app.ApproveDevice(ctx, env, pendingJWT, token); !isErr(err, devices.ErrApprovalInvalid) {
			t.Fatalf("the link worked twice: %v", err)
		}
		// The other tab's own link now finds the device registered.
		if res, err := app.ApproveDevice(ctx, env, other.Tokens.MinifiedJWT, otherToken); err != nil || res.Session.DeviceRegistrationID != phoneID {
			t.Fatalf("second link of a registered device: %v", err)
		}
		if res := emailSignIn(t, app, box, "ada@example.com", phone); res.Auth.DevicePending || res.Session.DeviceRegistrationID != phoneID {
			t.Fatalf("approved device signs in again: pending %t, device %q", res.Auth.DevicePending, res.Session.DeviceRegistrationID)
		}
		if res := emailSignIn(t, app, box, "ada@example.com", nil); !res.Auth.DevicePending {
			t.Fatal("a sign-in that proved no device was recognized")
		}

		phoneJWT := approved.Tokens.MinifiedJWT
		list, err := app.RegisteredDevices(ctx, env, phoneJWT)
		if err != nil || len(list) != 2 || list[0].ID != laptopID || list[0].Current || list[1].ID != phoneID || !list[1].Current ||
			list[1].UserAgent != "test browser" {
			t.Fatalf("devices: %+v, %v", list, err)
		}
		bobDevices, err := app.RegisteredDevices(ctx, env, bob.Tokens.MinifiedJWT)
		if err != nil || len(bobDevices) != 1 {
			t.Fatalf("bob's devices: %+v, %v", bobDevices, err)
		}
		if _, err := app.RevokeDevice(ctx, env, phoneJWT, bobDevices[0].ID); !isErr(err, devices.ErrDeviceNotFound) {
			t.Fatalf("revoked another user's device: %v", err)
		}
		current, err := app.RevokeDevice(ctx, env, phoneJWT, laptopID)
		if err != nil || current {
			t.Fatalf("revoke the laptop: current %t, %v", current, err)
		}
		for _, jwt := range []string{first.Tokens.MinifiedJWT, again.Tokens.MinifiedJWT} {
			if _, err := app.RefreshSession(ctx, env, jwt); err == nil {
				t.Fatal("a revoked device's session still refreshes")
			}
		}
		if _, err := app.RefreshSession(ctx, env, phoneJWT); err != nil {
			t.Fatalf("the phone's session ended with the laptop's: %v", err)
		}
		if res := emailSignIn(t, app, box, "ada@example.com", laptop); !res.Auth.DevicePending {
			t.Fatal("a revoked device was still recognized")
		}

		if err := app.RevokeAllDevices(ctx, env, phoneJWT); err != nil {
			t.Fatal(err)
		}
		if _, err := app.RefreshSession(ctx, env, phoneJWT); err == nil {
			t.Fatal("revoke all left the caller's session")
		}
		if _, err := app.RefreshSession(ctx, env, bob.Tokens.MinifiedJWT); err != nil {
			t.Fatalf("revoke all ended another user's session: %v", err)
		}
		page, err := app.Events().List(ctx, app.System, env, events.Query{ResourceType: "user", Limit: events.PageSize})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, e := range page.Events {
			counts[e.Name]++
		}
		// ada's laptop (sign-up), her phone (approved), bob's sign-up.
		if counts[events.DeviceRegistered] != 3 || counts[events.DeviceRevoked] != 2 {
			t.Fatalf("events: %d registered, %d revoked", counts[events.DeviceRegistered], counts[events.DeviceRevoked])
		}
	}, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.RateLimits = &ratelimit.Policy{Disabled: true} // a dozen codes to one address
	})
}

// TestDeviceRegistrationWithMFA: a returning user with MFA signing in on
// an unknown device owes both steps (scope requiresAdditionalAuth
// device:register), in either order: passing the factor keeps the device
// restriction, approving the device keeps the factor due. A session that
// owes only the approval may not set up or list MFA.
func TestDeviceRegistrationWithMFA(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		enableEmailCodes(t, app)
		setSecurity(t, app, "deviceRegistrationRequired", true)
		setMFA(t, app, map[string]any{"enabled": true})
		laptop := newDeviceKey(t)
		first := emailSignIn(t, app, box, "mfa@example.com", laptop).Tokens.MinifiedJWT
		totpSecret := enrollTOTP(t, app, first)
		both := func() (*signin.Result, string) {
			res := emailSignIn(t, app, box, "mfa@example.com", newDeviceKey(t))
			if !res.Auth.MFAPending || !res.Auth.DevicePending {
				t.Fatalf("new device with MFA: mfa pending %t, device pending %t", res.Auth.MFAPending, res.Auth.DevicePending)
			}
			return res, approvalToken(t, app, box, "mfa@example.com")
		}

		// The factor first, then the device.
		res, link := both()
		passed, err := app.PassTOTP(ctx, env, res.Tokens.MinifiedJWT, signin.MFARequest{Code: mfatest.TOTP(t, totpSecret, time.Now())})
		if err != nil || passed.Auth.MFAPending || !passed.Auth.DevicePending {
			t.Fatalf("TOTP on a new device: %v, %+v", err, passed)
		}
		if _, err := app.RegisterTOTP(ctx, env, passed.Tokens.MinifiedJWT, dynamicauth.MFAProof{}); !isErr(err, devices.ErrPending) {
			t.Fatalf("a session owing its approval set up MFA: %v", err)
		}
		if _, err := app.MFADevices(ctx, env, passed.Tokens.MinifiedJWT); !isErr(err, devices.ErrPending) {
			t.Fatalf("a session owing its approval listed MFA devices: %v", err)
		}
		full, err := app.ApproveDevice(ctx, env, passed.Tokens.MinifiedJWT, link)
		if err != nil || full.Auth.MFAPending || full.Auth.DevicePending || !sessionClaims(t, app, full).MFAComplete() {
			t.Fatalf("approved after TOTP: %v, %+v", err, full)
		}

		// The device first, then the factor.
		res, link = both()
		approved, err := app.ApproveDevice(ctx, env, res.Tokens.MinifiedJWT, link)
		if err != nil || !approved.Auth.MFAPending || approved.Auth.DevicePending {
			t.Fatalf("approved before TOTP: %v, %+v", err, approved)
		}
		if _, err := app.RegisteredDevices(ctx, env, approved.Tokens.MinifiedJWT); err != signin.ErrMFAPending {
			t.Fatalf("an MFA-pending session listed devices: %v", err)
		}
		done, err := app.PassTOTP(ctx, env, approved.Tokens.MinifiedJWT, signin.MFARequest{Code: mfatest.Code(t, totpSecret, 1)})
		if err != nil || done.Auth.MFAPending || done.Auth.DevicePending {
			t.Fatalf("TOTP after approval: %v, %+v", err, done)
		}
	}, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
	})
}
