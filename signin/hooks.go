package signin

import (
	"context"
	"errors"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// Attempt is a sign-in whose proof has been checked and of which nothing
// is stored yet: what a BeforeSignIn hook decides on.
type Attempt struct {
	EnvironmentID string
	// Credential is what the user proved: for a wallet, Format
	// "blockchain", Chain (CAIP-2 namespace), Address (stored form) and
	// PublicIdentifier (as shown), WalletName, WalletProvider.
	Credential users.Credential
	Origin     string
	IP         string
	UserAgent  string
}

// Hooks are the embedding application's say in a sign-in.
type Hooks struct {
	// BeforeSignIn runs after the proof was checked and before anything is
	// written. An error refuses the sign-in and nothing is stored: one made
	// by Refuse answers 403, one by RefuseWithCode 422 with that code; any
	// other error is an internal failure (500, logged).
	BeforeSignIn func(ctx context.Context, a *Attempt) error
}

// refusal marks an error a hook built on purpose, to tell it from a
// failure of the hook itself.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Refuse is the error a hook returns to turn a sign-in away with 403 and
// message (shown to the client).
func Refuse(message string) error { return &refusal{errs.Forbidden(message)} }

// RefuseWithCode is the error a hook returns to turn a sign-in away with
// 422 and the contract error code (e.g. "user_not_allowed").
func RefuseWithCode(code, message string) error {
	return &refusal{errs.Unprocessable(code, message, nil)}
}

// runHook returns a hook's refusal as it was made and any other error as
// an internal failure, so a broken hook never reads as a decision.
func runHook(name string, err error) error {
	if err == nil {
		return nil
	}
	var r *refusal
	if errors.As(err, &r) {
		return r.err
	}
	return errs.Internal(name+" hook", err)
}

func (s *Service) beforeSignIn(ctx context.Context, req WalletRequest, pr *proof) error {
	if s.hooks.BeforeSignIn == nil {
		return nil
	}
	a := &Attempt{EnvironmentID: pr.env.ID, Credential: pr.credential, Origin: req.Origin, IP: req.IP, UserAgent: req.UserAgent}
	return runHook("BeforeSignIn", s.hooks.BeforeSignIn(ctx, a))
}
