package sqlstore

// Account merges (signin.MergeStore), on the pending_merges table of
// migrations/0006_merges.sql.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// walletMergeCandidate returns the owner of the offered wallet and its
// credential id when the owner is another user who can also sign in
// otherwise; "" when no merge applies.
func (s *Store) walletMergeCandidate(ctx context.Context, q Querier, o *signin.MergeOffer) (owner, credID string, err error) {
	owner, credID, err = s.credentialOf(ctx, q, o.EnvironmentID, &o.Credential)
	if err != nil || credID == "" || owner == o.UserID {
		return "", "", err
	}
	left, err := s.countSignInCredentials(ctx, q, owner, credID)
	if err != nil || left == 0 {
		return "", "", err // the owner's only way in: a transfer, not a merge
	}
	return owner, credID, nil
}

// emailMergeCandidate returns another user of the environment with a
// verified email credential of an address (ignoring case) the user has
// verified too, and that credential's id; "" when there is none.
func (s *Store) emailMergeCandidate(ctx context.Context, q Querier, envID, userID string) (owner, credID string, err error) {
	err = q.QueryRow(ctx, `SELECT o.user_id, o.id FROM verified_credentials m
		JOIN verified_credentials o ON o.environment_id = m.environment_id AND o.format = 'email'
			AND lower(o.address) = lower(m.address) AND o.user_id <> m.user_id
		WHERE m.user_id = $1 AND m.environment_id = $2 AND m.format = 'email'
		ORDER BY o.created_at, o.id LIMIT 1`, userID, envID).Scan(&owner, &credID)
	if s.noRows(err) {
		return "", "", nil
	}
	return owner, credID, s.fail("find email credential", nil, err)
}

// OfferMerge implements signin.MergeStore.
func (s *Store) OfferMerge(ctx context.Context, o *signin.MergeOffer) (*users.User, error) {
	find := func(q Querier) (string, string, error) {
		switch o.Kind {
		case signin.MergeByWallet:
			return s.walletMergeCandidate(ctx, q, o)
		case signin.MergeByEmail:
			return s.emailMergeCandidate(ctx, q, o.EnvironmentID, o.UserID)
		}
		return "", "", errs.Internal("offer merge", fmt.Errorf("unknown merge kind %q", o.Kind))
	}
	// Most links are of new wallets: look before writing.
	if owner, _, err := find(s.db.Reader()); err != nil || owner == "" {
		return nil, err
	}
	var from *users.User
	err := s.write(ctx, func(tx Tx) error {
		from = nil
		owner, credID, err := find(tx)
		if err != nil || owner == "" {
			return err
		}
		for _, n := range o.Nonces {
			if err := s.nonceUnused(ctx, tx, n, o.Now); err != nil {
				return err
			}
		}
		nonces, err := json.Marshal(append([]string{}, o.Nonces...))
		if err != nil {
			return errs.Internal("pending merge nonces", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM pending_merges WHERE expires_at <= $1`, o.Now); err != nil {
			return s.fail("purge pending merges", nil, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO pending_merges (user_id, environment_id, from_user_id, kind,
			credential_id, nonces, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (user_id) DO UPDATE SET environment_id = excluded.environment_id, from_user_id = excluded.from_user_id,
			kind = excluded.kind, credential_id = excluded.credential_id, nonces = excluded.nonces,
			created_at = excluded.created_at, expires_at = excluded.expires_at`,
			o.UserID, o.EnvironmentID, owner, o.Kind, credID, string(nonces), o.Now, o.ExpiresAt); err != nil {
			return s.fail("record pending merge", users.ErrUserNotFound, err)
		}
		from, err = s.loadUser(ctx, tx, owner)
		return err
	})
	return from, err
}

// PendingMergeFrom implements signin.MergeStore.
func (s *Store) PendingMergeFrom(ctx context.Context, envID, userID string, now time.Time) (string, error) {
	var from string
	err := s.db.Reader().QueryRow(ctx, `SELECT from_user_id FROM pending_merges
		WHERE user_id = $1 AND environment_id = $2 AND expires_at > $3`, userID, envID, now).Scan(&from)
	if s.noRows(err) {
		return "", nil
	}
	return from, s.fail("read pending merge", nil, err)
}

// MergeUsers implements signin.MergeStore.
func (s *Store) MergeUsers(ctx context.Context, w *signin.MergeWrite) (*users.User, error) {
	return s.userChange(ctx, w.UserID, func(tx Tx) error {
		var fromID, kind, credID, rawNonces string
		// Deleting the row claims the merge: of concurrent merges one wins.
		err := tx.QueryRow(ctx, `DELETE FROM pending_merges WHERE user_id = $1 AND environment_id = $2 AND expires_at > $3
			RETURNING from_user_id, kind, credential_id, nonces`, w.UserID, w.EnvironmentID, w.Now).Scan(
			&fromID, &kind, &credID, &rawNonces)
		if s.noRows(err) {
			return signin.ErrNoPendingMerge
		}
		if err != nil {
			return s.fail("take pending merge", nil, err)
		}
		if fromID != w.FromUserID { // replaced since the domain checked it: rolled back, kept
			return signin.ErrMergeInvalid("the pending merge changed meanwhile: confirm the merge again")
		}
		// Both users' rows, in a fixed order, so concurrent links,
		// unlinks and merges of either take turns.
		ids := []string{w.UserID, fromID}
		slices.Sort(ids)
		for _, id := range ids {
			if err := s.lockUser(ctx, tx, id); err != nil {
				if errs.Is(err, errs.KindNotFound) {
					return signin.ErrMergeInvalid("the other account no longer exists")
				}
				return err
			}
		}
		if err := s.checkMergeProof(ctx, tx, w, fromID, kind, credID, rawNonces); err != nil {
			return err
		}
		if err := s.consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, w.Now); err != nil {
			return err
		}
		into, err := s.loadUser(ctx, tx, w.UserID)
		if err != nil {
			return err
		}
		from, err := s.loadUser(ctx, tx, fromID)
		if err != nil || from.EnvironmentID != w.EnvironmentID {
			return signin.ErrMergeInvalid("the other account no longer exists")
		}
		fields, err := s.listCustomFields(ctx, tx, w.EnvironmentID)
		if err != nil {
			return err
		}
		ch, err := w.Apply(into, from, fields)
		if err != nil {
			return err
		}
		if ch.User == nil || ch.User.ID != into.ID {
			return errs.Internal("merge", errors.New("the merged profile is not the caller's"))
		}
		if _, err := tx.Exec(ctx, `UPDATE verified_credentials SET user_id = $1, previous_users = `+s.d.AppendPreviousUser+`
			WHERE user_id = $2`, into.ID, fromID); err != nil {
			return s.fail("move credentials", nil, err)
		}
		// A passkey goes with its credential, keeping the user handle its
		// authenticator answers with.
		if _, err := tx.Exec(ctx, `UPDATE passkeys SET user_handle = CASE WHEN user_handle = '' THEN user_id ELSE user_handle END,
			user_id = $1 WHERE user_id = $2`, into.ID, fromID); err != nil {
			return s.fail("move passkeys", nil, err)
		}
		by, err := s.mergedEmailSource(ctx, tx, ch.User, into, from)
		if err != nil {
			return err
		}
		// Sessions, unique values and pending merges go with the user.
		if err := s.change(ctx, tx, "delete merged user", users.ErrUserNotFound, `DELETE FROM users WHERE id = $1`, fromID); err != nil {
			return err
		}
		if err := s.writeProfile(ctx, tx, ch.User, by); err != nil {
			return err
		}
		if err := s.replaceUniqueValues(ctx, tx, into.ID, ch.Unique); err != nil {
			return err
		}
		if kind == signin.MergeByWallet {
			if _, err := tx.Exec(ctx, `UPDATE users SET last_verified_credential_id = $1 WHERE id = $2`, credID, into.ID); err != nil {
				return s.fail("update user", nil, err)
			}
		}
		return s.insertEvent(ctx, tx, w.EnvironmentID, events.UserMerged, into.ID,
			map[string]string{"userId": into.ID, "mergedUserId": fromID, "verifiedCredentialId": credID}, w.Now)
	})
}

