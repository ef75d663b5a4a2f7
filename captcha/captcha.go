// Package captcha checks the captcha tokens Dynamic's SDKs send
// (captchaToken) when an environment enables a captcha: hCaptcha or
// Cloudflare Turnstile, whose siteverify endpoints answer alike. The SDK
// renders the provider's widget with the public site key and sends the
// token it got with the requests that start a sign-in or send a code;
// the server asks the provider, with the environment's secret key,
// whether the token is good. Tokens are the provider's to make single-use.
package captcha

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Providers, as the contract's CaptchaProviderEnum names them.
const (
	HCaptcha  = "hcaptcha"
	Turnstile = "cloudflareTurnstile"
)

// DefaultVerifyURLs are the providers' siteverify endpoints.
var DefaultVerifyURLs = map[string]string{
	HCaptcha:  "https://api.hcaptcha.com/siteverify",
	Turnstile: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
}

// Errors a checked request is refused with (nothing else is done). The
// contract's 422 codes name no captcha failure; they are its generic
// verification failure, told apart by their messages.
var (
	ErrMissing = errs.Unprocessable(codeFailure,
		"captchaToken: this environment requires a captcha; send the token of its widget", nil)
	ErrRefused = errs.Unprocessable(codeFailure,
		"captchaToken: the captcha provider did not accept this token (solve the captcha again)", nil)
	ErrUnavailable = errs.Unprocessable(codeFailure,
		"captchaToken: the captcha provider could not be asked; try again", nil)
)

const codeFailure = "other_verify_failure"

// Policy is an environment's captcha: security.captcha {enabled,
// provider, siteKey, secretKey} or the older security.hCaptcha {enabled,
// siteKey, secretKey}.
type Policy struct {
	Enabled  bool
	Provider string
	// SecretPath is where the secret key lies in the settings document
	// (sealed at rest, see tenant.SecretSettingPaths).
	SecretPath []string
}

// PolicyFrom reads a settings document's captcha; security.captcha wins
// over security.hCaptcha when it says whether it is enabled.
func PolicyFrom(settings []byte) Policy {
	var st struct {
		Security struct {
			Captcha *struct {
				Enabled  *bool  `json:"enabled"`
				Provider string `json:"provider"`
			} `json:"captcha"`
			HCaptcha *struct {
				Enabled bool `json:"enabled"`
			} `json:"hCaptcha"`
		} `json:"security"`
	}
	if json.Unmarshal(settings, &st) != nil {
		return Policy{}
	}
	if c := st.Security.Captcha; c != nil && c.Enabled != nil {
		p := c.Provider
		if p == "" {
			p = HCaptcha
		}
		return Policy{Enabled: *c.Enabled, Provider: p, SecretPath: []string{"security", "captcha", "secretKey"}}
	}
	if h := st.Security.HCaptcha; h != nil && h.Enabled {
		return Policy{Enabled: true, Provider: HCaptcha, SecretPath: []string{"security", "hCaptcha", "secretKey"}}
	}
	return Policy{}
}

// Environments finds an environment and opens the secrets of its
// settings.
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
	SettingsSecret(env *tenant.Environment, path ...string) (string, error)
}

// Deps build a Checker.
type Deps struct {
	Environments Environments
	// Client asks the providers (nil: a client with a 5 s timeout).
	Client *http.Client
	// VerifyURLs replaces providers' siteverify endpoints (a proxy, a
	// test's server); the others keep DefaultVerifyURLs.
	VerifyURLs map[string]string
	Logger     *slog.Logger
}

// Checker checks captcha tokens against environments' policies.
type Checker struct {
	d        Deps
	urls     map[string]string
	policies tenant.SettingsMemo[Policy]
}

// New builds a Checker.
func New(d Deps) *Checker {
	if d.Client == nil {
		d.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	urls := map[string]string{}
	for k, v := range DefaultVerifyURLs {
		urls[k] = v
	}
	for k, v := range d.VerifyURLs {
		urls[k] = v
	}
	return &Checker{d: d, urls: urls}
}

// Check lets a request of envID through when its environment has no
// captcha enabled, or when the provider accepts token (for remoteIP, ""
// if unknown); else it is ErrMissing, ErrRefused or ErrUnavailable.
func (c *Checker) Check(ctx context.Context, envID, token, remoteIP string) error {
	env, err := c.d.Environments.GetEnvironment(ctx, envID)
	if err != nil {
		return err
	}
	p := c.policies.Get(env.Settings, PolicyFrom)
	if !p.Enabled {
		return nil
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return ErrMissing
	}
	if len(token) > 8192 {
		return ErrRefused
	}
	endpoint, ok := c.urls[p.Provider]
	if !ok {
		return errs.Invalid("security.captcha.provider: %q is not one of %s, %s", p.Provider, HCaptcha, Turnstile)
	}
	secret, err := c.d.Environments.SettingsSecret(env, p.SecretPath...)
	if err != nil {
		return errs.Internal("open captcha secret", err)
	}
	if secret == "" {
		c.d.Logger.WarnContext(ctx, "captcha enabled without a secret key; refusing its requests",
			"environment_id", envID, "setting", strings.Join(p.SecretPath, "."))
		return ErrUnavailable
	}
	ok, err = c.siteverify(ctx, endpoint, secret, token, remoteIP)
	if err != nil {
		c.d.Logger.WarnContext(ctx, "captcha provider unreachable; refusing the request",
			"environment_id", envID, "provider", p.Provider, "err", err)
		return ErrUnavailable
	}
	if !ok {
		return ErrRefused
	}
	return nil
}

// siteverify asks the provider: a form POST of secret, response and
// remoteip, answered {"success": bool, ...} by hCaptcha and Turnstile.
func (c *Checker) siteverify(ctx context.Context, endpoint, secret, token, remoteIP string) (bool, error) {
	form := url.Values{"secret": {secret}, "response": {token}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.d.Client.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("siteverify answered %s", res.Status)
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&out); err != nil {
		return false, fmt.Errorf("siteverify answer: %w", err)
	}
	return out.Success, nil
}
