package dynamicauth_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// TestMasterSecretRotation: a database made under one master secret is
// served under a new one with the old one as previous (tokens, seeds and
// provider secrets keep working), ResealSecrets moves every sealed value
// to the new secret, and afterwards the new secret alone serves it while
// the old one alone no longer opens it. Recovery codes, hashes that
// cannot be moved, match only while the old secret is kept.
func TestMasterSecretRotation(t *testing.T) { onBothStores(t, testMasterSecretRotation) }

func testMasterSecretRotation(t *testing.T, st store.Store) {
	ctx := t.Context()
	oldSecret, newSecret := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	on := func(master []byte, previous ...[]byte) *dynamicauthtest.App {
		auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: master, PreviousMasterSecrets: previous})
		if err != nil {
			t.Fatal(err)
		}
		return dynamicauthtest.Wrap(t, auth)
	}

	// Under the old secret: a signing key, a TOTP device and recovery
	// codes, an SSO and a social provider secret, a captcha secret key.
	a := on(oldSecret)
	env, ownerToken := a.IDs.EnvironmentID, a.OwnerToken
	setMFA(t, a, map[string]any{"enabled": true})
	w := dynamicauthtest.NewWallet(t)
	first := a.SignIn(t, w)
	totpSecret := enrollTOTP(t, a, first.MinifiedJWT)
	codes, _, err := a.RecoveryCodes(ctx, env, first.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	if _, err := a.Tenants().CreateSsoProvider(ctx, a.System, a.IDs.OrganizationID, tenant.SsoInput{ClientID: str("client"),
		ClientSecret: str("sso-secret"), SsoDomain: str("acme.okta.com"), EmailDomain: str("acme.test"), Provider: str("okta")}); err != nil {
		t.Fatal(err)
	}
	pr, err := a.Providers().Create(ctx, a.System, env, social.ProviderInput{Type: str("google"), ClientID: str("gid"), ClientSecret: str("google-secret")})
	if err != nil {
		t.Fatal(err)
	}
	setSecurity(t, a, "hCaptcha", map[string]any{"enabled": false, "siteKey": "site", "secretKey": "captcha-secret"})
	enabled := true
	hook, err := a.Webhooks().Create(ctx, a.System, env, webhooks.Input{URL: "https://hooks.example.com/in", IsEnabled: &enabled,
		Events: []string{events.UserCreated}})
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := st.GetWebhook(ctx, env, hook.ID); err != nil || !strings.HasPrefix(stored.Secret, secrets.TextPrefix) ||
		strings.Contains(stored.Secret, hook.Secret) {
		t.Fatalf("the webhook secret at rest: %q (plaintext %q), %v", stored.Secret, hook.Secret, err)
	}
	hooks := map[string]string{hook.ID: hook.Secret}

	// Under the new secret with the old one as previous, before a reseal.
	b := on(newSecret, oldSecret)
	if err := b.CheckMasterSecret(ctx); err != nil {
		t.Fatal(err)
	}
	checkServes(t, b, st, w, totpSecret, pr.ID, 0)
	checkWebhookSecrets(t, b, hooks)
	if _, err := b.Tenants().Authenticate(ctx, ownerToken); err != nil {
		t.Fatalf("the owner token under the new secret with the old one: %v", err)
	}
	if _, err := b.PassRecoveryCode(ctx, env, b.SignIn(t, w).MinifiedJWT, signin.MFARequest{Code: codes[0]}); err != nil {
		t.Fatalf("a recovery code of the old secret, with it as previous: %v", err)
	}

	// A reseal given a wrong previous secret opens nothing and changes nothing.
	wrong := on(newSecret, bytes.Repeat([]byte{3}, 32))
	n, err := wrong.ResealSecrets(ctx)
	if err != nil || n.Resealed != 0 || n.Unreadable == 0 || !strings.HasPrefix(n.FirstUnreadable, secrets.KindSigningKey+" ") {
		t.Fatalf("reseal with a wrong previous secret: %+v, %v", n, err)
	}
	if err := on(oldSecret).CheckMasterSecret(ctx); err != nil {
		t.Fatalf("a failed reseal changed the signing keys: %v", err)
	}

	// A webhook an earlier version stored with its secret in the clear.
	clear := webhooks.Webhook{ID: ids.New(), EnvironmentID: env, URL: "https://hooks.example.com/old", Secret: "clear-secret",
		Events: []string{events.UserCreated}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateWebhook(ctx, clear, webhooks.Event{ID: ids.New(), Name: events.Ping, EnvironmentID: env,
		EnvironmentName: "sandbox", Data: []byte(`{}`), CreatedAt: time.Now()}, 20); err != nil {
		t.Fatal(err)
	}
	hooks[clear.ID] = "clear-secret"
	checkWebhookSecrets(t, b, hooks)

	// The sandbox's signing key, the SSO and the provider secret, the TOTP
	// seed, the sandbox settings' captcha secret and the two webhooks'
	// secrets; the live settings hold no secret and are not counted.
	n, err = b.ResealSecrets(ctx)
	if want := (secrets.ResealCount{Resealed: 7}); err != nil || n != want {
		t.Fatalf("reseal: %+v, want %+v, %v", n, want, err)
	}
	again, err := b.ResealSecrets(ctx)
	if err != nil || again.Resealed != 0 || again.Current != n.Resealed+n.Current {
		t.Fatalf("second reseal: %+v (first %+v), %v", again, n, err)
	}

	// The new secret alone now serves everything sealed; the owner token
	// was rehashed when b saw it; the old secret alone opens nothing.
	c := on(newSecret)
	checkServes(t, c, st, w, totpSecret, pr.ID, 1) // the next step: a step passes once
	checkWebhookSecrets(t, c, hooks)
	if stored, err := st.GetWebhook(ctx, env, clear.ID); err != nil || !strings.HasPrefix(stored.Secret, secrets.TextPrefix) {
		t.Fatalf("a clear webhook secret after the reseal: %q, %v", stored.Secret, err)
	}
	if _, err := c.Tenants().Authenticate(ctx, ownerToken); err != nil {
		t.Fatalf("the owner token, rehashed, under the new secret alone: %v", err)
	}
	if _, err := c.PassRecoveryCode(ctx, env, c.SignIn(t, w).MinifiedJWT, signin.MFARequest{Code: codes[1]}); err == nil {
		t.Fatal("a recovery code of the old secret matched under the new one alone")
	}
	if err := on(oldSecret).CheckMasterSecret(ctx); !errors.Is(err, signing.ErrWrongMasterSecret) {
		t.Fatalf("the old secret alone after the reseal: %v", err)
	}
	if _, err := on(bytes.Repeat([]byte{4}, 32)).Tenants().Authenticate(ctx, ownerToken); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("the owner token under an unrelated secret: %v", err)
	}
}

