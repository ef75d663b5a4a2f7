package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

func mergeInvalid(msg string) error { return errs.Unprocessable(signin.CodeMergeInvalid, msg, nil) }

// walletMergeCandidate returns the owner of the offered wallet and its
// credential id when the owner is another user who can also sign in
// otherwise; "" when no merge applies.
func walletMergeCandidate(ctx context.Context, q querier, o *signin.MergeOffer) (owner, credID string, err error) {
	owner, credID, err = credentialOf(ctx, q, o.EnvironmentID, &o.Credential)
	if err != nil || credID == "" || owner == o.UserID {
		return "", "", err
	}
	left, err := countSignInCredentials(ctx, q, owner, credID)
	if err != nil || left == 0 {
		return "", "", err // the owner's only way in: a transfer, not a merge
	}
	return owner, credID, nil
}

// emailMergeCandidate returns another user of the environment with a
// verified email credential of an address (ignoring case) the user has
// verified too, and that credential's id; "" when there is none.
func emailMergeCandidate(ctx context.Context, q querier, envID, userID string) (owner, credID string, err error) {
	err = q.QueryRowContext(ctx, `SELECT o.user_id, o.id FROM verified_credentials m
		JOIN verified_credentials o ON o.environment_id = m.environment_id AND o.format = 'email'
			AND lower(o.address) = lower(m.address) AND o.user_id <> m.user_id
		WHERE m.user_id = ? AND m.environment_id = ? AND m.format = 'email'
		ORDER BY o.created_at, o.id LIMIT 1`, userID, envID).Scan(&owner, &credID)
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return owner, credID, mapErr("find email credential", "", err)
}

// checkNoncesLive refuses nonces that are unknown, used or expired,
// without using them.
func checkNoncesLive(ctx context.Context, q querier, envID string, nonces []string, now string) error {
	for _, n := range nonces {
		var live bool
		if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM nonces WHERE environment_id = ? AND nonce = ?
			AND expires_at > ?)`, envID, n, now).Scan(&live); err != nil {
			return mapErr("check nonce", "", err)
		}
		if !live {
			return errNonce
		}
	}
	return nil
}

// OfferMerge implements signin.MergeStore.
func (s *Store) OfferMerge(ctx context.Context, o *signin.MergeOffer) (*users.User, error) {
	find := func(q querier) (string, string, error) {
		switch o.Kind {
		case signin.MergeByWallet:
			return walletMergeCandidate(ctx, q, o)
		case signin.MergeByEmail:
			return emailMergeCandidate(ctx, q, o.EnvironmentID, o.UserID)
		}
		return "", "", errs.Internal("offer merge", errs.Invalid("unknown merge kind %q", o.Kind))
	}
	// Most links are of new wallets: look before taking the write lock.
	if owner, _, err := find(s.r); err != nil || owner == "" {
		return nil, err
	}
	var from *users.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		owner, credID, err := find(tx)
		if err != nil || owner == "" {
			return err
		}
		now := formatTime(o.Now)
		if err := checkNoncesLive(ctx, tx, o.EnvironmentID, o.Nonces, now); err != nil {
			return err
		}
		nonces, err := json.Marshal(append([]string{}, o.Nonces...))
		if err != nil {
			return errs.Internal("pending merge nonces", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_merges WHERE expires_at <= ?`, now); err != nil {
			return mapErr("purge pending merges", "", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pending_merges (user_id, environment_id, from_user_id, kind,
			credential_id, nonces, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET environment_id = excluded.environment_id, from_user_id = excluded.from_user_id,
			kind = excluded.kind, credential_id = excluded.credential_id, nonces = excluded.nonces,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
			o.UserID, o.EnvironmentID, owner, o.Kind, credID, string(nonces), now, formatTime(o.ExpiresAt)); err != nil {
			return mapErr("record pending merge", "user_not_found", err)
		}
		from, err = loadUser(ctx, tx, owner)
		return err
	})
	return from, err
}

