// Package deliverytest is a Mailer and SMSSender for tests of code
// sign-in and verification: it keeps every message it is given, to read
// the codes back.
package deliverytest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery"
)

// Box keeps the emails and text messages sent through it. The zero value
// is ready.
type Box struct {
	mu     sync.Mutex
	emails []delivery.Email
	sms    []delivery.SMS
}

func (b *Box) SendEmail(_ context.Context, m delivery.Email) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.emails = append(b.emails, m)
	return nil
}

func (b *Box) SendSMS(_ context.Context, m delivery.SMS) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sms = append(b.sms, m)
	return nil
}

// Emails are the emails sent so far, oldest first.
func (b *Box) Emails() []delivery.Email {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.emails)
}

// LastEmail is the last email sent to the address to (compared without
// case); the test fails if there is none.
func (b *Box) LastEmail(t testing.TB, to string) delivery.Email {
	t.Helper()
	if m, ok := b.lastEmail(to); ok {
		return m
	}
	t.Fatalf("no email was sent to %s", to)
	return delivery.Email{}
}

// Code is the last code sent to to, an email address (compared without
// case) or a phone number; the test fails if there is none.
func (b *Box) Code(t testing.TB, to string) string {
	t.Helper()
	if m, ok := b.lastEmail(to); ok {
		return m.Code
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.sms) - 1; i >= 0; i-- {
		if b.sms[i].To == to {
			return b.sms[i].Code
		}
	}
	t.Fatalf("no code was sent to %s", to)
	return ""
}

func (b *Box) lastEmail(to string) (delivery.Email, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.emails) - 1; i >= 0; i-- {
		if strings.EqualFold(b.emails[i].To, to) {
			return b.emails[i], true
		}
	}
	return delivery.Email{}, false
}
