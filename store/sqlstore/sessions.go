package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
)

// session.Store: reading, extending and revoking sessions.

var _ session.Store = (*Store)(nil)

// GetSession implements session.Store.
func (s *Store) GetSession(ctx context.Context, id string) (*session.Session, error) {
	return get(ctx, s, "get session", session.ErrNotFound, scanner(sessionFields),
		`SELECT `+sessionRowColumns+` FROM sessions WHERE id = $1`, id)
}

const sessionRowColumns = `id, environment_id, user_id, signin_credential_id, session_public_key, ip_address,
	user_agent, created_at, expires_at, refresh_expires_at, revoked_at, device_registration_id`

func sessionFields(ss *session.Session) []any {
	return []any{&ss.ID, &ss.EnvironmentID, &ss.UserID, &ss.SigninCredentialID, &ss.SessionPublicKey, &ss.IPAddress,
		&ss.UserAgent, &ss.CreatedAt, &ss.ExpiresAt, &ss.RefreshExpiresAt, &ss.RevokedAt, &ss.DeviceRegistrationID}
}

// ExtendSession implements session.Store.
func (s *Store) ExtendSession(ctx context.Context, id string, expiresAt, now time.Time) error {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		n, err = tx.Exec(ctx, `UPDATE sessions SET expires_at = $1 WHERE id = $2 AND revoked_at IS NULL
			AND refresh_expires_at > $3`, expiresAt, id, now)
		return err
	})
	return s.affected("extend session", session.ErrNotFound, n, err)
}

// RevokeSession implements session.Store; revoking twice is a no-op.
func (s *Store) RevokeSession(ctx context.Context, id string, at time.Time, event string) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		// One statement decides who revokes: a read then a write let
		// concurrent revokes (PostgreSQL reads committed) each see the
		// session live and each record an event.
		var envID, userID string
		err := tx.QueryRow(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL
			RETURNING environment_id, user_id`, at, id).Scan(&envID, &userID)
		if s.noRows(err) { // revoked already (nil), or no such session (no rows)
			var existing string
			return tx.QueryRow(ctx, `SELECT id FROM sessions WHERE id = $1`, id).Scan(&existing)
		}
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, event, userID, map[string]string{"userId": userID, "sessionId": id}, at)
	})
	return s.fail("revoke session", session.ErrNotFound, err)
}

// oldSessionsSQL selects up to $2 sessions created before $1 of the
// environments listed in $3, each environment's through
// sessions_env_created, whose refresh ended before $4.
func (s *Store) oldSessionsSQL() string {
	return `SELECT id FROM sessions WHERE ` + s.in("environment_id", 3) + ` AND created_at < $1
		AND refresh_expires_at < $4 LIMIT $2`
}

// DeleteSessionsBefore implements session.Store.
func (s *Store) DeleteSessionsBefore(ctx context.Context, createdBefore, endedBefore time.Time, limit int) (int64, error) {
	return s.deleteOld(ctx, "sessions", s.oldSessionsSQL(), createdBefore, limit, endedBefore)
}

// CountUsersAndSessions counts an environment's rows (tests, statistics).
func (s *Store) CountUsersAndSessions(ctx context.Context, envID string) (users, sessions int, err error) {
	err = s.db.Reader().QueryRow(ctx, `SELECT (SELECT count(*) FROM users WHERE environment_id = $1),
		(SELECT count(*) FROM sessions WHERE environment_id = $1)`, envID).Scan(&users, &sessions)
	return users, sessions, s.fail("count users", nil, err)
}

// EventCounts counts an environment's outbox events by name (the contract
// suite checks that each change writes its event exactly once).
func (s *Store) EventCounts(ctx context.Context, envID string) (map[string]int, error) {
	counts, err := list(ctx, s, s.db.Reader(), "count events", pair[string, int],
		`SELECT name, count(*) FROM events WHERE environment_id = $1 GROUP BY name`, envID)
	out := make(map[string]int, len(counts))
	for _, c := range counts {
		out[c.a] = c.b
	}
	return out, err
}