// MergeUsers implements signin.MergeStore.
func (s *Store) MergeUsers(ctx context.Context, w *signin.MergeWrite) (*users.User, error) {
	var out *users.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := formatTime(w.Now)
		var fromID, kind, credID, rawNonces string
		err := tx.QueryRowContext(ctx, `SELECT from_user_id, kind, credential_id, nonces FROM pending_merges
			WHERE user_id = ? AND environment_id = ? AND expires_at > ?`, w.UserID, w.EnvironmentID, now).Scan(
			&fromID, &kind, &credID, &rawNonces)
		if err == sql.ErrNoRows {
			return mergeInvalid("this account has no pending merge, or it expired: link the other account's wallet again")
		}
		if err != nil {
			return mapErr("find pending merge", "", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_merges WHERE user_id = ?`, w.UserID); err != nil {
			return mapErr("take pending merge", "", err)
		}
		if err := checkMergeProof(ctx, tx, w, fromID, kind, credID, rawNonces, now); err != nil {
			return err
		}
		if err := consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, now); err != nil {
			return err
		}
		into, err := loadUser(ctx, tx, w.UserID)
		if err != nil {
			return err
		}
		from, err := loadUser(ctx, tx, fromID)
		if err != nil || from.EnvironmentID != w.EnvironmentID {
			return mergeInvalid("the other account no longer exists")
		}
		fields, err := listCustomFields(ctx, tx, w.EnvironmentID)
		if err != nil {
			return err
		}
		ch, err := w.Apply(into, from, fields)
		if err != nil {
			return err
		}
		if ch.User == nil || ch.User.ID != into.ID {
			return errs.Internal("merge", errs.Invalid("the merged profile is not the caller's"))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE verified_credentials SET user_id = ?1,
			previous_users = json_insert(CASE WHEN json_valid(previous_users) THEN previous_users ELSE '[]' END, '$[#]', ?2)
			WHERE user_id = ?2`, into.ID, fromID); err != nil {
			return mapErr("move credentials", "", err)
		}
		// Sessions, unique values and pending merges go with the user.
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, fromID)
		if err := mustAffect("delete merged user", "user_not_found", res, err); err != nil {
			return err
		}
		if err := writeProfile(ctx, tx, ch.User); err != nil {
			return err
		}
		if err := replaceUniqueValues(ctx, tx, into.ID, ch.Unique); err != nil {
			return err
		}
		if kind == signin.MergeByWallet {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET last_verified_credential_id = ? WHERE id = ?`, credID, into.ID); err != nil {
				return mapErr("update user", "", err)
			}
		}
		if err := insertEvent(ctx, tx, w.EnvironmentID, "user.merged", into.ID,
			map[string]string{"userId": into.ID, "mergedUserId": fromID, "verifiedCredentialId": credID}, w.Now); err != nil {
			return err
		}
		out, err = loadUser(ctx, tx, into.ID)
		return err
	})
	return out, err
}

// checkMergeProof checks what made the merge offer still holds: the proof's
// nonces are live (they are used up here) and the proved credential is
// still the other user's (for an email, one the caller verified too).
func checkMergeProof(ctx context.Context, tx *sql.Tx, w *signin.MergeWrite, fromID, kind, credID, rawNonces, now string) error {
	var nonces []string
	if err := json.Unmarshal([]byte(rawNonces), &nonces); err != nil {
		return errs.Internal("pending merge nonces", err)
	}
	if err := consumeNonces(ctx, tx, w.EnvironmentID, nonces, now); err != nil {
		if errs.Is(err, errs.KindUnprocessable) {
			return mergeInvalid("the signed message that proved the other account was used or expired: link its wallet again")
		}
		return err
	}
	var owner, address string
	err := tx.QueryRowContext(ctx, `SELECT user_id, address FROM verified_credentials WHERE id = ?`, credID).Scan(&owner, &address)
	if err != nil && err != sql.ErrNoRows {
		return mapErr("check merge proof", "", err)
	}
	if err == sql.ErrNoRows || owner != fromID {
		return mergeInvalid("the credential that proved the other account is no longer theirs")
	}
	if kind == signin.MergeByEmail {
		var shared bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM verified_credentials WHERE user_id = ?
			AND format = 'email' AND lower(address) = lower(?))`, w.UserID, address).Scan(&shared); err != nil {
			return mapErr("check merge proof", "", err)
		}
		if !shared {
			return mergeInvalid("this account no longer has the verified email the other account shares")
		}
	}
	return nil
}
