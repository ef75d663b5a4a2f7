package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// otp.Store: verifications of email and SMS codes.

var _ otp.Store = (*Store)(nil)

// CreateVerification implements otp.Store.
func (s *Store) CreateVerification(ctx context.Context, v *otp.Verification) error {
	return s.insertVerification(ctx, s.db, v)
}

// insertVerification stores a new verification through q (a transaction
// of a change it belongs to, or the database).
func (s *Store) insertVerification(ctx context.Context, q execer, v *otp.Verification) error {
	_, err := q.Exec(ctx, `INSERT INTO otp_verifications (id, environment_id, channel, address, code_hash, attempts,
		expires_at, created_at, session_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		v.ID, v.EnvironmentID, v.Channel, v.Address, v.CodeHash, 0, v.ExpiresAt, v.CreatedAt, v.Session)
	return s.fail("create verification", tenant.ErrEnvironmentNotFound, err)
}

// CheckVerificationCode implements otp.Store: one UPDATE counts the
// attempt and consumes the verification when the code matches (unless
// c.Keep: the caller's write consumes it, consumeVerification), and only
// while the verification is live and under its limit. Concurrent checks
// take turns on the row (PostgreSQL re-evaluates the WHERE of a waiting
// UPDATE on the row its predecessor wrote; SQLite has one writer), so the
// limit counts every check ever compared.
func (s *Store) CheckVerificationCode(ctx context.Context, c otp.Check) (otp.Outcome, *otp.Verification, error) {
	var out otp.Outcome
	var v *otp.Verification
	err := s.db.Write(ctx, func(tx Tx) error {
		out, v = otp.NotFound, nil
		got := otp.Verification{ID: c.ID, EnvironmentID: c.EnvironmentID, Channel: c.Channel}
		// Whether the code matched is read from the hash returned; with
		// Keep, the statement only counts.
		q, args := `UPDATE otp_verifications SET attempts = attempts + 1,
				consumed_at = CASE WHEN `+s.in("code_hash", 6)+` THEN $4 ELSE consumed_at END`,
			[]any{c.ID, c.EnvironmentID, c.Channel, c.Now, c.MaxAttempts, s.d.IDList(c.CodeHashes)}
		if c.Keep {
			q, args = `UPDATE otp_verifications SET attempts = attempts + 1`, args[:5]
		}
		err := tx.QueryRow(ctx, q+`
			WHERE id = $1 AND environment_id = $2 AND channel = $3 AND consumed_at IS NULL AND attempts < $5 AND expires_at > $4
			RETURNING address, code_hash, attempts, expires_at, created_at, consumed_at, session_id`,
			args...).Scan(&got.Address, &got.CodeHash, &got.Attempts, &got.ExpiresAt, &got.CreatedAt, &got.ConsumedAt, &got.Session)
		if err == nil {
			out = otp.WrongCode
			if slices.Contains(c.CodeHashes, got.CodeHash) {
				out, v = otp.Accepted, &got
			}
			return nil
		}
		if !s.noRows(err) {
			return err
		}
		out, err = s.whyNot(ctx, tx, c.EnvironmentID, c.ID, c.Channel, "", c.MaxAttempts, c.Now)
		return err
	})
	if err != nil {
		return otp.NotFound, nil, s.fail("check verification code", nil, err)
	}
	return out, v, nil
}

// ConsumeVerification implements otp.Store.
func (s *Store) ConsumeVerification(ctx context.Context, v *otp.Verification, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error { return s.consumeVerification(ctx, tx, v, now) })
	return s.fail("consume verification", nil, err)
}

// consumeVerification consumes v in tx, the transaction of the write its
// code proves, if no one did: of two writes racing with one right code,
// the second finds it consumed (PostgreSQL re-evaluates the WHERE once
// the first commits; SQLite has one writer) and is refused with
// otp.UsedError, in its savepoint only where SQLite groups sign-ins.
func (s *Store) consumeVerification(ctx context.Context, tx Tx, v *otp.Verification, now time.Time) error {
	n, err := tx.Exec(ctx, `UPDATE otp_verifications SET consumed_at = $1
		WHERE id = $2 AND environment_id = $3 AND channel = $4 AND consumed_at IS NULL`, now, v.ID, v.EnvironmentID, v.Channel)
	if err != nil {
		return s.fail("consume verification", nil, err)
	}
	if n == 0 {
		return otp.UsedError(v.Channel)
	}
	return nil
}

// ReadVerification implements otp.Store.
func (s *Store) ReadVerification(ctx context.Context, envID, channel, id string) (*otp.Verification, error) {
	v := otp.Verification{ID: id, EnvironmentID: envID, Channel: channel}
	err := s.db.Reader().QueryRow(ctx, `SELECT address, code_hash, attempts, expires_at, created_at, consumed_at, session_id
		FROM otp_verifications WHERE id = $1 AND environment_id = $2 AND channel = $3`, id, envID, channel).Scan(&v.Address,
		&v.CodeHash, &v.Attempts, &v.ExpiresAt, &v.CreatedAt, &v.ConsumedAt, &v.Session)
	if s.noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("read verification", nil, err)
	}
	return &v, nil
}

// ReplaceVerificationCode implements otp.Store.
func (s *Store) ReplaceVerificationCode(ctx context.Context, r otp.Replace) (otp.Outcome, error) {
	var out otp.Outcome
	err := s.db.Write(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, `UPDATE otp_verifications SET code_hash = $5, expires_at = $6
			WHERE id = $1 AND environment_id = $2 AND channel = $3 AND address = $4 AND consumed_at IS NULL AND attempts < $7`,
			r.ID, r.EnvironmentID, r.Channel, r.Address, r.CodeHash, r.ExpiresAt, r.MaxAttempts)
		if err != nil {
			return err
		}
		if n == 1 {
			out = otp.Accepted
			return nil
		}
		out, err = s.whyNot(ctx, tx, r.EnvironmentID, r.ID, r.Channel, r.Address, r.MaxAttempts, time.Time{})
		if out == otp.Expired {
			out = otp.NotFound // cannot be: an expired code is replaceable
		}
		return err
	})
	if err != nil {
		return otp.NotFound, s.fail("replace verification code", nil, err)
	}
	return out, nil
}

// whyNot reads why a verification was not checked or replaced. address ""
// matches any; a zero now does not test expiry.
func (s *Store) whyNot(ctx context.Context, tx Tx, envID, id, channel, address string, maxAttempts int, now time.Time) (otp.Outcome, error) {
	var addr string
	var attempts int
	var expires time.Time
	var consumed *time.Time
	err := tx.QueryRow(ctx, `SELECT address, attempts, expires_at, consumed_at FROM otp_verifications
		WHERE id = $1 AND environment_id = $2 AND channel = $3`, id, envID, channel).Scan(&addr, &attempts, &expires, &consumed)
	switch {
	case s.noRows(err):
		return otp.NotFound, nil
	case err != nil:
		return otp.NotFound, err
	case address != "" && addr != address:
		return otp.NotFound, nil
	case consumed != nil:
		return otp.Used, nil
	case attempts >= maxAttempts:
		return otp.Locked, nil
	case !now.IsZero() && !expires.After(now):
		return otp.Expired, nil
	}
	return otp.NotFound, nil
}

// DeleteExpiredVerifications implements otp.Store.
func (s *Store) DeleteExpiredVerifications(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM otp_verifications WHERE expires_at <= $1`, before)
	return n, s.fail("purge verifications", nil, err)
}
