// Package session holds end-user sessions and the JWTs that carry them:
// Dynamic's two tokens per sign-in (the full `jwt` and the `minifiedJwt`
// backends verify), signed with the environment's key, published as JWKS,
// refreshed within a hard limit and revocable at once.
package session

import (
	"context"
	"time"
)

// Session is one signed-in session of a user.
type Session struct {
	ID                 string
	EnvironmentID      string
	UserID             string
	SigninCredentialID string
	SessionPublicKey   string
	IPAddress          string
	UserAgent          string
	CreatedAt          time.Time
	ExpiresAt          time.Time
	RefreshExpiresAt   time.Time
	RevokedAt          *time.Time
	// DeviceRegistrationID is the registered device the session was
	// signed in from or approved for (package devices); "" if none.
	DeviceRegistrationID string
}

// Active reports whether the session may still be used at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// Store persists sessions.
type Store interface {
	GetSession(ctx context.Context, id string) (*Session, error)
	// ExtendSession moves a live session's expiry (refresh); it fails with
	// not found if the session is revoked or past its refresh limit.
	ExtendSession(ctx context.Context, id string, expiresAt, now time.Time) error
	// RevokeSession marks a session revoked (idempotent) and records the event.
	RevokeSession(ctx context.Context, id string, at time.Time, event string) error
	// DeleteSessionsBefore deletes up to limit sessions created before
	// createdBefore whose refresh ended before endedBefore, and returns
	// how many it deleted.
	DeleteSessionsBefore(ctx context.Context, createdBefore, endedBefore time.Time, limit int) (int64, error)
}
