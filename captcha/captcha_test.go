package captcha_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/captcha/captchatest"
	"github.com/dynamicauth/dynamicauth/tenant"
)

func TestPolicyFrom(t *testing.T) {
	for _, c := range []struct {
		doc      string
		enabled  bool
		provider string
		secret   string
	}{
		{`{}`, false, "", ""},
		{`not json`, false, "", ""},
		{`{"security":{"hCaptcha":{"enabled":false,"secretKey":"s"}}}`, false, "", ""},
		{`{"security":{"hCaptcha":{"enabled":true,"secretKey":"s"}}}`, true, captcha.HCaptcha, "security.hCaptcha.secretKey"},
		{`{"security":{"captcha":{"enabled":true,"provider":"cloudflareTurnstile"}}}`, true, captcha.Turnstile, "security.captcha.secretKey"},
		{`{"security":{"captcha":{"enabled":true}}}`, true, captcha.HCaptcha, "security.captcha.secretKey"},
		// the newer member decides when it says whether it is on
		{`{"security":{"captcha":{"enabled":false},"hCaptcha":{"enabled":true}}}`, false, captcha.HCaptcha, "security.captcha.secretKey"},
		{`{"security":{"captcha":{"siteKey":"k"},"hCaptcha":{"enabled":true}}}`, true, captcha.HCaptcha, "security.hCaptcha.secretKey"},
	} {
		p := captcha.PolicyFrom([]byte(c.doc))
		secret := ""
		for i, k := range p.SecretPath {
			if i > 0 {
				secret += "."
			}
			secret += k
		}
		if p.Enabled != c.enabled || (c.provider != "" && p.Provider != c.provider) || (c.secret != "" && secret != c.secret) {
			t.Errorf("%s: %+v", c.doc, p)
		}
	}
}

// envs is one environment whose settings' secret is given in clear.
type envs struct {
	settings string
	secret   string
}

func (e envs) GetEnvironment(_ context.Context, id string) (*tenant.Environment, error) {
	return &tenant.Environment{ID: id, Settings: []byte(e.settings)}, nil
}

func (e envs) SettingsSecret(*tenant.Environment, ...string) (string, error) { return e.secret, nil }

// TestCheck: with a captcha on, a request passes only with a token the
// provider accepts, once; a missing token never reaches the provider; a
// provider that cannot answer refuses the request (fail closed); with
// the captcha off nothing is asked.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	hc, ts := captchatest.New(t, "hc-secret"), captchatest.New(t, "ts-secret")
	urls := map[string]string{captcha.HCaptcha: hc.URL, captcha.Turnstile: ts.URL}
	on := `{"security":{"hCaptcha":{"enabled":true,"siteKey":"site"}}}`
	check := func(settings, secret, token string) error {
		return captcha.New(captcha.Deps{Environments: envs{settings, secret}, VerifyURLs: urls}).Check(ctx, "env", token, "192.0.2.7")
	}

	if err := check(`{}`, "", ""); err != nil {
		t.Fatalf("captcha off: %v", err)
	}
	if err := check(on, "hc-secret", " "); !errors.Is(err, captcha.ErrMissing) {
		t.Fatalf("no token: %v", err)
	}
	if n := len(hc.Calls()); n != 0 {
		t.Fatalf("the provider was asked %d times before any token came", n)
	}
	hc.Issue("solved")
	if err := check(on, "hc-secret", "forged"); !errors.Is(err, captcha.ErrRefused) {
		t.Fatalf("a token the provider never issued: %v", err)
	}
	if err := check(on, "another-secret", "solved"); !errors.Is(err, captcha.ErrRefused) {
		t.Fatalf("the wrong secret: %v", err)
	}
	if err := check(on, "hc-secret", "solved"); err != nil {
		t.Fatalf("a solved captcha: %v", err)
	}
	if err := check(on, "hc-secret", "solved"); !errors.Is(err, captcha.ErrRefused) {
		t.Fatalf("a token used twice: %v", err)
	}
	last := hc.Calls()[len(hc.Calls())-1]
	if last.Secret != "hc-secret" || last.Response != "solved" || last.RemoteIP != "192.0.2.7" {
		t.Fatalf("siteverify asked %+v", last)
	}
	if err := check(on, "", "solved"); !errors.Is(err, captcha.ErrUnavailable) {
		t.Fatalf("enabled without a secret key: %v", err)
	}
	hc.Issue("later")
	hc.SetDown(true)
	if err := check(on, "hc-secret", "later"); !errors.Is(err, captcha.ErrUnavailable) {
		t.Fatalf("provider down: %v", err)
	}

	turnstile := `{"security":{"captcha":{"enabled":true,"provider":"cloudflareTurnstile","siteKey":"k"}}}`
	ts.Issue("cf")
	if err := check(turnstile, "ts-secret", "cf"); err != nil || len(ts.Calls()) != 1 {
		t.Fatalf("turnstile: %v, %d calls", err, len(ts.Calls()))
	}
}
