package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

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
	// OnSignIn runs inside the sign-in's transaction, once the user is
	// found or created and before the tokens are signed: what it leaves
	// in SignIn.Metadata is stored with the sign-in and is in the tokens.
	// Its errors are treated as BeforeSignIn's, and undo the sign-in. It
	// holds the transaction (on SQLite, the one writer): keep it quick,
	// and let it change the sign-in only through SignIn, since a retried
	// transaction runs it again.
	OnSignIn func(ctx context.Context, s *SignIn) error
}

// SignIn is a sign-in inside its transaction, for an OnSignIn hook.
type SignIn struct {
	Attempt
	User    *users.User // as stored, with the credential just proved
	NewUser bool
	// Metadata is the user's metadata; changes the hook makes are stored
	// and appear in the tokens' metadata claim.
	Metadata map[string]any
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

// callHook calls an application hook, turning its panic into an error:
// OnSignIn may run on the store's shared writer goroutine (SQLite's group
// commit), where a panic would take the whole server down.
func callHook[T any](ctx context.Context, hook func(context.Context, T) error, arg T) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hook panicked: %v", r)
		}
	}()
	return hook(ctx, arg)
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

// Every sign-in flow (wallet, and those to come: codes, social, passkeys)
// runs the hooks the same way: beforeSignIn once the proof is checked,
// and onSignIn as its Write.InTx.

// beforeSignIn runs the BeforeSignIn hook on a checked attempt.
func (s *Service) beforeSignIn(ctx context.Context, a Attempt) error {
	if s.hooks.BeforeSignIn == nil {
		return nil
	}
	return runHook("BeforeSignIn", callHook(ctx, s.hooks.BeforeSignIn, &a))
}

// onSignIn is the Write.InTx that runs the OnSignIn hook; nil without
// one, so a sign-in without hooks costs nothing more.
func (s *Service) onSignIn(a Attempt) func(context.Context, *users.User, bool) (json.RawMessage, error) {
	if s.hooks.OnSignIn == nil {
		return nil
	}
	return func(ctx context.Context, u *users.User, created bool) (json.RawMessage, error) {
		si := &SignIn{Attempt: a, User: u, NewUser: created, Metadata: map[string]any{}}
		before := map[string]any{} // to tell a change from the store's formatting of the same JSON
		if len(u.Metadata) > 0 {
			if err := errors.Join(json.Unmarshal(u.Metadata, &si.Metadata), json.Unmarshal(u.Metadata, &before)); err != nil {
				return nil, errs.Internal("OnSignIn: user metadata", err)
			}
		}
		if err := runHook("OnSignIn", callHook(ctx, s.hooks.OnSignIn, si)); err != nil {
			return nil, err
		}
		if si.Metadata == nil { // cleared
			si.Metadata = map[string]any{}
		}
		if reflect.DeepEqual(before, si.Metadata) {
			return nil, nil // unchanged: no write
		}
		b, err := json.Marshal(si.Metadata)
		if err != nil {
			return nil, errs.Internal("OnSignIn: metadata", err)
		}
		if b, err = users.CheckMetadata(b); err != nil {
			return nil, errs.Internal("OnSignIn: metadata", err)
		}
		return b, nil
	}
}
