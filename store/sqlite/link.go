package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// consumeNonces deletes each live nonce once; any that is not there fails
// the whole transaction.
func consumeNonces(ctx context.Context, tx execer, envID string, nonces []string, now string) error {
	for _, n := range nonces {
		res, err := tx.ExecContext(ctx, `DELETE FROM nonces WHERE environment_id = ? AND nonce = ? AND expires_at > ?`,
			envID, n, now)
		if err != nil {
			return mapErr("consume nonce", "", err)
		}
		if k, err := res.RowsAffected(); err != nil || k != 1 {
			return errNonce
		}
	}
	return nil
}

// countSignInCredentials counts a user's credentials that can sign in,
// leaving one out.
func countSignInCredentials(ctx context.Context, q querier, userID, except string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM verified_credentials WHERE user_id = ? AND id <> ? AND sign_in_enabled = 1`,
		userID, except).Scan(&n)
	return n, mapErr("count credentials", "", err)
}

// LinkCredential implements signin.LinkStore.
func (s *Store) LinkCredential(ctx context.Context, w *signin.LinkWrite) (*users.User, error) {
	var u *users.User
	err := s.txc(ctx, func(tx *cachedTx) error {
		now := formatTime(w.Now)
		if err := consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, now); err != nil {
			return err
		}
		c := w.Credential
		var owner, credID, previous string
		err := tx.QueryRowContext(ctx, `SELECT user_id, id, previous_users FROM verified_credentials
			WHERE environment_id = ? AND format = ? AND chain = ? AND address = ?`,
			w.EnvironmentID, c.Format, c.Chain, c.Address).Scan(&owner, &credID, &previous)
		event := "wallet.linked"
		switch {
		case err == sql.ErrNoRows:
			credID = c.ID
			if err := insertCredential(ctx, tx, w.UserID, &c); err != nil {
				return err
			}
		case err != nil:
			return mapErr("find credential", "", err)
		case owner == w.UserID:
			event = ""
			if _, err := tx.ExecContext(ctx, `UPDATE verified_credentials SET verified_at = ?, wallet_name = ?, wallet_provider = ?
				WHERE id = ?`, now, c.WalletName, c.WalletProvider, credID); err != nil {
				return mapErr("update credential", "", err)
			}
		case !w.Transfer:
			return errs.Unprocessable("reassign_wallet_confirm",
				"this wallet belongs to another account; confirm moving it to this one with /verify/transfer", nil)
		default:
			if err := transferCredential(ctx, tx, w, owner, credID, previous); err != nil {
				return err
			}
			event = "wallet.transferred"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_verified_credential_id = ?, updated_at = ? WHERE id = ?`,
			credID, now, w.UserID); err != nil {
			return mapErr("update user", "", err)
		}
		if event != "" {
			if err := insertEvent(ctx, tx, w.EnvironmentID, event, w.UserID, map[string]string{
				"userId": w.UserID, "verifiedCredentialId": credID, "previousUserId": owner}, w.Now); err != nil {
				return err
			}
		}
		u, err = loadUser(ctx, tx, w.UserID)
		return err
	})
	return u, err
}

func transferCredential(ctx context.Context, tx *cachedTx, w *signin.LinkWrite, owner, credID, previous string) error {
	left, err := countSignInCredentials(ctx, tx, owner, credID)
	if err != nil {
		return err
	}
	if left == 0 && !w.AllowEmptyAccount {
		return errs.Unprocessable("reassign_wallet_error",
			"moving this wallet would leave its account with no way to sign in; send skipEmptyAccountCheck to move it anyway", nil)
	}
	var prev []string
	_ = json.Unmarshal([]byte(previous), &prev)
	b, err := json.Marshal(append(prev, owner))
	if err != nil {
		return errs.Internal("previous users", err)
	}
	c := w.Credential
	_, err = tx.ExecContext(ctx, `UPDATE verified_credentials SET user_id = ?, previous_users = ?, verified_at = ?,
		wallet_name = ?, wallet_provider = ? WHERE id = ?`,
		w.UserID, string(b), formatTime(w.Now), c.WalletName, c.WalletProvider, credID)
	if err != nil {
		return mapErr("transfer credential", "", err)
	}
	// The former owner's pointer to it must not dangle.
	_, err = tx.ExecContext(ctx, `UPDATE users SET last_verified_credential_id = coalesce((SELECT id FROM verified_credentials
		WHERE user_id = ?1 ORDER BY verified_at DESC LIMIT 1), ''), updated_at = ?2 WHERE id = ?1 AND last_verified_credential_id = ?3`,
		owner, formatTime(w.Now), credID)
	return mapErr("update former owner", "", err)
}

// UnlinkCredential implements signin.LinkStore.
func (s *Store) UnlinkCredential(ctx context.Context, userID, credID string, now time.Time) (*users.User, error) {
	var u *users.User
	err := s.txc(ctx, func(tx *cachedTx) error {
		var envID string
		err := tx.QueryRowContext(ctx, `SELECT environment_id FROM verified_credentials WHERE id = ? AND user_id = ?`, credID, userID).Scan(&envID)
		if err == sql.ErrNoRows {
			return errs.Unprocessable("forbidden_unlink_request", "verifiedCredentialId is not one of this user's credentials", nil)
		}
		if err != nil {
			return mapErr("unlink", "", err)
		}
		left, err := countSignInCredentials(ctx, tx, userID, credID)
		if err != nil {
			return err
		}
		if left == 0 {
			return errs.Unprocessable("cannot_delete_last_sign_in_verified_credential",
				"this is the last credential the user can sign in with", nil)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM verified_credentials WHERE id = ?`, credID); err != nil {
			return mapErr("unlink", "", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_verified_credential_id = coalesce((SELECT id FROM verified_credentials
			WHERE user_id = ?1 ORDER BY verified_at DESC LIMIT 1), ''), updated_at = ?2 WHERE id = ?1 AND last_verified_credential_id = ?3`,
			userID, formatTime(now), credID); err != nil {
			return mapErr("unlink", "", err)
		}
		if err := insertEvent(ctx, tx, envID, "wallet.unlinked", userID,
			map[string]string{"userId": userID, "verifiedCredentialId": credID}, now); err != nil {
			return err
		}
		u, err = loadUser(ctx, tx, userID)
		return err
	})
	return u, err
}

// SelectCredential implements signin.LinkStore.
func (s *Store) SelectCredential(ctx context.Context, userID, credID string, now time.Time) (*users.User, error) {
	var u *users.User
	err := s.txc(ctx, func(tx *cachedTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE verified_credentials SET last_selected_at = ? WHERE id = ? AND user_id = ?
			AND format = 'blockchain'`, formatTime(now), credID, userID)
		if err := mustAffect("select wallet", "wallet_not_found", res, err); err != nil {
			return err
		}
		u, err = loadUser(ctx, tx, userID)
		return err
	})
	return u, err
}
