package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// InsertNonces implements signin.Store.
func (s *Store) InsertNonces(ctx context.Context, envID string, nonces []string, expiresAt time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO nonces (environment_id, nonce, expires_at)
		SELECT $1, n, $3 FROM unnest($2::text[]) AS n`, envID, nonces, ts(expiresAt))
	return mapErr("insert nonce", "environment_not_found", err)
}

// DeleteExpiredNonces implements signin.Store.
func (s *Store) DeleteExpiredNonces(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM nonces WHERE expires_at <= $1`, ts(before))
	if err != nil {
		return 0, mapErr("purge nonces", "", err)
	}
	return tag.RowsAffected(), nil
}

var errNonce = errs.Unprocessable("other_verify_failure", "nonce is invalid, expired or already used; request a new one", nil)

// CompleteSignIn implements signin.Store: one transaction. Two first
// sign-ins of one wallet, on any replicas, meet on the credentials' unique
// constraint: the loser's INSERT … ON CONFLICT DO NOTHING waits for the
// winner's commit, inserts nothing, and the loser signs in to the
// winner's user instead of creating a second one.
func (s *Store) CompleteSignIn(ctx context.Context, w *signin.Write) (*users.User, bool, error) {
	var u *users.User
	created := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		u, created = nil, false
		if err := consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, w.Now); err != nil {
			return err
		}
		now := ts(w.Now)
		c := w.Credential
		userID, credID, err := credentialOf(ctx, tx, w.EnvironmentID, &c)
		if err != nil {
			return err
		}
		if credID == "" {
			created, userID, credID, err = createSignInUser(ctx, tx, w, now)
			if err != nil {
				return err
			}
		}
		if !created {
			if _, err := tx.Exec(ctx, `UPDATE verified_credentials SET verified_at = $1, wallet_name = $2, wallet_provider = $3
				WHERE id = $4`, now, c.WalletName, c.WalletProvider, credID); err != nil {
				return mapErr("update credential", "", err)
			}
		}
		// The remaining writes depend on nothing they return: one round trip.
		q := &writeQueue{}
		_, _ = q.Exec(ctx, `UPDATE users SET last_visit_at = $1, last_verified_credential_id = $2, updated_at = $1
			WHERE id = $3`, now, credID, userID)
		w.Session.UserID, w.Session.SigninCredentialID = userID, credID
		if err := insertSession(ctx, q, w.Session); err != nil {
			return err
		}
		for _, ev := range w.Events {
			if ev.OnlyIfNew && !created {
				continue
			}
			if err := insertEvent(ctx, q, w.EnvironmentID, ev.Name, userID, map[string]string{
				"userId": userID, "sessionId": w.Session.ID, "verifiedCredentialId": credID}, w.Now); err != nil {
				return err
			}
		}
		if err := q.flush(ctx, tx, "complete sign-in"); err != nil {
			return err
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
	err = q.QueryRow(ctx, `SELECT user_id, id FROM verified_credentials
		WHERE environment_id = $1 AND format = $2 AND chain = $3 AND address = $4`,
		envID, c.Format, c.Chain, c.Address).Scan(&userID, &credID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", nil
	}
	return userID, credID, mapErr("find credential", "", err)
}

