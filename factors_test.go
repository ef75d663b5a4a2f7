package dynamicauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/postgres/pgtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/verifier"
)

// onBothBackends runs test on an app (built with opts) over SQLite and,
// when DYNAMICAUTH_TEST_POSTGRES_URL is set, over a fresh PostgreSQL
// schema.
func onBothBackends(t *testing.T, test func(*testing.T, *dynamicauthtest.App), opts ...dynamicauthtest.Option) {
	onBothStores(t, func(t *testing.T, st store.Store) {
		test(t, dynamicauthtest.New(t, append(opts, func(c *dynamicauth.Config) { c.Store = st })...))
	})
}

// onBothStores runs test on a fresh in-memory SQLite store and, when
// DYNAMICAUTH_TEST_POSTGRES_URL is set, a fresh PostgreSQL schema.
func onBothStores(t *testing.T, test func(*testing.T, store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), ":memory:", sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		test(t, st)
	})
	if !pgtest.Enabled() {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(t.Context(), pgtest.FreshSchema(t), postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		test(t, st)
	})
}

// setMFA replaces the sandbox's security.mfa settings through the Go API.
func setMFA(t *testing.T, app *dynamicauthtest.App, policy map[string]any) {
	t.Helper()
	setSecurity(t, app, "mfa", policy)
}

