package dynamicauth_test

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/captcha/captchatest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
)

// TestCheckCaptchaFromGo: an application checks a captcha token through
// the facade against the environment's hCaptcha settings (the secret key
// sealed in them), as the SDK routes do.
func TestCheckCaptchaFromGo(t *testing.T) {
	provider := captchatest.New(t, "go-secret")
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		if err := app.CheckCaptcha(ctx, env, "", ""); err != nil {
			t.Fatalf("no captcha configured: %v", err)
		}
		updateSettings(t, app, func(settings map[string]any) {
			settings["security"].(map[string]any)["hCaptcha"] = map[string]any{"enabled": true, "siteKey": "k", "secretKey": "go-secret"}
		})
		if err := app.CheckCaptcha(ctx, env, "", "192.0.2.1"); !errors.Is(err, captcha.ErrMissing) {
			t.Fatalf("no token: %v", err)
		}
		provider.Issue("ok-" + t.Name())
		if err := app.CheckCaptcha(ctx, env, "ok-"+t.Name(), "192.0.2.1"); err != nil {
			t.Fatalf("a solved captcha: %v", err)
		}
	}, func(c *dynamicauth.Config) { c.Captcha.VerifyURLs = map[string]string{captcha.HCaptcha: provider.URL} })
}
