package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

var errNonce = errs.Unprocessable("other_verify_failure", "nonce is invalid, expired or already used; request a new one", nil)

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
