package delivery_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/delivery/mailpittest"
)

// codeEmail is a code message as the templates make it.
func codeEmail(to, code string) delivery.Email {
	return delivery.Email{EnvironmentID: "env-1", To: to, Code: code,
		Subject: code + " is your Acme verification code",
		Text:    "Your Acme verification code is: " + code + "\n",
		HTML:    "<p>Your Acme verification code is: <b>" + code + "</b></p>"}
}

func TestSMTPDeliversThroughMailpit(t *testing.T) {
	for _, mode := range []string{mailpittest.STARTTLS, mailpittest.ImplicitTLS} {
		t.Run(mode, func(t *testing.T) {
			mp := mailpittest.Start(t, mailpittest.Options{TLS: mode, User: "relay", Password: "s3cret-p@ss:word"})
			m, err := delivery.NewSMTP(delivery.SMTPConfig{URL: mp.SMTPURL(), From: "Acme Auth <auth@acme.test>", RootCAs: mp.RootCAs})
			if err != nil {
				t.Fatal(err)
			}
			if s := m.String(); strings.Contains(s, mp.Password) || !strings.Contains(s, "relay") {
				t.Errorf("description %q: want the user, never the password", s)
			}
			if err := m.SendEmail(context.Background(), codeEmail("Ada@Example.com", "428613")); err != nil {
				t.Fatal(err)
			}
			got := mp.WaitForMessageTo(t, "ada@example.com")
			if got.Subject != "428613 is your Acme verification code" {
				t.Errorf("subject %q", got.Subject)
			}
			if !strings.Contains(got.Text, "verification code is: 428613") {
				t.Errorf("text body %q", got.Text)
			}
			if !strings.Contains(got.HTML, "<b>428613</b>") {
				t.Errorf("html body %q", got.HTML)
			}
			if got.From.Address != "auth@acme.test" || got.From.Name != "Acme Auth" {
				t.Errorf("from %+v", got.From)
			}
		})
	}
}

func TestSMTPRefusals(t *testing.T) {
	mp := mailpittest.Start(t, mailpittest.Options{User: "relay", Password: "right-password"})
	ctx := context.Background()

	t.Run("wrong password is an error without the password", func(t *testing.T) {
		u := "smtp://relay:" + url.QueryEscape("wrong-horse-battery") + "@" + mp.SMTPAddr
		m, err := delivery.NewSMTP(delivery.SMTPConfig{URL: u, From: "auth@acme.test", RootCAs: mp.RootCAs})
		if err != nil {
			t.Fatal(err)
		}
		err = m.SendEmail(ctx, codeEmail("bob@example.com", "111111"))
		if err == nil {
			t.Fatal("sent with a wrong password")
		}
		if strings.Contains(err.Error(), "wrong-horse-battery") {
			t.Fatalf("error leaks the password: %v", err)
		}
	})
	t.Run("a server certificate nobody vouches for is refused", func(t *testing.T) {
		m, err := delivery.NewSMTP(delivery.SMTPConfig{URL: mp.SMTPURL(), From: "auth@acme.test"}) // system roots
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SendEmail(ctx, codeEmail("eve@example.com", "222222")); err == nil {
			t.Fatal("sent to a server with an untrusted certificate")
		}
	})
	t.Run("plain text to a server that requires STARTTLS", func(t *testing.T) {
		m, err := delivery.NewSMTP(delivery.SMTPConfig{URL: "smtp://" + mp.SMTPAddr + "?tls=none", From: "auth@acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SendEmail(ctx, codeEmail("eve@example.com", "333333")); err == nil {
			t.Fatal("the server took mail without TLS")
		}
	})
	for _, msg := range mp.Messages(t) {
		t.Errorf("a refused send arrived: %+v", msg)
	}
}

func TestSMTPConfig(t *testing.T) {
	for _, c := range []struct{ url, from, want string }{
		{"smtp://u:p@mail.example.com", "a@b.c", "mail.example.com:587 (STARTTLS, auth as u)"},
		{"smtps://mail.example.com", "a@b.c", "mail.example.com:465 (implicit TLS, no auth)"},
		{"smtp://localhost:25?tls=none", "a@b.c", "localhost:25 (no TLS, no auth)"},
		{"smtp://localhost:2525?tls=opportunistic", "a@b.c", "localhost:2525 (STARTTLS when offered, no auth)"},
		{"http://mail.example.com", "a@b.c", "scheme"},
		{"smtp://:25", "a@b.c", "no host"},
		{"smtp://u:p@localhost:25?tls=none", "a@b.c", "only sent over TLS"},
		{"smtps://localhost?tls=none", "a@b.c", "always TLS"},
		{"smtp://localhost?foo=1", "a@b.c", "unknown URL parameter"},
		{"smtp://localhost:99999", "a@b.c", "bad port"},
		{"smtp://localhost", "", "--mail-from"},
		{"smtp://localhost", "not an address", "--mail-from"},
	} {
		m, err := delivery.NewSMTP(delivery.SMTPConfig{URL: c.url, From: c.from})
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = m.String()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s from %q: got %q, want %q", c.url, c.from, got, c.want)
		}
	}
	if _, err := delivery.NewSMTP(delivery.SMTPConfig{URL: "smtp://u:hunter2@exa mple.com", From: "a@b.c"}); err == nil ||
		strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a URL that does not parse: %v (must not show the password)", err)
	}
}