// createSignInUser creates the user and credential of a first sign-in
// inside a savepoint. If a concurrent sign-in committed the credential
// first, the savepoint is rolled back and that sign-in's user is returned.
func createSignInUser(ctx context.Context, tx pgx.Tx, w *signin.Write, now time.Time) (created bool, userID, credID string, err error) {
	c := w.Credential
	sp, err := tx.Begin(ctx)
	if err != nil {
		return false, "", "", mapErr("savepoint", "", err)
	}
	defer sp.Rollback(ctx) //nolint:errcheck // released on success
	if _, err := sp.Exec(ctx, `INSERT INTO users (id, environment_id, created_at, last_visit_at, updated_at)
		VALUES ($1, $2, $3, $3, $3)`, w.NewUserID, w.EnvironmentID, now); err != nil {
		return false, "", "", mapErr("create user", "environment_not_found", err)
	}
	var id string
	err = sp.QueryRow(ctx, `INSERT INTO verified_credentials (id, environment_id, user_id, format, chain, address,
		public_identifier, wallet_name, wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (environment_id, format, chain, address) DO NOTHING RETURNING id`,
		c.ID, c.EnvironmentID, w.NewUserID, c.Format, c.Chain, c.Address, c.PublicIdentifier, c.WalletName, c.WalletProvider,
		c.SignInEnabled, ts(c.VerifiedAt), tsPtr(c.LastSelectedAt), ts(c.CreatedAt)).Scan(&id)
	switch {
	case err == nil:
		if err := sp.Commit(ctx); err != nil {
			return false, "", "", mapErr("release savepoint", "", err)
		}
		return true, w.NewUserID, id, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return false, "", "", mapErr("create credential", "user_not_found", err)
	}
	// Lost the race: drop the user just made, sign in to the winner's.
	if err := sp.Rollback(ctx); err != nil {
		return false, "", "", mapErr("rollback savepoint", "", err)
	}
	userID, credID, err = credentialOf(ctx, tx, w.EnvironmentID, &c)
	if err == nil && credID == "" {
		err = errs.Internal("sign in", errors.New("credential conflict without a credential"))
	}
	return false, userID, credID, err
}

