package httpapi_test

import (
	"regexp"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/delivery/mailpittest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// TestEmailCodeSignInThroughMailpit: the code travels by SMTP (STARTTLS,
// auth) to a real Mailpit; the test reads the message through Mailpit's
// API, takes the code from the text a person would read, and signs in.
func TestEmailCodeSignInThroughMailpit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Mailpit")
	}
	mp := mailpittest.Start(t, mailpittest.Options{TLS: mailpittest.STARTTLS, User: "relay", Password: "relay-pass"})
	smtp, err := delivery.NewSMTP(delivery.SMTPConfig{URL: mp.SMTPURL(), From: "Acme <auth@acme.test>", RootCAs: mp.RootCAs})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.Mailer = smtp
		c.RateLimits = &ratelimit.Policy{Disabled: true}
	})
	env := h.ids.EnvironmentID
	h.enableCodes(t, env, nil, "emailOnly")
	st, res := h.do(t, "POST", "/sdk/"+env+"/emailVerifications/create", "", map[string]any{"email": "Lin@Example.com"})
	wantStatus(t, "create", st, 200, res)
	msg := mp.WaitForMessageTo(t, "lin@example.com")
	code := sixDigits.FindString(msg.Text)
	if code == "" || sixDigits.FindString(msg.HTML) != code || msg.From.Address != "auth@acme.test" {
		t.Fatalf("message without a code: %+v", msg)
	}
	st, res = h.do(t, "POST", "/sdk/"+env+"/emailVerifications/signin", "", map[string]any{
		"verificationUUID": str(t, res, "verificationUUID"), "verificationToken": code})
	wantStatus(t, "sign in with the code from Mailpit", st, 200, res)
	wantEq(t, res, "user.email", "lin@example.com")
	wantEq(t, res, "user.newUser", true)
}