// enrollTOTP enrolls a TOTP device for the user of the full session
// sessionToken, confirmed with the code of the step before now (the
// steps from now on are left to the test), and returns its secret.
func enrollTOTP(t *testing.T, app *dynamicauthtest.App, sessionToken string) string {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	en, err := app.RegisterTOTP(ctx, env, sessionToken, dynamicauth.MFAProof{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ConfirmTOTP(ctx, env, sessionToken, mfatest.Code(t, en.Secret, -1)); err != nil {
		t.Fatal(err)
	}
	return en.Secret
}

// setSecurity replaces security.<member> of the sandbox's settings
// through the Go API.
func setSecurity(t *testing.T, app *dynamicauthtest.App, member string, value any) {
	t.Helper()
	updateSettings(t, app, func(settings map[string]any) {
		sec, _ := settings["security"].(map[string]any)
		if sec == nil {
			sec = map[string]any{}
		}
		sec[member] = value
		settings["security"] = sec
	})
}

// updateSettings reads the sandbox's settings, lets change edit them and
// writes them back, through the Go API.
func updateSettings(t *testing.T, app *dynamicauthtest.App, change func(settings map[string]any)) {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	e, err := app.Tenants().GetEnvironment(ctx, app.System, env, tenant.ScopeSettingsRead)
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	if err := json.Unmarshal(e.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	change(settings)
	if _, err := app.Tenants().UpdateSettings(ctx, app.System, env, settings); err != nil {
		t.Fatal(err)
	}
}

// verified checks an upgraded token with the app's Verifier: it keeps
// the sid of the pending one, is MFA-complete and names factor in amr.
func verified(t *testing.T, app *dynamicauthtest.App, res *signin.Result, pendingSID, factor string) *verifier.Claims {
	t.Helper()
	c := sessionClaims(t, app, res)
	if c.Sid != pendingSID || !c.MFAComplete() || !slices.Contains(c.AMR, factor) || !c.HasScope("user:basic") {
		t.Fatalf("upgraded claims: sid %s (pending %s), amr %v, scope %q", c.Sid, pendingSID, c.AMR, c.Scope)
	}
	return c
}

// sessionClaims are the claims of a full session's minified token, as the
// app's Verifier checks them for its origin.
func sessionClaims(t *testing.T, app *dynamicauthtest.App, res *signin.Result) *verifier.Claims {
	t.Helper()
	return tokenClaims(t, app, res.Tokens.MinifiedJWT)
}

// tokenClaims are the claims of a full session's minified token, as the
// app's Verifier checks them for its origin.
func tokenClaims(t *testing.T, app *dynamicauthtest.App, token string) *verifier.Claims {
	t.Helper()
	v, err := app.Verifier(app.IDs.EnvironmentID, dynamicauth.WithAudience(app.Origin))
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(t.Context(), token)
	if err != nil {
		t.Fatalf("session token: %v", err)
	}
	return c
}

func sidOf(t *testing.T, app *dynamicauthtest.App, token string) string {
	t.Helper()
	v, err := app.Verifier(app.IDs.EnvironmentID, dynamicauth.WithAudience(app.Origin), dynamicauth.WithScope("requiresAdditionalAuth"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(t.Context(), token)
	if err != nil {
		t.Fatalf("pending token: %v", err)
	}
	if c.MFAComplete() {
		t.Fatal("a pending token is MFA-complete")
	}
	return c.Sid
}

// TestMFAThroughTheGoAPI enrolls TOTP, passes MFA with TOTP, a recovery
// code and a passkey, manages devices and codes and resets a user's MFA,
// all through the facade (no HTTP), with the routes' rules.
func TestMFAThroughTheGoAPI(t *testing.T) { onBothBackends(t, testMFAThroughTheGoAPI) }

func testMFAThroughTheGoAPI(t *testing.T, app *dynamicauthtest.App) {
	ctx, env := t.Context(), app.IDs.EnvironmentID
	setMFA(t, app, map[string]any{"enabled": true})
	w := dynamicauthtest.NewWallet(t)
	first := app.SignIn(t, w) // no device yet: a full session

	en, err := app.RegisterTOTP(ctx, env, first.MinifiedJWT, dynamicauth.MFAProof{})
	if err != nil || en.Secret == "" || en.Device.Verified() {
		t.Fatalf("RegisterTOTP: %+v, %v", en, err)
	}
	if _, err := app.ConfirmTOTP(ctx, env, first.MinifiedJWT, "000000x"); err == nil {
		t.Fatal("ConfirmTOTP took a malformed code")
	}
	dev, err := app.ConfirmTOTP(ctx, env, first.MinifiedJWT, mfatest.Code(t, en.Secret, -1))
	if err != nil || !dev.Verified() || !dev.Default {
		t.Fatalf("ConfirmTOTP: %+v, %v", dev, err)
	}
	codes, unused, err := app.RecoveryCodes(ctx, env, first.MinifiedJWT)
	if err != nil || len(codes) != mfa.RecoveryCodeCount || unused != mfa.RecoveryCodeCount {
		t.Fatalf("RecoveryCodes: %d codes, %d unused, %v", len(codes), unused, err)
	}
	if again, unused, err := app.RecoveryCodes(ctx, env, first.MinifiedJWT); err != nil || len(again) != 0 || unused != 10 {
		t.Fatalf("RecoveryCodes a second time shows codes: %d, %d, %v", len(again), unused, err)
	}
	if err := app.AcknowledgeRecoveryCodes(ctx, env, first.MinifiedJWT, "seen"); !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("AcknowledgeRecoveryCodes(seen): %v", err)
	}
	if err := app.AcknowledgeRecoveryCodes(ctx, env, first.MinifiedJWT, mfa.AckComplete); err != nil {
		t.Fatal(err)
	}
	if u, _, err := app.Users().GetUser(ctx, app.System, env, first.UserID); err != nil || u.MfaBackupCodeAcknowledgement != mfa.AckComplete {
		t.Fatalf("acknowledgement not stored: %v", err)
	}

	// TOTP upgrades a pending session; the pending one may not manage codes.
	pending := app.SignIn(t, w).MinifiedJWT
	psid := sidOf(t, app, pending)
	if _, err := app.NewRecoveryCodes(ctx, env, pending); err != signin.ErrMFAPending {
		t.Fatalf("NewRecoveryCodes while pending: %v", err)
	}
	if _, err := app.RegisterTOTP(ctx, env, pending, dynamicauth.MFAProof{}); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("a pending session added a second device: %v", err)
	}
	if devs, err := app.MFADevices(ctx, env, pending); err != nil || len(devs) != 1 || devs[0].ID != dev.ID {
		t.Fatalf("MFADevices while pending: %+v, %v", devs, err)
	}
	code := mfatest.TOTP(t, en.Secret, time.Now())
	if _, err := app.PassTOTP(ctx, env, pending, signin.MFARequest{Code: mfatest.Code(t, en.Secret, 2)}); err == nil {
		t.Fatal("a code two steps ahead passed")
	}
	res, err := app.PassTOTP(ctx, env, pending, signin.MFARequest{Code: code, MFAToken: true, SingleUse: true})
	if err != nil {
		t.Fatalf("PassTOTP: %v", err)
	}
	verified(t, app, res, psid, mfa.TypeTOTP)
	up, mfaToken := res.Tokens.MinifiedJWT, res.MFAToken
	other := app.SignIn(t, w).MinifiedJWT
	if _, err := app.PassTOTP(ctx, env, other, signin.MFARequest{Code: code}); err == nil {
		t.Fatal("the same TOTP code passed twice")
	}

	// A recovery code, once.
	osid := sidOf(t, app, other)
	res, err = app.PassRecoveryCode(ctx, env, other, signin.MFARequest{Code: codes[0]})
	if err != nil {
		t.Fatalf("PassRecoveryCode: %v", err)
	}
	verified(t, app, res, osid, "recovery")
	if _, err := app.PassRecoveryCode(ctx, env, app.SignIn(t, w).MinifiedJWT, signin.MFARequest{Code: codes[0]}); err == nil {
		t.Fatal("a recovery code passed twice")
	}

	// Deleting a device takes proof of a factor passed in the same session.
	if err := app.DeleteMFADevice(ctx, env, res.Tokens.MinifiedJWT, dev.ID, dynamicauth.MFAProof{MFAToken: mfaToken}); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("another session's mfaToken: %v", err)
	}
	if err := app.DeleteMFADevice(ctx, env, pending, dev.ID, dynamicauth.MFAProof{MFAToken: mfaToken}); err != signin.ErrMFAPending {
		t.Fatalf("the pending token (before its upgrade) deleted a device: %v", err)
	}
	if d, err := app.SetDefaultMFADevice(ctx, env, up, dev.ID, true); err != nil || !d.Default {
		t.Fatalf("SetDefaultMFADevice: %+v, %v", d, err)
	}
	// A delete refused (no such device) spends not the single-use
	// mfaToken: the same token then deletes the device, once.
	if err := app.DeleteMFADevice(ctx, env, up, "no-such-device", dynamicauth.MFAProof{MFAToken: mfaToken}); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("DeleteMFADevice of no device: %v", err)
	}
	if err := app.DeleteMFADevice(ctx, env, up, dev.ID, dynamicauth.MFAProof{MFAToken: mfaToken}); err != nil {
		t.Fatalf("DeleteMFADevice: %v", err)
	}
	if err := app.DeleteMFADevice(ctx, env, up, dev.ID, dynamicauth.MFAProof{MFAToken: mfaToken}); !errs.Is(err, errs.KindForbidden) {
		t.Fatalf("the spent mfaToken again, for the deleted device: %v, want forbidden (the proof first)", err)
	}
	if devs, _ := app.MFADevices(ctx, env, up); len(devs) != 0 {
		t.Fatalf("device left: %+v", devs)
	}
	fresh, err := app.NewRecoveryCodes(ctx, env, up)
	if err != nil || len(fresh) != 10 || slices.Contains(fresh, codes[1]) {
		t.Fatalf("NewRecoveryCodes: %v, %v", fresh, err)
	}

	// Admin reset: a principal of another organization cannot, the owner can.
	en2, _ := app.RegisterTOTP(ctx, env, up, dynamicauth.MFAProof{})
	if _, err := app.ConfirmTOTP(ctx, env, up, mfatest.TOTP(t, en2.Secret, time.Now())); err != nil {
		t.Fatal(err)
	}
	stranger := dynamicauth.System("00000000-0000-0000-0000-000000000000")
	if err := app.ResetMFA(ctx, stranger, env, first.UserID); err == nil {
		t.Fatal("a principal of another organization reset MFA")
	}
	if err := app.ResetMFA(ctx, app.System, app.IDs.LiveEnvironmentID, first.UserID); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("reset through another environment: %v", err)
	}
	if devs, _ := app.MFADevices(ctx, env, up); len(devs) != 1 {
		t.Fatalf("refused resets removed devices: %+v", devs)
	}
	if err := app.ResetMFA(ctx, app.System, env, first.UserID); err != nil {
		t.Fatal(err)
	}
	if devs, _ := app.MFADevices(ctx, env, up); len(devs) != 0 {
		t.Fatalf("devices after reset: %+v", devs)
	}
	if _, err := app.PassRecoveryCode(ctx, env, app.SignIn(t, w).MinifiedJWT, signin.MFARequest{Code: fresh[0]}); err == nil {
		t.Fatal("a recovery code outlived the reset")
	}
}

