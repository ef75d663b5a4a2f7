// Package errs holds the one error type that domain code returns. It says
// what went wrong in domain terms (a Kind, a message safe to show, and an
// optional contract code and payload); only httpapi turns it into a status
// code and a response body.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by how a caller should react to it.
type Kind int

const (
	KindInternal      Kind = iota // a bug or an unavailable dependency; the message is never shown
	KindInvalid                   // the request is malformed: wrong type, missing field, bad id
	KindUnauthorized              // no valid credentials
	KindForbidden                 // valid credentials, but not for this
	KindNotFound                  // the thing does not exist within the caller's reach
	KindConflict                  // the request clashes with existing state
	KindUnprocessable             // well-formed but refused by a business rule
	KindRateLimited               // too many attempts
)

// E is the domain error.
type E struct {
	Kind       Kind
	Message    string         // safe to show to the client
	Code       string         // the contract's error code, when it has one
	Payload    map[string]any // extra data the contract allows with the code
	RetryAfter time.Duration  // for KindRateLimited
	Err        error          // the cause, for logs only
}

func (e *E) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *E) Unwrap() error { return e.Err }

// Invalid reports a malformed request.
func Invalid(format string, args ...any) error {
	return &E{Kind: KindInvalid, Message: fmt.Sprintf(format, args...)}
}

// Unauthorized reports missing or bad credentials.
func Unauthorized(msg string) error { return &E{Kind: KindUnauthorized, Message: msg} }

// Forbidden reports credentials that do not reach the resource.
func Forbidden(msg string) error { return &E{Kind: KindForbidden, Message: msg} }

// NotFound reports a missing resource; code is the contract's NotFound code.
func NotFound(code, msg string) error { return &E{Kind: KindNotFound, Code: code, Message: msg} }

// Conflict reports a clash with existing state (a duplicate, say).
func Conflict(code, msg string) error { return &E{Kind: KindConflict, Code: code, Message: msg} }

// Unprocessable reports a business-rule refusal with the contract's code.
func Unprocessable(code, msg string, payload map[string]any) error {
	return &E{Kind: KindUnprocessable, Code: code, Message: msg, Payload: payload}
}

// RateLimited reports too many attempts; retryAfter tells when to try again.
func RateLimited(retryAfter time.Duration) error {
	return &E{Kind: KindRateLimited, Message: "Too many requests. Please try again later.", RetryAfter: retryAfter}
}

// Internal wraps an unexpected failure; its text never reaches clients.
func Internal(op string, err error) error {
	return &E{Kind: KindInternal, Message: "internal error", Err: fmt.Errorf("%s: %w", op, err)}
}

// KindOf returns the kind of err, KindInternal for foreign errors.
func KindOf(err error) Kind {
	var e *E
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err is a domain error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Duplicate is the conflict a store reports when a unique constraint
// refuses a write the domain did not give a more precise error for.
func Duplicate() error {
	return &E{Kind: KindConflict, Code: "duplicate_exists", Message: "already exists"}
}

// UnstorableText is the invalid input a store reports for text PostgreSQL
// cannot keep (U+0000, \u0000 in JSON, bytes that are not UTF-8), which
// the SQLite store refuses too. The HTTP API refuses such text before any store sees it; a Go
// caller, or a value from elsewhere (a provider's profile), meets this.
func UnstorableText() error {
	return &E{Kind: KindInvalid, Message: "text may not contain the control character U+0000 or bytes that are not UTF-8"}
}
