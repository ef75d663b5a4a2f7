package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// passkey.Store: one-time WebAuthn challenges and passkeys (each with the
// verified credential of format passkey that signs its user in).

var _ passkey.Store = (*Store)(nil)

// InsertPasskeyChallenge implements passkey.Store.
func (s *Store) InsertPasskeyChallenge(ctx context.Context, c *passkey.Challenge) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO passkey_challenges (environment_id, challenge, user_id, kind, session, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.EnvironmentID, c.Challenge, c.UserID, c.Kind, c.Session, c.ExpiresAt)
		return err
	})
	return s.fail("insert passkey challenge", tenant.ErrEnvironmentNotFound, err)
}

// TakePasskeyChallenge implements passkey.Store: the statement that reads
// the challenge deletes it, so it is answered once.
func (s *Store) TakePasskeyChallenge(ctx context.Context, envID, challenge string, now time.Time) (*passkey.Challenge, error) {
	var c *passkey.Challenge
	err := s.db.Write(ctx, func(tx Tx) error {
		c = &passkey.Challenge{Challenge: challenge, EnvironmentID: envID}
		return tx.QueryRow(ctx, `DELETE FROM passkey_challenges WHERE environment_id = $1 AND challenge = $2
			RETURNING user_id, kind, session, expires_at`, envID, challenge).Scan(&c.UserID, &c.Kind, &c.Session, &c.ExpiresAt)
	})
	if err != nil {
		return nil, s.fail("take passkey challenge", passkey.ErrChallengeNotFound, err)
	}
	if !now.Before(c.ExpiresAt) {
		return nil, passkey.ErrChallengeNotFound
	}
	return c, nil
}

// DeleteExpiredPasskeyChallenges implements passkey.Store.
func (s *Store) DeleteExpiredPasskeyChallenges(ctx context.Context, before time.Time) (n int64, err error) {
	err = s.db.Write(ctx, func(tx Tx) error {
		n, err = tx.Exec(ctx, `DELETE FROM passkey_challenges WHERE expires_at <= $1`, before)
		return err
	})
	return n, s.fail("purge passkey challenges", nil, err)
}

// InsertPasskey implements passkey.Store. The user's row is locked first
// (PostgreSQL; SQLite has one writer) so two registrations cannot both
// pass the limit; a proof is spent before it, as DeletePasskey spends
// one, so the two lock in the same order.
func (s *Store) InsertPasskey(ctx context.Context, p *passkey.Passkey, vc *users.Credential, max int, proof *mfa.TokenUse) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if proof != nil { // before the insert's refusals
			if err := s.spendProof(ctx, tx, proof); err != nil {
				return err
			}
		}
		var owner string
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1`+s.d.ForUpdate, p.UserID).Scan(&owner); err != nil {
			return s.fail("lock user", users.ErrUserNotFound, err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM passkeys WHERE user_id = $1`, p.UserID).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return passkey.ErrTooMany
		}
		if err := s.insertCredential(ctx, tx, p.UserID, vc); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO passkeys (id, environment_id, user_id, verified_credential_id, credential_id,
				credential, sign_count, alias, origin, user_agent, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, p.ID, p.EnvironmentID, p.UserID, vc.ID, p.CredentialID,
			p.Credential, int64(p.SignCount), p.Alias, p.Origin, p.UserAgent, p.CreatedAt); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, p.EnvironmentID, events.PasskeyAdded, p.UserID,
			map[string]string{"userId": p.UserID, "passkeyId": p.ID, "verifiedCredentialId": vc.ID}, p.CreatedAt)
	})
	return s.fail("insert passkey", users.ErrUserNotFound, err)
}

const passkeyColumns = `id, environment_id, user_id, verified_credential_id, credential_id, credential, sign_count, alias,
	origin, user_agent, created_at, updated_at, user_handle`

func scanPasskey(r Row) (passkey.Passkey, error) {
	var p passkey.Passkey
	var count int64
	err := r.Scan(&p.ID, &p.EnvironmentID, &p.UserID, &p.VerifiedCredentialID, &p.CredentialID, &p.Credential, &count, &p.Alias, &p.Origin,
		&p.UserAgent, &p.CreatedAt, &p.UpdatedAt, &p.UserHandle)
	p.SignCount = uint32(count)
	return p, err
}

// ListPasskeys implements passkey.Store.
func (s *Store) ListPasskeys(ctx context.Context, userID string) ([]passkey.Passkey, error) {
	return nonNil(list(ctx, s, s.db.Reader(), "list passkeys", scanPasskey,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, userID))
}

// GetPasskey implements passkey.Store.
func (s *Store) GetPasskey(ctx context.Context, userID, id string) (*passkey.Passkey, error) {
	return get(ctx, s, "get passkey", passkey.ErrNotFound, scanPasskey,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = $1 AND id = $2`, userID, id)
}

// PasskeyByCredentialID implements passkey.Store.
func (s *Store) PasskeyByCredentialID(ctx context.Context, envID string, credentialID []byte) (*passkey.Passkey, error) {
	return get(ctx, s, "get passkey", passkey.ErrNotFound, scanPasskey,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE environment_id = $1 AND credential_id = $2`, envID, credentialID)
}

// UsePasskey implements passkey.Store: compare-and-set on the counter.
func (s *Store) UsePasskey(ctx context.Context, id string, prev, next uint32, credential []byte, now time.Time) (bool, error) {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		n, err = tx.Exec(ctx, `UPDATE passkeys SET sign_count = $3, credential = $4 WHERE id = $1 AND sign_count = $2`,
			id, int64(prev), int64(next), credential)
		return err
	})
	return n == 1, s.fail("use passkey", nil, err)
}

// UpdatePasskeyAlias implements passkey.Store.
func (s *Store) UpdatePasskeyAlias(ctx context.Context, userID, id, alias string, now time.Time) error {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		n, err = tx.Exec(ctx, `UPDATE passkeys SET alias = $3, updated_at = $4 WHERE user_id = $1 AND id = $2`,
			userID, id, alias, now)
		return err
	})
	return s.affected("rename passkey", passkey.ErrNotFound, n, err)
}

// DeletePasskey implements passkey.Store: the passkey and its verified
// credential go together, so it no longer signs anyone in. Like an
// unlink, it keeps the user's last credential to sign in with; the
// user's row is locked first, as an unlink locks it, so the two take
// turns (and an unlink of the same credential, whose cascade reaches
// the passkey's row, does not wait on it the other way round).
func (s *Store) DeletePasskey(ctx context.Context, userID, id string, now time.Time, proof *mfa.TokenUse) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if proof != nil { // before the delete's refusals
			if err := s.spendProof(ctx, tx, proof); err != nil {
				return err
			}
		}
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		var vcID, envID string
		if err := tx.QueryRow(ctx, `DELETE FROM passkeys WHERE user_id = $1 AND id = $2 RETURNING verified_credential_id, environment_id`,
			userID, id).Scan(&vcID, &envID); err != nil {
			return s.fail("delete passkey", passkey.ErrNotFound, err)
		}
		left, err := s.countSignInCredentials(ctx, tx, userID, vcID)
		if err != nil {
			return err
		}
		if left == 0 {
			return users.ErrLastSignInCredential
		}
		if _, err := tx.Exec(ctx, `DELETE FROM verified_credentials WHERE id = $1`, vcID); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.PasskeyDeleted, userID,
			map[string]string{"userId": userID, "passkeyId": id, "verifiedCredentialId": vcID}, now)
	})
	return s.fail("delete passkey", passkey.ErrNotFound, err)
}
