package main

import "testing"

func TestCaptchaVerifyURLs(t *testing.T) {
	got, err := captchaVerifyURLs("hcaptcha=http://127.0.0.1:9/siteverify, cloudflareTurnstile=https://cf.example/v0/siteverify")
	if err != nil || len(got) != 2 || got["hcaptcha"] != "http://127.0.0.1:9/siteverify" ||
		got["cloudflareTurnstile"] != "https://cf.example/v0/siteverify" {
		t.Fatalf("%v %v", got, err)
	}
	if got, err := captchaVerifyURLs(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"recaptcha=https://x.example", "hcaptcha", "hcaptcha=ftp://x.example", "hcaptcha=https://"} {
		if _, err := captchaVerifyURLs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
