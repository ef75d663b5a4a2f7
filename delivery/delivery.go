// Package delivery sends the messages the server owes its users (one-time
// codes by email and SMS) through small interfaces, so the flows that need
// them never know whether a message goes to an SMTP server, an HTTP API or
// the dev outbox.
package delivery

import "context"

// Email is one message to one address. Code is the one-time code the body
// carries, when there is one: only the dev outbox records it (so a fresh
// install and the tests can read codes); real transports ignore it.
type Email struct {
	EnvironmentID string // chooses the environment's own provider when it has one
	To            string
	Subject       string
	Text          string
	HTML          string
	Code          string
}

// SMS is one text message to one E.164 number.
type SMS struct {
	EnvironmentID string
	To            string
	Body          string
	Code          string
}

// Mailer sends an email. An error means the message was not accepted; the
// caller reports it and keeps the verification retryable.
type Mailer interface {
	SendEmail(ctx context.Context, m Email) error
}

// SMSSender sends a text message, with the same error contract as Mailer.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) error
}
