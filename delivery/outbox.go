package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// OutboxMessage is one line of the dev outbox: what was sent, to whom, and
// the code it carried, so a developer (or a test) can read it.
type OutboxMessage struct {
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"` // "email" or "sms"
	To      string    `json:"to"`
	Subject string    `json:"subject,omitempty"`
	Body    string    `json:"body"`
	Code    string    `json:"code,omitempty"`
}

// Channels of an OutboxMessage.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Outbox is the dev delivery, the default when no mail server or SMS
// provider is configured: every message is appended as one JSON line to a
// file and logged, codes included. It is a Mailer and an SMSSender. Never
// use it where real people sign in: the codes are in the log.
type Outbox struct {
	path string // "" logs only
	log  *slog.Logger
	now  func() time.Time

	mu sync.Mutex
	f  *os.File
}

// OpenOutbox opens (creating, mode 0600) the outbox file at path for
// appending; path "" or "-" keeps no file and only logs (to stderr, where
// the server logs). log may be nil; now may be nil for the wall clock.
func OpenOutbox(path string, log *slog.Logger, now func() time.Time) (*Outbox, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	o := &Outbox{log: log, now: now}
	if path == "" || path == "-" {
		return o, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	o.path, o.f = path, f
	return o, nil
}

// Path is the outbox file, "" when it only logs.
func (o *Outbox) Path() string { return o.path }

// SendEmail implements Mailer.
func (o *Outbox) SendEmail(ctx context.Context, m Email) error {
	return o.write(ctx, OutboxMessage{Channel: ChannelEmail, To: m.To, Subject: m.Subject, Body: m.Text, Code: m.Code})
}

// SendSMS implements SMSSender.
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	return o.write(ctx, OutboxMessage{Channel: ChannelSMS, To: m.To, Body: m.Body, Code: m.Code})
}

func (o *Outbox) write(ctx context.Context, m OutboxMessage) error {
	m.Time = o.now().UTC()
	o.log.InfoContext(ctx, "dev outbox: message not sent, recorded", "channel", m.Channel, "to", m.To,
		"subject", m.Subject, "code", m.Code, "file", o.path)
	if o.f == nil {
		return nil
	}
	line, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	line = append(line, '\n')
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := o.f.Write(line); err != nil { // one write per line: readers never see half a message
		return fmt.Errorf("outbox %s: %w", o.path, err)
	}
	return nil
}

// Close closes the outbox file.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}
