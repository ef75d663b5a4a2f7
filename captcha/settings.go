package captcha

import (
	"encoding/json"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// SettingsRule looks after the captcha members of ProjectSettings when
// next replaces the stored settings (a tenant.SettingsRule).
// security.captcha is a member Dynamic's client @dynamic-labs/sdk-api
// 0.0.847 has no model for, so it drops it when it sends the settings
// back: left out, the stored one (its sealed secret key with it) is kept;
// null clears it. What PolicyFrom could not apply is refused here rather
// than stored: a security.captcha that is not an object, whose enabled is
// not a boolean or whose provider is none of HCaptcha and Turnstile (read
// as no captcha, or refusing every request), and a captcha that is on
// without a secret key (every request refused).
func SettingsRule(next map[string]any, stored json.RawMessage) error {
	if err := tenant.KeepOmitted([]string{"security", "captcha"})(next, stored); err != nil {
		return err
	}
	sec, _ := next["security"].(map[string]any)
	if v, ok := sec["captcha"]; ok {
		c, isObject := v.(map[string]any)
		if !isObject {
			return errs.Invalid("security.captcha: must be an object {enabled, provider, siteKey, secretKey}")
		}
		if e, ok := c["enabled"]; ok {
			if _, isBool := e.(bool); !isBool {
				return errs.Invalid("security.captcha.enabled: must be true or false")
			}
		}
		if p, ok := c["provider"]; ok {
			if s, _ := p.(string); s != HCaptcha && s != Turnstile {
				return errs.Invalid("security.captcha.provider: must be %s or %s", HCaptcha, Turnstile)
			}
		}
		for _, k := range []string{"siteKey", "secretKey"} {
			if v, ok := c[k]; ok {
				if _, isString := v.(string); !isString {
					return errs.Invalid("security.captcha.%s: must be a string", k)
				}
			}
		}
	}
	doc, err := json.Marshal(next)
	if err != nil {
		return errs.Invalid("settings: %v", err)
	}
	p := PolicyFrom(doc)
	if !p.Enabled {
		return nil
	}
	var node any = next
	for _, k := range p.SecretPath {
		m, _ := node.(map[string]any)
		node = m[k]
	}
	if s, _ := node.(string); strings.TrimSpace(s) == "" {
		return errs.Invalid("%s: a captcha that is enabled needs its provider's secret key", strings.Join(p.SecretPath, "."))
	}
	return nil
}
