package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/dynamicauth/dynamicauth/captcha"
)

// captchaVerifyURLs parses --captcha-verify-url: PROVIDER=URL pairs,
// comma-separated, replacing those providers' siteverify endpoints (a
// proxy in a network without egress, a test's server).
func captchaVerifyURLs(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range splitList(v) {
		provider, raw, ok := strings.Cut(pair, "=")
		if _, known := captcha.DefaultVerifyURLs[provider]; !ok || !known {
			return nil, fmt.Errorf("--captcha-verify-url: %q: want PROVIDER=URL, PROVIDER one of %s, %s", pair,
				captcha.HCaptcha, captcha.Turnstile)
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("--captcha-verify-url: %q is not an http(s) URL", raw)
		}
		out[provider] = raw
	}
	return out, nil
}
