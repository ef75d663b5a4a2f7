package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// querier is what pools and transactions offer for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execer is what pools and transactions offer for writes.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// InsertNonces implements signin.Store.
func (s *Store) InsertNonces(ctx context.Context, envID string, nonces []string, expiresAt time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range nonces {
			if _, err := tx.ExecContext(ctx, `INSERT INTO nonces (environment_id, nonce, expires_at) VALUES (?, ?, ?)`,
				envID, n, formatTime(expiresAt)); err != nil {
				return mapErr("insert nonce", "environment_not_found", err)
			}
		}
		return nil
	})
}

// DeleteExpiredNonces implements signin.Store.
func (s *Store) DeleteExpiredNonces(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM nonces WHERE expires_at <= ?`, formatTime(before))
	if err != nil {
		return 0, mapErr("purge nonces", "", err)
	}
	n, err := res.RowsAffected()
	return n, mapErr("purge nonces", "", err)
}

var errNonce = errs.Unprocessable("other_verify_failure", "nonce is invalid, expired or already used; request a new one", nil)

// CompleteSignIn implements signin.Store.
func (s *Store) CompleteSignIn(ctx context.Context, w *signin.Write) (*users.User, bool, error) {
	var u *users.User
	created := false
	err := s.batch.do(ctx, func(tx *cachedTx) error {
		u, created = nil, false
		now := formatTime(w.Now)
		if err := consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, now); err != nil {
			return err
		}
		c := w.Credential
		userID, credID, err := credentialOf(ctx, tx, w.EnvironmentID, &c)
		switch {
		case err != nil:
			return err
		case credID != "":
			if _, err := tx.ExecContext(ctx, `UPDATE verified_credentials SET verified_at = ?, wallet_name = ?, wallet_provider = ?
				WHERE id = ?`, now, c.WalletName, c.WalletProvider, credID); err != nil {
				return mapErr("update credential", "", err)
			}
		default:
			created, userID, credID = true, w.NewUserID, c.ID
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, environment_id, created_at, last_visit_at, updated_at)
				VALUES (?, ?, ?, ?, ?)`, userID, w.EnvironmentID, now, now, now); err != nil {
				return mapErr("create user", "environment_not_found", err)
			}
			if err := insertCredential(ctx, tx, userID, &c); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_visit_at = ?, last_verified_credential_id = ?, updated_at = ?
			WHERE id = ?`, now, credID, now, userID); err != nil {
			return mapErr("update user", "", err)
		}
		w.Session.UserID, w.Session.SigninCredentialID = userID, credID
		if err := insertSession(ctx, tx, w.Session); err != nil {
			return err
		}
		for _, ev := range w.Events {
			if ev.OnlyIfNew && !created {
				continue
			}
			if err := insertEvent(ctx, tx, w.EnvironmentID, ev.Name, userID, map[string]string{
				"userId": userID, "sessionId": w.Session.ID, "verifiedCredentialId": credID}, w.Now); err != nil {
				return err
			}
		}
		u, err = loadUser(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return u, created, nil
}

// credentialOf finds the owner and id of a credential ("" if none).
func credentialOf(ctx context.Context, q querier, envID string, c *users.Credential) (userID, credID string, err error) {
	err = q.QueryRowContext(ctx, `SELECT user_id, id FROM verified_credentials
		WHERE environment_id = ? AND format = ? AND chain = ? AND address = ?`,
		envID, c.Format, c.Chain, c.Address).Scan(&userID, &credID)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return userID, credID, mapErr("find credential", "", err)
}

func insertCredential(ctx context.Context, tx execer, userID string, c *users.Credential) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO verified_credentials (id, environment_id, user_id, format, chain, address,
		public_identifier, wallet_name, wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.EnvironmentID, userID, c.Format, c.Chain, c.Address, c.PublicIdentifier, c.WalletName, c.WalletProvider,
		c.SignInEnabled, formatTime(c.VerifiedAt), formatTimePtr(c.LastSelectedAt), formatTime(c.CreatedAt))
	return mapErr("create credential", "user_not_found", err)
}

func insertSession(ctx context.Context, tx execer, ss *session.Session) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, environment_id, user_id, signin_credential_id, session_public_key,
		ip_address, user_agent, created_at, expires_at, refresh_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ss.ID, ss.EnvironmentID, ss.UserID, ss.SigninCredentialID, ss.SessionPublicKey, ss.IPAddress, ss.UserAgent,
		formatTime(ss.CreatedAt), formatTime(ss.ExpiresAt), formatTime(ss.RefreshExpiresAt))
	return mapErr("create session", "user_not_found", err)
}

func insertEvent(ctx context.Context, tx execer, envID, name, userID string, data any, at time.Time) error {
	b, err := json.Marshal(data)
	if err != nil {
		return errs.Internal("event data", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (id, environment_id, name, user_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		users.NewID(), envID, name, userID, string(b), formatTime(at))
	return mapErr("record event", "", err)
}

const userColumns = `id, environment_id, email, alias, first_name, last_name, phone_number, job_title, username, country,
	t_shirt_size, team, metadata, last_verified_credential_id, created_at, updated_at, last_visit_at`

func loadUser(ctx context.Context, q querier, id string) (*users.User, error) {
	var u users.User
	var meta, c, up, lv string
	err := q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id).Scan(&u.ID, &u.EnvironmentID,
		&u.Email, &u.Alias, &u.FirstName, &u.LastName, &u.PhoneNumber, &u.JobTitle, &u.Username, &u.Country,
		&u.TShirtSize, &u.Team, &meta, &u.LastVerifiedCredentialID, &c, &up, &lv)
	if err != nil {
		return nil, mapErr("get user", "user_not_found", err)
	}
	u.Metadata = json.RawMessage(meta)
	u.CreatedAt, u.UpdatedAt, u.LastVisitAt = parseTime(c), parseTime(up), parseTime(lv)
	rows, err := q.QueryContext(ctx, `SELECT id, user_id, environment_id, format, chain, address, public_identifier,
		wallet_name, wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at
		FROM verified_credentials WHERE user_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, mapErr("get credentials", "", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cr users.Credential
		var va, ca string
		var ls sql.NullString
		if err := rows.Scan(&cr.ID, &cr.UserID, &cr.EnvironmentID, &cr.Format, &cr.Chain, &cr.Address, &cr.PublicIdentifier,
			&cr.WalletName, &cr.WalletProvider, &cr.SignInEnabled, &va, &ls, &ca); err != nil {
			return nil, mapErr("get credentials", "", err)
		}
		cr.VerifiedAt, cr.CreatedAt, cr.LastSelectedAt = parseTime(va), parseTime(ca), parseTimePtr(ls)
		u.Credentials = append(u.Credentials, cr)
	}
	return &u, mapErr("get credentials", "", rows.Err())
}