// mergedEmailSource says who gave the email a merge keeps: the merged
// user's email keeps their mark (an operator's stays the operator's, a
// claim a claim); the staying user's keeps its own in updateUserRow.
func (s *Store) mergedEmailSource(ctx context.Context, tx Tx, merged, into, from *users.User) (emailSource, error) {
	if merged.Email == "" || strings.EqualFold(merged.Email, into.Email) || !strings.EqualFold(merged.Email, from.Email) {
		return byUser, nil
	}
	var asserted bool
	if err := tx.QueryRow(ctx, `SELECT email_asserted FROM users WHERE id = $1`, from.ID).Scan(&asserted); err != nil {
		return byUser, s.fail("read merged user's email", users.ErrUserNotFound, err)
	}
	if asserted {
		return byOperator, nil
	}
	return byUser, nil
}

// checkMergeProof checks what made the merge offer still holds: the proof's
// nonces are live (they are used up here) and the proved credential is
// still the other user's (for an email, one the caller verified too).
func (s *Store) checkMergeProof(ctx context.Context, tx Tx, w *signin.MergeWrite, fromID, kind, credID, rawNonces string) error {
	var nonces []string
	if err := json.Unmarshal([]byte(rawNonces), &nonces); err != nil {
		return errs.Internal("pending merge nonces", err)
	}
	if err := s.consumeNonces(ctx, tx, w.EnvironmentID, nonces, w.Now); err != nil {
		if errs.Is(err, errs.KindUnprocessable) {
			return signin.ErrMergeInvalid("the signed message that proved the other account was used or expired: link its wallet again")
		}
		return err
	}
	var owner, address string
	err := tx.QueryRow(ctx, `SELECT user_id, address FROM verified_credentials WHERE id = $1`, credID).Scan(&owner, &address)
	if err != nil && !s.noRows(err) {
		return s.fail("check merge proof", nil, err)
	}
	if err != nil || owner != fromID {
		return signin.ErrMergeInvalid("the credential that proved the other account is no longer theirs")
	}
	if kind == signin.MergeByEmail {
		var shared bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM verified_credentials WHERE user_id = $1
			AND format = 'email' AND lower(address) = lower($2))`, w.UserID, address).Scan(&shared); err != nil {
			return s.fail("check merge proof", nil, err)
		}
		if !shared {
			return signin.ErrMergeInvalid("this account no longer has the verified email the other account shares")
		}
	}
	return nil
}

// nonceUnused refuses a nonce used before or expired, without using it.
func (s *Store) nonceUnused(ctx context.Context, q Querier, nonce string, now time.Time) error {
	if exp, ok := signin.NonceExpiry(nonce); !ok || !exp.After(now) {
		return signin.ErrNonceUsed
	}
	var used bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM used_nonces WHERE nonce = $1)`, nonce).Scan(&used); err != nil {
		return s.fail("check nonce", nil, err)
	}
	if used {
		return signin.ErrNonceUsed
	}
	return nil
}
