package mfa

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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

// useToken spends a token looked up by its hash under the current master
// secret or, while previous ones are configured, under each of them: a
// token issued before a rotation's restart still serves.
func (s *Service) useToken(ctx context.Context, userID, purpose, raw string, serves func(*Token) bool) (*Token, error) {
	for _, hash := range s.keys.MACs(purpose, []byte(raw)) {
		t, err := s.store.UseMFAToken(ctx, userID, hash, s.clock(), serves)
		if err != nil || t != nil {
			return t, err
		}
	}
	return nil, nil
}

// CheckToken requires a live mfaToken of the user issued to the caller's
// session sessionID (consuming a single-use one). It proves a factor
// passed in that session only: another session of the same user, which
// may have passed nothing but the first factor, must not borrow it, and
// once its session is revoked no live session has its sid. A token of
// another user is unknown for this one; users belong to one environment.
func (s *Service) CheckToken(ctx context.Context, userID, sessionID, raw string) error {
	if raw == "" || len(raw) > 128 {
		return errs.Forbidden("this action needs a recent second factor: send an mfaToken in x-mfa-auth-token")
	}
	// checked before a single-use token is spent: sent from the wrong
	// session, it must still serve its own
	serves := func(t *Token) bool { return sessionID != "" && t.SessionID == sessionID }
	t, err := s.useToken(ctx, userID, "mfa token", raw, serves)
	if err != nil {
		return err
	}
	if t == nil {
		return errs.Forbidden("the mfaToken is unknown, used, expired or was issued to another session")
	}
	return nil
}
