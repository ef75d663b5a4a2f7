package sqlstore

// users.AdminStore: end users' sessions as the admin API sees them.

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/users"
)

// maxListedSessions caps the sessions returned per user.
const maxListedSessions = 100

const sessionColumns = `id, user_id, environment_id, ip_address, user_agent, created_at, revoked_at`

func scanSession(sc Row) (ss users.UserSession, err error) {
	err = sc.Scan(&ss.ID, &ss.UserID, &ss.EnvironmentID, &ss.IPAddress, &ss.UserAgent, &ss.CreatedAt, &ss.RevokedAt)
	return ss, err
}

// sessionsOf returns the newest sessions of each user, by user id.
func (s *Store) sessionsOf(ctx context.Context, q Querier, userIDs []string) (map[string][]users.UserSession, error) {
	all, err := list(ctx, s, q, "list sessions", scanSession, `SELECT `+sessionColumns+` FROM (SELECT *, row_number() OVER
		(PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS n FROM sessions
		WHERE `+s.in("user_id", 1)+`) AS s WHERE n <= $2 ORDER BY created_at DESC, id DESC`,
		s.d.IDList(userIDs), maxListedSessions)
	out := make(map[string][]users.UserSession, len(userIDs))
	for _, ss := range all {
		out[ss.UserID] = append(out[ss.UserID], ss)
	}
	return out, err
}

// UserSessions implements users.AdminStore.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]users.UserSession, error) {
	m, err := s.sessionsOf(ctx, s.db.Reader(), []string{userID})
	if err != nil {
		return nil, err
	}
	return m[userID], nil
}

// GetUserSession implements users.AdminStore.
func (s *Store) GetUserSession(ctx context.Context, id string) (*users.UserSession, error) {
	return get(ctx, s, "get session", users.ErrAdminSessionNotFound, scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id)
}

// RevokeUserSessions implements users.AdminStore.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, at time.Time, event string) error {
	return s.write(ctx, func(tx Tx) error {
		var envID string
		if err := tx.QueryRow(ctx, `SELECT environment_id FROM users WHERE id = $1`, userID).Scan(&envID); err != nil {
			return s.fail("revoke sessions", users.ErrUserNotFound, err)
		}
		_, err := s.revokeSessions(ctx, tx, envID, userID, "", at, event)
		return err
	})
}

// revokeSessions revokes the user's live sessions, only those tied to
// deviceID unless it is "", each with its event, and returns their ids. A session whose refresh
// has ended is over already: a user who signed in daily for a year would
// otherwise get an event (and a webhook call) for each of those days.
func (s *Store) revokeSessions(ctx context.Context, tx Tx, envID, userID, deviceID string, at time.Time, event string) ([]string, error) {
	ids, err := s.queryIDs(ctx, tx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL
		AND refresh_expires_at > $1 AND ($3 = '' OR device_registration_id = $3) RETURNING id`, at, userID, deviceID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := s.insertEvent(ctx, tx, envID, event, userID, map[string]string{"userId": userID, "sessionId": id}, at); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
