package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dynamicauth/dynamicauth/signing"
)

// ActiveSigningKey implements signing.Store.
func (s *Store) ActiveSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	k, err := scanSigningKey(s.db.QueryRow(ctx, `SELECT `+signingColumns+`
		FROM signing_keys WHERE environment_id = $1 AND retired_at IS NULL`, envID))
	return k, mapErr("active signing key", "signing_key_not_found", err)
}

// InsertSigningKey implements signing.Store.
func (s *Store) InsertSigningKey(ctx context.Context, k *signing.Key) (bool, error) {
	res, err := s.db.Exec(ctx, `INSERT INTO signing_keys (id, environment_id, algorithm, public_pem, private_sealed, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		k.ID, k.EnvironmentID, k.Algorithm, k.PublicPEM, k.PrivateSealed, ts(k.CreatedAt))
	if err != nil {
		return false, mapErr("insert signing key", "environment_not_found", err)
	}
	return res.RowsAffected() == 1, nil
}

const signingColumns = `id, environment_id, algorithm, public_pem, private_sealed, created_at, retired_at`

func scanSigningKey(row interface{ Scan(...any) error }) (*signing.Key, error) {
	var k signing.Key
	var c time.Time
	var retired *time.Time
	if err := row.Scan(&k.ID, &k.EnvironmentID, &k.Algorithm, &k.PublicPEM, &k.PrivateSealed, &c, &retired); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RetiredAt = parseTime(c), utcPtr(retired)
	return &k, nil
}

// GetSigningKey implements signing.Store.
func (s *Store) GetSigningKey(ctx context.Context, id string) (*signing.Key, error) {
	k, err := scanSigningKey(s.db.QueryRow(ctx, `SELECT `+signingColumns+` FROM signing_keys WHERE id = $1`, id))
	return k, mapErr("get signing key", "signing_key_not_found", err)
}

// ListSigningKeys implements signing.Store.
func (s *Store) ListSigningKeys(ctx context.Context, envID string) ([]signing.Key, error) {
	rows, err := s.db.Query(ctx, `SELECT `+signingColumns+` FROM signing_keys WHERE environment_id = $1
		ORDER BY created_at DESC, id`, envID)
	if err != nil {
		return nil, mapErr("list signing keys", "", err)
	}
	defer rows.Close()
	var out []signing.Key
	for rows.Next() {
		k, err := scanSigningKey(rows)
		if err != nil {
			return nil, mapErr("list signing keys", "", err)
		}
		out = append(out, *k)
	}
	return out, mapErr("list signing keys", "", rows.Err())
}

// RotateSigningKey implements signing.Store.
func (s *Store) RotateSigningKey(ctx context.Context, k *signing.Key, at time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Rotations of one environment, from any replica, take turns on
		// its row: each retires the key the previous one made active.
		var id string
		if err := tx.QueryRow(ctx, `SELECT id FROM environments WHERE id = $1 FOR UPDATE`, k.EnvironmentID).Scan(&id); err != nil {
			return mapErr("rotate signing key", "environment_not_found", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET retired_at = $1 WHERE environment_id = $2 AND retired_at IS NULL`,
			ts(at), k.EnvironmentID); err != nil {
			return mapErr("rotate signing key", "", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO signing_keys (id, environment_id, algorithm, public_pem, private_sealed, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, k.EnvironmentID, k.Algorithm, k.PublicPEM, k.PrivateSealed, ts(k.CreatedAt))
		return mapErr("rotate signing key", "environment_not_found", err)
	})
}