// checkWebhookSecrets reads the webhooks' secrets back through app.
func checkWebhookSecrets(t *testing.T, app *dynamicauthtest.App, want map[string]string) {
	t.Helper()
	for id, secret := range want {
		h, err := app.Webhooks().Get(t.Context(), app.System, app.IDs.EnvironmentID, id)
		if err != nil || h.Secret != secret {
			t.Fatalf("webhook %s: secret %q, want %q, %v", id, h.Secret, secret, err)
		}
	}
}

// checkServes signs w in through app, passes MFA with the TOTP seed (the
// code of now+step) and reads the captcha and social provider secrets
// back.
func checkServes(t *testing.T, app *dynamicauthtest.App, st store.Store, w *dynamicauthtest.Wallet, totpSecret, providerID string, step int) {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	pending := app.SignIn(t, w).MinifiedJWT
	if _, err := app.PassTOTP(ctx, env, pending, signin.MFARequest{Code: mfatest.Code(t, totpSecret, step)}); err != nil {
		t.Fatalf("TOTP: %v", err)
	}
	e, err := st.GetEnvironment(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := app.Tenants().SettingsSecret(e, "security", "hCaptcha", "secretKey"); err != nil || s != "captcha-secret" {
		t.Fatalf("captcha secret: %q, %v", s, err)
	}
	pr, err := app.Providers().Get(ctx, app.System, providerID)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := app.Providers().ClientSecret(pr); err != nil || s != "google-secret" {
		t.Fatalf("provider secret: %q, %v", s, err)
	}
}
