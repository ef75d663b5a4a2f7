package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// consumeNonces deletes each live nonce once; any that is not there fails
// the whole transaction.
func consumeNonces(ctx context.Context, tx querier, envID string, nonces []string, now time.Time) error {
	for _, n := range nonces {
		// Of concurrent deletes of one row, only the first to commit
		// deletes it; the others find it gone when they re-check.
		tag, err := tx.Exec(ctx, `DELETE FROM nonces WHERE environment_id = $1 AND nonce = $2 AND expires_at > $3`,
			envID, n, ts(now))
		if err != nil {
			return mapErr("consume nonce", "", err)
		}
		if tag.RowsAffected() != 1 {
			return errNonce
		}
	}
	return nil
}

// countSignInCredentials counts a user's credentials that can sign in,
// leaving one out.
func countSignInCredentials(ctx context.Context, q querier, userID, except string) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM verified_credentials WHERE user_id = $1 AND id <> $2 AND sign_in_enabled`,
		userID, except).Scan(&n)
	return n, mapErr("count credentials", "", err)
}

// lockUser locks a user's row until the transaction ends, so that checks
// on their credentials ("not the last one") hold against concurrent
// writes on other replicas.
func lockUser(ctx context.Context, tx pgx.Tx, userID string) error {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&id)
	return mapErr("lock user", "user_not_found", err)
}

// LinkCredential implements signin.LinkStore.
func (s *Store) LinkCredential(ctx context.Context, w *signin.LinkWrite) (*users.User, error) {
	var u *users.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		now := ts(w.Now)
		if err := consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, w.Now); err != nil {
			return err
		}
		c := w.Credential
		var owner, credID, previous string
		// FOR UPDATE: concurrent links or transfers of one wallet take turns.
		err := tx.QueryRow(ctx, `SELECT user_id, id, previous_users FROM verified_credentials
			WHERE environment_id = $1 AND format = $2 AND chain = $3 AND address = $4 FOR UPDATE`,
			w.EnvironmentID, c.Format, c.Chain, c.Address).Scan(&owner, &credID, &previous)
		event := "wallet.linked"
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			credID = c.ID
			if err := insertCredential(ctx, tx, w.UserID, &c); err != nil {
				return err
			}
		case err != nil:
			return mapErr("find credential", "", err)
		case owner == w.UserID:
			event = ""
			if _, err := tx.Exec(ctx, `UPDATE verified_credentials SET verified_at = $1, wallet_name = $2, wallet_provider = $3
				WHERE id = $4`, now, c.WalletName, c.WalletProvider, credID); err != nil {
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
		if _, err := tx.Exec(ctx, `UPDATE users SET last_verified_credential_id = $1, updated_at = $2 WHERE id = $3`,
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

func transferCredential(ctx context.Context, tx pgx.Tx, w *signin.LinkWrite, owner, credID, previous string) error {
	if err := lockUser(ctx, tx, owner); err != nil {
		return err
	}
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
	_, err = tx.Exec(ctx, `UPDATE verified_credentials SET user_id = $1, previous_users = $2, verified_at = $3,
		wallet_name = $4, wallet_provider = $5 WHERE id = $6`,
		w.UserID, string(b), ts(w.Now), c.WalletName, c.WalletProvider, credID)
	if err != nil {
		return mapErr("transfer credential", "", err)
	}
	// The former owner's pointer to it must not dangle.
	_, err = tx.Exec(ctx, `UPDATE users SET last_verified_credential_id = coalesce((SELECT id FROM verified_credentials
		WHERE user_id = $1 ORDER BY verified_at DESC LIMIT 1), ''), updated_at = $2 WHERE id = $1 AND last_verified_credential_id = $3`,
		owner, ts(w.Now), credID)
	return mapErr("update former owner", "", err)
}

// UnlinkCredential implements signin.LinkStore.
func (s *Store) UnlinkCredential(ctx context.Context, userID, credID string, now time.Time) (*users.User, error) {
	var u *users.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var envID string
		err := tx.QueryRow(ctx, `SELECT environment_id FROM verified_credentials WHERE id = $1 AND user_id = $2`, credID, userID).Scan(&envID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.Unprocessable("forbidden_unlink_request", "verifiedCredentialId is not one of this user's credentials", nil)
		}
		if err != nil {
			return mapErr("unlink", "", err)
		}
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		left, err := countSignInCredentials(ctx, tx, userID, credID)
		if err != nil {
			return err
		}
		if left == 0 {
			return errs.Unprocessable("cannot_delete_last_sign_in_verified_credential",
				"this is the last credential the user can sign in with", nil)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM verified_credentials WHERE id = $1`, credID); err != nil {
			return mapErr("unlink", "", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_verified_credential_id = coalesce((SELECT id FROM verified_credentials
			WHERE user_id = $1 ORDER BY verified_at DESC LIMIT 1), ''), updated_at = $2 WHERE id = $1 AND last_verified_credential_id = $3`,
			userID, ts(now), credID); err != nil {
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
	err := s.tx(ctx, func(tx pgx.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE verified_credentials SET last_selected_at = $1 WHERE id = $2 AND user_id = $3
			AND format = 'blockchain'`, ts(now), credID, userID)
		if err := mustAffect("select wallet", "wallet_not_found", res, err); err != nil {
			return err
		}
		u, err = loadUser(ctx, tx, userID)
		return err
	})
	return u, err
}
