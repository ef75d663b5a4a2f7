package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// signing.Store: an environment's JWT signing keys.

var _ signing.Store = (*Store)(nil)

const signingColumns = `id, environment_id, algorithm, public_pem, private_sealed, created_at, retired_at`

func signingKeyFields(k *signing.Key) []any {
	return []any{&k.ID, &k.EnvironmentID, &k.Algorithm, &k.PublicPEM, &k.PrivateSealed, &k.CreatedAt, &k.RetiredAt}
}

var scanSigningKey = scanner(signingKeyFields)

var insertSigningKeySQL = insertSQL("signing_keys", signingColumns)

// ActiveSigningKey implements signing.Store.
func (s *Store) ActiveSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	return get(ctx, s, "active signing key", signing.ErrKeyNotFound, scanSigningKey, `SELECT `+signingColumns+`
		FROM signing_keys WHERE environment_id = $1 AND retired_at IS NULL`, envID)
}

// InsertSigningKey implements signing.Store.
func (s *Store) InsertSigningKey(ctx context.Context, k *signing.Key) (inserted bool, err error) {
	err = s.db.Write(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, insertSigningKeySQL+` ON CONFLICT DO NOTHING`, values(signingKeyFields(k))...)
		inserted = n == 1
		return err
	})
	return inserted, s.fail("insert signing key", tenant.ErrEnvironmentNotFound, err)
}

// GetSigningKey implements signing.Store.
func (s *Store) GetSigningKey(ctx context.Context, id string) (*signing.Key, error) {
	return get(ctx, s, "get signing key", signing.ErrKeyNotFound, scanSigningKey,
		`SELECT `+signingColumns+` FROM signing_keys WHERE id = $1`, id)
}

// NewestSigningKey implements signing.Store: ids grow with time, so the
// primary key's last entry.
func (s *Store) NewestSigningKey(ctx context.Context) (*signing.Key, error) {
	return get(ctx, s, "newest signing key", signing.ErrKeyNotFound, scanSigningKey,
		`SELECT `+signingColumns+` FROM signing_keys ORDER BY id DESC LIMIT 1`)
}

// ListSigningKeys implements signing.Store.
func (s *Store) ListSigningKeys(ctx context.Context, envID string) ([]signing.Key, error) {
	return list(ctx, s, s.db.Reader(), "list signing keys", scanSigningKey, `SELECT `+signingColumns+` FROM signing_keys WHERE environment_id = $1
		ORDER BY created_at DESC, id`, envID)
}

// ReplaceSigningKey implements signing.Store: RotateSigningKey only while
// oldID is the active key, so that replicas rotating the same stale key
// rotate it once.
func (s *Store) ReplaceSigningKey(ctx context.Context, oldID string, k *signing.Key, at time.Time) (bool, error) {
	replaced, err := s.swapSigningKey(ctx, oldID, k, at)
	return replaced, s.fail("replace signing key", tenant.ErrEnvironmentNotFound, err)
}

// StaleSigningKeys implements signing.Store (signing_keys_active_created).
func (s *Store) StaleSigningKeys(ctx context.Context, before time.Time, limit int) ([]signing.Key, error) {
	return list(ctx, s, s.db.Reader(), "stale signing keys", scanSigningKey, `SELECT `+signingColumns+` FROM signing_keys
		WHERE retired_at IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2`, before, limit)
}

// RotateSigningKey implements signing.Store. Rotations of one environment,
// from any replica, take turns on its row: each retires the key the
// previous one made active.
func (s *Store) RotateSigningKey(ctx context.Context, k *signing.Key, at time.Time) error {
	_, err := s.swapSigningKey(ctx, "", k, at)
	return s.fail("rotate signing key", tenant.ErrEnvironmentNotFound, err)
}

// swapSigningKey retires the environment's active key, which must be
// oldID unless oldID is "", and makes k active, under a lock on the
// environment's row; swapped is false, and nothing written, when oldID
// is no longer active.
func (s *Store) swapSigningKey(ctx context.Context, oldID string, k *signing.Key, at time.Time) (swapped bool, err error) {
	err = s.db.Write(ctx, func(tx Tx) error {
		var id string
		if err := tx.QueryRow(ctx, `SELECT id FROM environments WHERE id = $1`+s.d.ForNoKeyUpdate, k.EnvironmentID).Scan(&id); err != nil {
			return err
		}
		retire, args := `UPDATE signing_keys SET retired_at = $1 WHERE environment_id = $2 AND retired_at IS NULL`, []any{at, k.EnvironmentID}
		if oldID != "" {
			retire, args = retire+` AND id = $3`, append(args, oldID)
		}
		n, err := tx.Exec(ctx, retire, args...)
		if swapped = oldID == "" || n == 1; err != nil || !swapped {
			return err
		}
		_, err = tx.Exec(ctx, insertSigningKeySQL, values(signingKeyFields(k))...)
		return err
	})
	return swapped, err
}