// TestPasskeyMFAThroughTheGoAPI passes MFA with a passkey assertion from
// the software authenticator; a replayed assertion, one made for another
// origin and one of a deleted passkey are refused.
func TestPasskeyMFAThroughTheGoAPI(t *testing.T) { onBothBackends(t, testPasskeyMFAThroughTheGoAPI) }

func testPasskeyMFAThroughTheGoAPI(t *testing.T, app *dynamicauthtest.App) {
	ctx, env := t.Context(), app.IDs.EnvironmentID
	w := dynamicauthtest.NewWallet(t)
	u, a, pk := passkeyOf(t, app, w)

	setMFA(t, app, map[string]any{"enabled": true})
	pending := app.SignIn(t, w).MinifiedJWT
	psid := sidOf(t, app, pending)
	assertion := func(token string, from *passkeytest.Authenticator) []byte {
		t.Helper()
		o, err := app.BeginPasskeyMFA(ctx, env, token, app.Origin, "")
		if err != nil {
			t.Fatalf("BeginPasskeyMFA: %v", err)
		}
		b, err := from.Get(base64.RawURLEncoding.EncodeToString(o.Challenge))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pass := func(token string, body []byte) (*signin.Result, error) {
		return app.PassPasskey(ctx, env, token, signin.PasskeyRequest{Body: body, Origin: app.Origin})
	}

	// Made for another origin: refused, and the challenge is gone.
	evil := *a
	evil.Origin = "http://evil.example"
	if _, err := pass(pending, assertion(pending, &evil)); err == nil {
		t.Fatal("an assertion for another origin passed")
	}
	body := assertion(pending, a)
	res, err := pass(pending, body)
	if err != nil {
		t.Fatalf("PassPasskey: %v", err)
	}
	verified(t, app, res, psid, signin.FactorPasskey)
	if _, err := pass(app.SignIn(t, w).MinifiedJWT, body); err == nil {
		t.Fatal("a replayed assertion passed")
	}

	// Deleted: no assertion of it passes any more.
	later := app.SignIn(t, w).MinifiedJWT
	body = assertion(later, a)
	if err := app.Passkeys().Delete(ctx, u.ID, pk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := pass(later, body); err == nil {
		t.Fatal("a deleted passkey passed MFA")
	}
	if _, err := app.PassPasskey(context.Background(), env, "not-a-token", signin.PasskeyRequest{Body: body}); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("no session: %v", err)
	}
}

// TestEmailMFAThroughTheGoAPI: the code of an email verification of the
// user's own verified email passes MFA through the facade (PassEmailMFA)
// and upgrades the pending session with email in amr; a wrong code, a
// code of another address and a replay are refused.
func TestEmailMFAThroughTheGoAPI(t *testing.T) {
	box := &deliverytest.Box{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		enableEmailCodes(t, app)
		setMFA(t, app, map[string]any{"enabled": true})
		w := dynamicauthtest.NewWallet(t)
		now := time.Now()
		if _, err := app.Users().CreateUser(ctx, app.System, env, users.NewUser{Email: "grace@example.com", EmailVerifiedAt: &now,
			Wallets: []users.NewWallet{{Address: w.Address, Chain: "EVM", WalletName: "metamask", WalletProvider: "browserExtension"}}}); err != nil {
			t.Fatal(err)
		}
		full := app.SignIn(t, w).MinifiedJWT
		en, err := app.RegisterTOTP(ctx, env, full, dynamicauth.MFAProof{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.ConfirmTOTP(ctx, env, full, mfatest.TOTP(t, en.Secret, time.Now())); err != nil {
			t.Fatal(err)
		}
		pending := app.SignIn(t, w).MinifiedJWT
		psid := sidOf(t, app, pending)
		start := func(email string) (string, string) {
			t.Helper()
			st, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
				Destination: otp.Destination{Email: email}, Client: "192.0.2.1"})
			if err != nil {
				t.Fatal(err)
			}
			return st.Verification.ID, box.LastEmail(t, email).Code
		}
		vid, code := start("grace@example.com")
		if _, err := app.PassEmailMFA(ctx, env, pending, signin.EmailMFARequest{VerificationID: vid, Code: otherCode(code)}); err == nil {
			t.Fatal("a wrong code passed")
		}
		ovid, ocode := start("other@example.com")
		if _, err := app.PassEmailMFA(ctx, env, pending, signin.EmailMFARequest{VerificationID: ovid, Code: ocode}); err == nil {
			t.Fatal("the code of another address passed")
		}
		res, err := app.PassEmailMFA(ctx, env, pending, signin.EmailMFARequest{VerificationID: vid, Code: code})
		if err != nil {
			t.Fatalf("PassEmailMFA: %v", err)
		}
		verified(t, app, res, psid, "email")
		again := app.SignIn(t, w).MinifiedJWT
		if _, err := app.PassEmailMFA(ctx, env, again, signin.EmailMFARequest{VerificationID: vid, Code: code}); err == nil {
			t.Fatal("a code passed twice")
		}
	}, func(c *dynamicauth.Config) { c.Mailer = box })
}