func insertCredential(ctx context.Context, tx querier, userID string, c *users.Credential) error {
	_, err := tx.Exec(ctx, `INSERT INTO verified_credentials (id, environment_id, user_id, format, chain, address,
		public_identifier, wallet_name, wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.ID, c.EnvironmentID, userID, c.Format, c.Chain, c.Address, c.PublicIdentifier, c.WalletName, c.WalletProvider,
		c.SignInEnabled, ts(c.VerifiedAt), tsPtr(c.LastSelectedAt), ts(c.CreatedAt))
	return mapErr("create credential", "user_not_found", err)
}

func insertSession(ctx context.Context, tx execer, ss *session.Session) error {
	_, err := tx.Exec(ctx, `INSERT INTO sessions (id, environment_id, user_id, signin_credential_id, session_public_key,
		ip_address, user_agent, created_at, expires_at, refresh_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ss.ID, ss.EnvironmentID, ss.UserID, ss.SigninCredentialID, ss.SessionPublicKey, ss.IPAddress, ss.UserAgent,
		ts(ss.CreatedAt), ts(ss.ExpiresAt), ts(ss.RefreshExpiresAt))
	return mapErr("create session", "user_not_found", err)
}

func insertEvent(ctx context.Context, tx execer, envID, name, userID string, data any, at time.Time) error {
	b, err := json.Marshal(data)
	if err != nil {
		return errs.Internal("event data", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO events (id, environment_id, name, user_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		users.NewID(), envID, name, userID, string(b), ts(at))
	return mapErr("record event", "", err)
}

const userColumns = `id, environment_id, email, alias, first_name, last_name, phone_number, job_title, username, country,
	t_shirt_size, team, metadata, last_verified_credential_id, created_at, updated_at, last_visit_at`

func loadUser(ctx context.Context, q querier, id string) (*users.User, error) {
	var u users.User
	var meta string
	var c, up, lv time.Time
	err := q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id).Scan(&u.ID, &u.EnvironmentID,
		&u.Email, &u.Alias, &u.FirstName, &u.LastName, &u.PhoneNumber, &u.JobTitle, &u.Username, &u.Country,
		&u.TShirtSize, &u.Team, &meta, &u.LastVerifiedCredentialID, &c, &up, &lv)
	if err != nil {
		return nil, mapErr("get user", "user_not_found", err)
	}
	u.Metadata = json.RawMessage(meta)
	u.CreatedAt, u.UpdatedAt, u.LastVisitAt = parseTime(c), parseTime(up), parseTime(lv)
	rows, err := q.Query(ctx, `SELECT id, user_id, environment_id, format, chain, address, public_identifier,
		wallet_name, wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at
		FROM verified_credentials WHERE user_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return nil, mapErr("get credentials", "", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cr users.Credential
		var va, ca time.Time
		var ls *time.Time
		if err := rows.Scan(&cr.ID, &cr.UserID, &cr.EnvironmentID, &cr.Format, &cr.Chain, &cr.Address, &cr.PublicIdentifier,
			&cr.WalletName, &cr.WalletProvider, &cr.SignInEnabled, &va, &ls, &ca); err != nil {
			return nil, mapErr("get credentials", "", err)
		}
		cr.VerifiedAt, cr.CreatedAt, cr.LastSelectedAt = parseTime(va), parseTime(ca), utcPtr(ls)
		u.Credentials = append(u.Credentials, cr)
	}
	return &u, mapErr("get credentials", "", rows.Err())
}

// GetUser returns a user with their credentials.
func (s *Store) GetUser(ctx context.Context, id string) (*users.User, error) {
	return loadUser(ctx, s.db, id)
}

// GetSession implements session.Store.
func (s *Store) GetSession(ctx context.Context, id string) (*session.Session, error) {
	var ss session.Session
	var c, e, r time.Time
	var revoked *time.Time
	err := s.db.QueryRow(ctx, `SELECT id, environment_id, user_id, signin_credential_id, session_public_key, ip_address,
		user_agent, created_at, expires_at, refresh_expires_at, revoked_at FROM sessions WHERE id = $1`, id).Scan(
		&ss.ID, &ss.EnvironmentID, &ss.UserID, &ss.SigninCredentialID, &ss.SessionPublicKey, &ss.IPAddress, &ss.UserAgent,
		&c, &e, &r, &revoked)
	if err != nil {
		return nil, mapErr("get session", "session_not_found", err)
	}
	ss.CreatedAt, ss.ExpiresAt, ss.RefreshExpiresAt, ss.RevokedAt = parseTime(c), parseTime(e), parseTime(r), utcPtr(revoked)
	return &ss, nil
}

// ExtendSession implements session.Store.
func (s *Store) ExtendSession(ctx context.Context, id string, expiresAt, now time.Time) error {
	res, err := s.db.Exec(ctx, `UPDATE sessions SET expires_at = $1 WHERE id = $2 AND revoked_at IS NULL
		AND refresh_expires_at > $3`, ts(expiresAt), id, ts(now))
	return mustAffect("extend session", "session_not_found", res, err)
}

// RevokeSession implements session.Store.
func (s *Store) RevokeSession(ctx context.Context, id string, at time.Time, event string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var envID, userID string
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT environment_id, user_id, revoked_at FROM sessions WHERE id = $1`, id).
			Scan(&envID, &userID, &revoked)
		if err != nil {
			return mapErr("revoke session", "session_not_found", err)
		}
		if revoked != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2`, ts(at), id); err != nil {
			return mapErr("revoke session", "", err)
		}
		return insertEvent(ctx, tx, envID, event, userID, map[string]string{"userId": userID, "sessionId": id}, at)
	})
}

// InsertVisit implements signin.Store.
func (s *Store) InsertVisit(ctx context.Context, v signin.Visit) error {
	_, err := s.db.Exec(ctx, `INSERT INTO visits (id, environment_id, wallet_address, chain, provider, wallet_name,
		auth_mode, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, v.ID, v.EnvironmentID, v.Address, v.Chain, v.Provider,
		v.WalletName, v.AuthMode, ts(v.CreatedAt))
	return mapErr("record visit", "environment_not_found", err)
}

// CountUsersAndSessions counts an environment's rows (tests, statistics).
func (s *Store) CountUsersAndSessions(ctx context.Context, envID string) (users, sessions int, err error) {
	err = s.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM users WHERE environment_id = $1),
		(SELECT count(*) FROM sessions WHERE environment_id = $1)`, envID).Scan(&users, &sessions)
	return users, sessions, mapErr("count users", "", err)
}

// EventCounts counts an environment's outbox events by name (the contract
// suite checks that each change writes its event exactly once).
func (s *Store) EventCounts(ctx context.Context, envID string) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `SELECT name, count(*) FROM events WHERE environment_id = $1 GROUP BY name`, envID)
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
