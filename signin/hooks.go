package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"github.com/dynamicauth/dynamicauth/claims"
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
	// in SignIn.Metadata is stored with the sign-in and is in the tokens,
	// and SignIn.Claims are added to the session's tokens.
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
	// and appear in the full token's metadata claim (as for any user).
	Metadata map[string]any
	// Claims are custom top-level claims for this session's tokens, in
	// both the jwt and the minifiedJwt (what backends verify; read them
	// with verifier.Claims.Custom). They are not stored with the user:
	// they belong to the session, and every token re-issued for it
	// (refresh, MFA, profile or wallet changes) carries them unchanged;
	// a new sign-in decides them anew. A name dynamicauth sets itself
	// (claims.Reserved: sub, iss, exp, sid, environment_id, scope,
	// metadata, ...) fails the sign-in with ErrReservedClaim, as do
	// claims over MaxCustomClaimsBytes once marshalled.
	Claims map[string]any
}

// MaxCustomClaimsBytes bounds an OnSignIn hook's custom claims, marshalled:
// they ride in both tokens, in every request a client makes.
const MaxCustomClaimsBytes = 4096

// ErrReservedClaim fails a sign-in whose OnSignIn hook set a custom claim
// named like one dynamicauth sets: it is refused rather than let it
// overwrite (or be overwritten by) the real one.
var ErrReservedClaim = errors.New("custom claim name is reserved: dynamicauth sets it")

// customClaims checks the claims a hook set and marshals them once for
// both tokens; nil when there are none.
func customClaims(c map[string]any) (json.RawMessage, error) {
	if len(c) == 0 {
		return nil, nil
	}
	for _, name := range slices.Sorted(maps.Keys(c)) {
		if name == "" || claims.Reserved(name) {
			return nil, fmt.Errorf("claim %q: %w", name, ErrReservedClaim)
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("custom claims: %w", err)
	}
	if len(b) > MaxCustomClaimsBytes {
		return nil, fmt.Errorf("custom claims are %d bytes marshalled, more than MaxCustomClaimsBytes (%d)", len(b), MaxCustomClaimsBytes)
	}
	return b, nil
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

// signInHook runs the OnSignIn hook as a sign-in's Write.InTx and keeps
// the custom claims it set for the tokens.
type signInHook struct {
	run    func(context.Context, *SignIn) error
	a      Attempt
	claims json.RawMessage // of the last run: a retried transaction runs it again
}

// onSignIn is the sign-in's OnSignIn hook; nil without one, so a sign-in
// without hooks costs nothing more.
func (s *Service) onSignIn(a Attempt) *signInHook {
	if s.hooks.OnSignIn == nil {
		return nil
	}
	return &signInHook{run: s.hooks.OnSignIn, a: a}
}

// customClaims are the claims the hook set, checked and marshalled.
func (h *signInHook) customClaims() json.RawMessage {
	if h == nil {
		return nil
	}
	return h.claims
}

// inTx is the Write.InTx that runs the hook.
func (h *signInHook) inTx() func(context.Context, *users.User, bool) (json.RawMessage, error) {
	if h == nil {
		return nil
	}
	return func(ctx context.Context, u *users.User, created bool) (json.RawMessage, error) {
		si := &SignIn{Attempt: h.a, User: u, NewUser: created, Metadata: map[string]any{}, Claims: map[string]any{}}
		before := map[string]any{} // to tell a change from the store's formatting of the same JSON
		if len(u.Metadata) > 0 {
			if err := errors.Join(json.Unmarshal(u.Metadata, &si.Metadata), json.Unmarshal(u.Metadata, &before)); err != nil {
				return nil, errs.Internal("OnSignIn: user metadata", err)
			}
		}
		if err := runHook("OnSignIn", callHook(ctx, h.run, si)); err != nil {
			return nil, err
		}
		custom, err := customClaims(si.Claims)
		if err != nil {
			return nil, errs.Internal("OnSignIn", err)
		}
		h.claims = custom
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