// TestMFAMethodsFromGo lists the session's user's MFA methods
// (MFAMethods, users/mfa/methods): an enrollment waiting for its first
// code only when unverified ones are asked for, and not as a verified
// method; a confirmed device and a passkey are; an MFA-pending session
// sees them, another user none.
func TestMFAMethodsFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		w := dynamicauthtest.NewWallet(t)
		u, key := passkeyUser(t, app, w)
		full, bob := app.SignIn(t, w).MinifiedJWT, dynamicauthtest.SignInWallet(t, app).MinifiedJWT
		methods := func(token string, verifiedOnly bool) (devices, passkeys int, verified bool) {
			t.Helper()
			m, err := app.MFAMethods(ctx, env, token, verifiedOnly)
			if err != nil {
				t.Fatalf("MFAMethods: %v", err)
			}
			return len(m.Devices), len(m.Passkeys), m.Verified
		}
		if d, p, v := methods(full, false); d != 0 || p != 0 || v {
			t.Fatalf("no methods yet: %d devices, %d passkeys, verified %t", d, p, v)
		}
		en, err := app.RegisterTOTP(ctx, env, full, dynamicauth.MFAProof{})
		if err != nil {
			t.Fatal(err)
		}
		if d, _, v := methods(full, true); d != 0 || v {
			t.Fatalf("verified only, with a device waiting: %d devices, verified %t", d, v)
		}
		if d, _, v := methods(full, false); d != 1 || v {
			t.Fatalf("with the device waiting: %d devices, verified %t", d, v)
		}
		if _, err := app.ConfirmTOTP(ctx, env, full, mfatest.Code(t, en.Secret, -1)); err != nil {
			t.Fatal(err)
		}
		if d, _, v := methods(full, true); d != 1 || !v {
			t.Fatalf("a confirmed device: %d devices, verified %t", d, v)
		}
		if _, _, err := registerPasskey(t, app, u, key); err != nil {
			t.Fatal(err)
		}
		setMFA(t, app, map[string]any{"enabled": true})
		pending := app.SignIn(t, w).MinifiedJWT
		if d, p, v := methods(pending, true); d != 1 || p != 1 || !v {
			t.Fatalf("an MFA-pending session: %d devices, %d passkeys, verified %t", d, p, v)
		}
		if d, p, v := methods(bob, false); d != 0 || p != 0 || v {
			t.Fatalf("another user: %d devices, %d passkeys, verified %t", d, p, v)
		}
	})
}
