package dynamicauth

import (
	"context"
	"net/http"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// CaptchaConfig is how the server asks captcha providers about tokens.
type CaptchaConfig struct {
	// VerifyURLs by provider (captcha.HCaptcha, captcha.Turnstile);
	// the others keep captcha.DefaultVerifyURLs.
	VerifyURLs map[string]string
	// Client asks them (nil: 5 s timeout).
	Client *http.Client
}

// CheckCaptcha is the captcha check the SDK routes make before a sign-in
// or a new code (a token of the environment's captcha widget, asked of
// its provider with its secret key), for an application that takes such
// requests on routes of its own; nil when the environment has no captcha
// on. The Go sign-ins themselves check none: the application is trusted.
func (a *Auth) CheckCaptcha(ctx context.Context, envID, token, remoteIP string) error {
	return a.captcha.Check(ctx, envID, token, remoteIP)
}

// captchaEnvironments gives the captcha checks the (cached) environments
// and the secrets of their settings.
type captchaEnvironments struct {
	store   store.Store
	tenants *tenant.Service
}

func (e captchaEnvironments) GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error) {
	return e.store.GetEnvironment(ctx, id)
}

func (e captchaEnvironments) SettingsSecret(env *tenant.Environment, path ...string) (string, error) {
	return e.tenants.SettingsSecret(env, path...)
}
