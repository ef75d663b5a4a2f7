package mfa

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Token is an mfaToken: proof that the user passed a second factor a
// moment ago, asked for with createMfaToken and sent back in the
// x-mfa-auth-token header of a sensitive action (deleting an MFA device).
type Token struct {
	Hash      []byte
	UserID    string
	SessionID string
	SingleUse bool
	// Scopes are an elevatedAccessToken's TokenScopes (none for an
	// mfaToken).
	Scopes    []string
	ExpiresAt time.Time
}

// Lifetimes of mfaTokens (MFASettingsActions defaults).
const (
	singleUseTTL = 5 * time.Minute
	timeBoundTTL = 10 * time.Minute
)

// TokenStore keeps mfaTokens (by keyed hash).
type TokenStore interface {
	InsertMFAToken(ctx context.Context, t *Token) error
	// UseMFAToken finds a live token of the user and, when accept (nil:
	// any) takes it, returns it, consuming a single-use one in the same
	// transaction. It returns nil for an unknown, used or expired token
	// and for one accept refused, which stays as it was: a token sent
	// where it does not serve is not spent.
	UseMFAToken(ctx context.Context, userID string, hash []byte, now time.Time, accept func(*Token) bool) (*Token, error)
	// DeleteExpiredMFATokens forgets the tokens that expired by before.
	DeleteExpiredMFATokens(ctx context.Context, before time.Time) (int64, error)
}

// PurgeExpiredTokens forgets the mfaTokens and elevated access tokens past
// their lifetime (every one is issued with one: minutes).
func (s *Service) PurgeExpiredTokens(ctx context.Context) (int64, error) {
	return s.store.DeleteExpiredMFATokens(ctx, s.clock())
}

// IssueToken makes an mfaToken for a user who just passed a factor.
func (s *Service) IssueToken(ctx context.Context, userID, sessionID string, singleUse bool) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internal("mfa token", err)
	}
	raw := "mfa_" + base64.RawURLEncoding.EncodeToString(b)
	ttl := timeBoundTTL
	if singleUse {
		ttl = singleUseTTL
	}
	t := &Token{Hash: s.keys.MAC("mfa token", []byte(raw)), UserID: userID, SessionID: sessionID, SingleUse: singleUse,
		ExpiresAt: s.clock().Add(ttl)}
	if err := s.store.InsertMFAToken(ctx, t); err != nil {
		return "", err
	}
	return raw, nil
}

// ErrProofRefused: no live token of the user serves the action a
// TokenUse is for (unknown, used, expired, or one Accept refuses). A store
// spending a TokenUse inside another change's transaction refuses that
// change with it, writing nothing; ProofUse.Refused answers it as the
// proof's own refusal.
var ErrProofRefused = errs.Forbidden("no live token serves this action")

// TokenUse is a proof to spend: a live token of UserID stored under one
// of Hashes (the presented token's keyed hash under the current master
// secret and each previous one: a token issued before a rotation's
// restart still serves) that Accept takes. A single-use one is consumed.
// Spend spends it on its own; a store spends it in the transaction of the
// change it allows (users.ProfileChange.Proof).
type TokenUse struct {
	UserID string
	Hashes [][]byte
	Now    time.Time
	// Accept is checked before a single-use token is spent: sent where it
	// does not serve, it must still serve where it does.
	Accept func(*Token) bool
	// refusal is the answer when no token serves.
	refusal error
}

// Refused is the answer to a change refused with err: the proof's own
// refusal (naming the token it wanted) for ErrProofRefused, else err
// (err for a nil proof, which no store refuses).
func (u *TokenUse) Refused(err error) error {
	if u != nil && errors.Is(err, ErrProofRefused) {
		return u.refusal
	}
	return err
}

// Spend spends a proof on its own, in a transaction of its own; nil when
// a token served.
func (s *Service) Spend(ctx context.Context, u *TokenUse) error {
	for _, hash := range u.Hashes {
		t, err := s.store.UseMFAToken(ctx, u.UserID, hash, u.Now, u.Accept)
		if err != nil {
			return err
		}
		if t != nil {
			return nil
		}
	}
	return u.refusal
}

// Serves tells, spending nothing, whether a live token serves u: nil, or
// its refusal. A change that spends u in its own transaction looks first,
// so that a bad proof is refused before the change's own work and
// refusals (a passkey's attestation, a device limit), as a spend would.
func (s *Service) Serves(ctx context.Context, u *TokenUse) error {
	for _, hash := range u.Hashes {
		served := false
		look := func(t *Token) bool {
			served = u.Accept == nil || u.Accept(t)
			return false // taken by none: a single-use token stays
		}
		if _, err := s.store.UseMFAToken(ctx, u.UserID, hash, u.Now, look); err != nil {
			return err
		}
		if served {
			return nil
		}
	}
	return u.refusal
}

// use is the TokenUse of raw, a token of purpose.
func (s *Service) use(userID, purpose, raw string, accept func(*Token) bool, refusal error) *TokenUse {
	return &TokenUse{UserID: userID, Hashes: s.keys.MACs(purpose, []byte(raw)), Now: s.clock(), Accept: accept, refusal: refusal}
}

// CheckToken requires a live mfaToken of the user issued to the caller's
// session sessionID (consuming a single-use one). It proves a factor
// passed in that session only: another session of the same user, which
// may have passed nothing but the first factor, must not borrow it, and
// once its session is revoked no live session has its sid. A token of
// another user is unknown for this one; users belong to one environment.
func (s *Service) CheckToken(ctx context.Context, userID, sessionID, raw string) error {
	u, err := s.TokenProof(userID, sessionID, raw)
	if err != nil {
		return err
	}
	return s.Spend(ctx, u)
}

// TokenProof is CheckToken's proof, not spent yet.
func (s *Service) TokenProof(userID, sessionID, raw string) (*TokenUse, error) {
	if raw == "" || len(raw) > 128 {
		return nil, errs.Forbidden("this action needs a recent second factor: send an mfaToken in x-mfa-auth-token")
	}
	serves := func(t *Token) bool { return sessionID != "" && t.SessionID == sessionID }
	return s.use(userID, "mfa token", raw, serves,
		errs.Forbidden("the mfaToken is unknown, used, expired or was issued to another session")), nil
}
