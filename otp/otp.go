// Package otp holds one-time codes sent by email or SMS: a verification
// (one address, one live code, a count of wrong guesses) is started,
// retried with a new code, and checked once. Codes are six digits from a
// CSPRNG, stored only as a keyed hash (HMAC with a key derived from the
// master secret), expire, and are consumed once: by the check that accepts
// them, or, for a flow that writes what the code proved (a sign-in, a
// link), by that write, in its transaction (Service.Prove), so a flow
// refused before its write leaves the code good.
// Wrong guesses are counted by the store in the same statement that checks
// the code, so concurrent guesses never get more tries than the limit.
//
// An environment's test addresses (package testaccounts, through
// Deps.TestAccounts) get their account's static code instead of a drawn
// one, and nothing is sent; the verification is otherwise the same.
//
// The package decides what a code is for no one: the sign-in flows
// (package signin) turn an accepted code into a session or a credential.
package otp

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Channels a code travels by.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Verification is one address being proved: its live code (as a hash) and
// the wrong guesses made against it.
type Verification struct {
	ID            string
	EnvironmentID string
	Channel       string
	// Address is the normalised address: a lower-case email, an E.164
	// number.
	Address string
	// Session is the signed-in session whose profile change started the
	// verification (otp.Request.Session); "" for any other.
	Session    string
	CodeHash   string
	Attempts   int
	ExpiresAt  time.Time
	CreatedAt  time.Time
	ConsumedAt *time.Time
}

// Outcome is what the store found when it tried to check or replace a
// code. Anything but Accepted changed nothing, except WrongCode, which
// counted one attempt.
type Outcome int

const (
	// Accepted: the code matched and the verification is now consumed
	// (Check; with Keep, it is counted and left for the caller's write to
	// consume), or the new code replaced the old one (Replace).
	Accepted Outcome = iota
	// WrongCode: the code did not match; one attempt was counted.
	WrongCode
	// Locked: the verification used up its attempts; nothing is checked.
	Locked
	// Expired: the code's time is up (a retry sends a new one).
	Expired
	// Used: a code of this verification was accepted already.
	Used
	// NotFound: no such verification in this environment and channel (or,
	// for Replace, not for this address).
	NotFound
)

// Check asks the store to check a code: it is right when the stored hash
// is one of CodeHashes (the code under the current key, then under the
// keys of previous master secrets, for codes sent before a rotation).
type Check struct {
	EnvironmentID, ID, Channel string
	CodeHashes                 []string
	MaxAttempts                int
	Now                        time.Time
	// Keep leaves a right code unconsumed (the attempt is counted all
	// the same): the caller consumes it with the write it proves, once
	// (Store.ConsumeVerification, or a write carrying the verification).
	Keep bool
}

// Replace asks the store to set a new code on a verification (retry).
type Replace struct {
	EnvironmentID, ID, Channel, Address, CodeHash string
	MaxAttempts                                   int
	ExpiresAt, Now                                time.Time
}

// Store is the persistence of verifications. Every method is atomic: a
// store shared by replicas must give the same answers as one process.
type Store interface {
	// CreateVerification stores a new verification with its first code.
	CreateVerification(ctx context.Context, v *Verification) error
	// CheckVerificationCode counts one attempt against a live, unlocked
	// verification and consumes it when c.CodeHash is its code (unless
	// c.Keep), in one conditional write: of any number of concurrent
	// checks, at most MaxAttempts in total are ever compared. It returns
	// the verification when the outcome is Accepted.
	CheckVerificationCode(ctx context.Context, c Check) (Outcome, *Verification, error)
	// ConsumeVerification consumes v (ID, EnvironmentID, Channel) at now
	// if no one did: one consumed already is refused with UsedError(v.Channel).
	// A store's write that carries a verification consumes it the same
	// way in its own transaction.
	ConsumeVerification(ctx context.Context, v *Verification, now time.Time) error
	// ReadVerification reads verification id of the environment and
	// channel as it is, whatever its state, changing nothing (no attempt
	// counted); nil, nil when there is none.
	ReadVerification(ctx context.Context, envID, channel, id string) (*Verification, error)
	// ReplaceVerificationCode gives an unconsumed, unlocked verification
	// of r.Address a new code and expiry. Its attempts are kept.
	ReplaceVerificationCode(ctx context.Context, r Replace) (Outcome, error)
	// DeleteExpiredVerifications forgets verifications that expired
	// before before.
	DeleteExpiredVerifications(ctx context.Context, before time.Time) (int64, error)
}

// Environments is what the codes read about an environment: whether the
// channel is enabled, and the project's name for the message.
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
	GetProject(ctx context.Context, id string) (*tenant.Project, error)
}

// errUsed are the refusals of a verification consumed already, by
// channel.
var errUsed = map[string]error{
	ChannelEmail: errs.Unprocessable(contractCodes[ChannelEmail].invalid, "verificationUUID: this verification was used already", nil),
	ChannelSMS:   errs.Unprocessable(contractCodes[ChannelSMS].invalid, "verificationUUID: this verification was used already", nil),
}

// UsedError is the refusal of a verification of channel that a code was
// accepted for already: a store reports it when a write's consumption of
// the verification finds it consumed (two requests racing with one right
// code).
func UsedError(channel string) error {
	if err, ok := errUsed[channel]; ok {
		return err
	}
	return errUsed[ChannelEmail]
}