// GetUser returns a user with their credentials.
func (s *Store) GetUser(ctx context.Context, id string) (*users.User, error) {
	return loadUser(ctx, s.r, id)
}

// GetSession implements session.Store.
func (s *Store) GetSession(ctx context.Context, id string) (*session.Session, error) {
	var ss session.Session
	var c, e, r string
	var revoked sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT id, environment_id, user_id, signin_credential_id, session_public_key, ip_address,
		user_agent, created_at, expires_at, refresh_expires_at, revoked_at FROM sessions WHERE id = ?`, id).Scan(
		&ss.ID, &ss.EnvironmentID, &ss.UserID, &ss.SigninCredentialID, &ss.SessionPublicKey, &ss.IPAddress, &ss.UserAgent,
		&c, &e, &r, &revoked)
	if err != nil {
		return nil, mapErr("get session", "session_not_found", err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.RefreshExpiresAt, ss.RevokedAt = parseTime(c), parseTime(e), parseTime(r), parseTimePtr(revoked)
	return &ss, nil
}

// ExtendSession implements session.Store.
func (s *Store) ExtendSession(ctx context.Context, id string, expiresAt, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE sessions SET expires_at = ? WHERE id = ? AND revoked_at IS NULL
		AND refresh_expires_at > ?`, formatTime(expiresAt), id, formatTime(now))
	return mustAffect("extend session", "session_not_found", res, err)
}

// RevokeSession implements session.Store.
func (s *Store) RevokeSession(ctx context.Context, id string, at time.Time, event string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var envID, userID string
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT environment_id, user_id, revoked_at FROM sessions WHERE id = ?`, id).
			Scan(&envID, &userID, &revoked)
		if err != nil {
			return mapErr("revoke session", "session_not_found", err)
		}
		if revoked.Valid {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ?`, formatTime(at), id); err != nil {
			return mapErr("revoke session", "", err)
		}
		return insertEvent(ctx, tx, envID, event, userID, map[string]string{"userId": userID, "sessionId": id}, at)
	})
}

// InsertVisit implements signin.Store.
func (s *Store) InsertVisit(ctx context.Context, v signin.Visit) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO visits (id, environment_id, wallet_address, chain, provider, wallet_name,
		auth_mode, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, v.EnvironmentID, v.Address, v.Chain, v.Provider,
		v.WalletName, v.AuthMode, formatTime(v.CreatedAt))
	return mapErr("record visit", "environment_not_found", err)
}

// CountUsersAndSessions counts an environment's rows (tests, statistics).
func (s *Store) CountUsersAndSessions(ctx context.Context, envID string) (users, sessions int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM users WHERE environment_id = ?1),
		(SELECT count(*) FROM sessions WHERE environment_id = ?1)`, envID).Scan(&users, &sessions)
	return users, sessions, mapErr("count users", "", err)
}

// EventCounts counts an environment's outbox events by name (the contract
// suite checks that each change writes its event exactly once).
func (s *Store) EventCounts(ctx context.Context, envID string) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, count(*) FROM events WHERE environment_id = ? GROUP BY name`, envID)
	if err != nil {
		return nil, mapErr("count events", "", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, mapErr("count events", "", err)
		}
		out[name] = n
	}
	return out, mapErr("count events", "", rows.Err())
}
