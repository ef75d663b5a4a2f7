package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/users"
)

// mfa.Store: TOTP devices, recovery codes, the wrong-code window and
// mfaTokens.

var _ mfa.Store = (*Store)(nil)

const deviceColumns = `id, environment_id, user_id, type, alias, secret, is_default, created_at, verified_at`

func scanDevice(r Row) (mfa.Device, error) {
	var d mfa.Device
	err := r.Scan(&d.ID, &d.EnvironmentID, &d.UserID, &d.Type, &d.Alias, &d.Secret, &d.Default, &d.CreatedAt,
		&d.VerifiedAt)
	return d, err
}

// InsertMFADevice implements mfa.Store.
func (s *Store) InsertMFADevice(ctx context.Context, d *mfa.Device, proof *mfa.TokenUse) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if proof != nil { // before the insert's refusals
			if err := s.spendProof(ctx, tx, proof); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM mfa_devices WHERE user_id = $1 AND type = $2 AND verified_at IS NULL`,
			d.UserID, d.Type); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO mfa_devices (`+deviceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			d.ID, d.EnvironmentID, d.UserID, d.Type, d.Alias, d.Secret, false, d.CreatedAt, d.VerifiedAt)
		return err
	})
	return s.fail("insert mfa device", users.ErrUserNotFound, err)
}

// GetMFADevice implements mfa.Store.
func (s *Store) GetMFADevice(ctx context.Context, userID, id string) (*mfa.Device, error) {
	return get(ctx, s, "get mfa device", mfa.ErrDeviceNotFound, scanDevice,
		`SELECT `+deviceColumns+` FROM mfa_devices WHERE user_id = $1 AND id = $2`, userID, id)
}

// ListMFADevices implements mfa.Store.
func (s *Store) ListMFADevices(ctx context.Context, userID string) ([]mfa.Device, error) {
	return nonNil(list(ctx, s, s.db.Reader(), "list mfa devices", scanDevice,
		`SELECT `+deviceColumns+` FROM mfa_devices WHERE user_id = $1 ORDER BY created_at, id`, userID))
}

// AcceptMFAStep implements mfa.Store: one statement takes the step only
// if it is later than the last accepted one, so two requests with the same
// code cannot both pass, on one server or on replicas. The first accepted
// code verifies the device: that statement matches unverified devices
// only, so of two racing first codes one records user.mfa.device.added
// (PostgreSQL re-checks the WHERE of the waiting UPDATE on the new row).
func (s *Store) AcceptMFAStep(ctx context.Context, userID, deviceID string, step int64, now time.Time) (bool, error) {
	var ok bool
	err := s.db.Write(ctx, func(tx Tx) error {
		var envID, typ string
		err := tx.QueryRow(ctx, `UPDATE mfa_devices SET last_step = $3,
				is_default = NOT EXISTS (SELECT 1 FROM mfa_devices o WHERE o.user_id = $1 AND o.is_default = $5),
				verified_at = $4
			WHERE user_id = $1 AND id = $2 AND verified_at IS NULL AND (last_step IS NULL OR last_step < $3)
			RETURNING environment_id, type`, userID, deviceID, step, now, true).Scan(&envID, &typ)
		if err == nil {
			ok = true
			return s.insertEvent(ctx, tx, envID, events.MFADeviceAdded, userID,
				map[string]string{"userId": userID, "mfaDeviceId": deviceID, "type": typ}, now)
		}
		if !s.noRows(err) {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE mfa_devices SET last_step = $3
			WHERE user_id = $1 AND id = $2 AND verified_at IS NOT NULL AND (last_step IS NULL OR last_step < $3)`,
			userID, deviceID, step)
		ok = n == 1
		return err
	})
	return ok, s.fail("accept totp step", nil, err)
}

// SetDefaultMFADevice implements mfa.Store.
func (s *Store) SetDefaultMFADevice(ctx context.Context, userID, id string, isDefault bool) error {
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		if isDefault {
			_, err = tx.Exec(ctx, `UPDATE mfa_devices SET is_default = (id = $2) WHERE user_id = $1`, userID, id)
		} else {
			_, err = tx.Exec(ctx, `UPDATE mfa_devices SET is_default = $3 WHERE user_id = $1 AND id = $2`, userID, id, false)
		}
		return err
	})
	return s.fail("set default mfa device", nil, err)
}

// DeleteMFADevice implements mfa.Store. Deleting a verified device
// records user.mfa.device.deleted (an abandoned enrollment was never
// added).
func (s *Store) DeleteMFADevice(ctx context.Context, userID, id string, now time.Time, proof *mfa.TokenUse) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if proof != nil { // before the delete's refusals
			if err := s.spendProof(ctx, tx, proof); err != nil {
				return err
			}
		}
		var envID, typ string
		var verified bool
		err := tx.QueryRow(ctx, `DELETE FROM mfa_devices WHERE user_id = $1 AND id = $2
			RETURNING environment_id, type, verified_at IS NOT NULL`, userID, id).Scan(&envID, &typ, &verified)
		if err != nil || !verified {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.MFADeviceDelete, userID,
			map[string]string{"userId": userID, "mfaDeviceId": id, "type": typ}, now)
	})
	return s.fail("delete mfa device", mfa.ErrDeviceNotFound, err)
}

// mfaTables hold a user's MFA state, keyed by user_id.
var mfaTables = []string{"mfa_devices", "mfa_recovery_codes", "mfa_attempts", "mfa_tokens"}

// resetMFASQL deletes a user's rows of table (of mfaTables).
func resetMFASQL(table string) string { return `DELETE FROM ` + table + ` WHERE user_id = $1` }

// ResetMFA implements mfa.Store.
func (s *Store) ResetMFA(ctx context.Context, userID string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		for _, table := range mfaTables {
			if err := tx.Defer(ctx, resetMFASQL(table), userID); err != nil {
				return err
			}
		}
		var envID string
		if err := tx.QueryRow(ctx, `UPDATE users SET mfa_backup_code_ack = '' WHERE id = $1 RETURNING environment_id`,
			userID).Scan(&envID); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.MFAReset, userID, map[string]string{"userId": userID}, now)
	})
	return s.fail("reset mfa", users.ErrUserNotFound, err)
}

// ReplaceRecoveryCodes implements mfa.Store.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, ack string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, `UPDATE users SET mfa_backup_code_ack = $2 WHERE id = $1`, userID, ack)
		if err != nil {
			return err
		}
		if n == 0 {
			return users.ErrUserNotFound
		}
		if err := tx.Defer(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return s.insertRecoveryCodes(ctx, tx, userID, hashes, now)
	})
	return s.fail("replace recovery codes", users.ErrUserNotFound, err)
}

// CreateRecoveryCodes implements mfa.Store. The user's row is locked
// first (lockUser), so that of two first sets the second sees the
// first's codes (a statement of PostgreSQL's READ COMMITTED reads what
// committed before it; SQLite has one writer).
func (s *Store) CreateRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, ack string, now time.Time) (bool, error) {
	created := false
	err := s.db.Write(ctx, func(tx Tx) error {
		created = false
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1)`, userID).Scan(&has); err != nil || has {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET mfa_backup_code_ack = $2 WHERE id = $1`, userID, ack); err != nil {
			return err
		}
		created = true
		return s.insertRecoveryCodes(ctx, tx, userID, hashes, now)
	})
	return created, s.fail("create recovery codes", users.ErrUserNotFound, err)
}

func (s *Store) insertRecoveryCodes(ctx context.Context, tx Tx, userID string, hashes [][]byte, now time.Time) error {
	for _, h := range hashes {
		if err := tx.Defer(ctx, `INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			userID, h, now); err != nil {
			return err
		}
	}
	return nil
}

// SetBackupCodeAck implements mfa.Store.
func (s *Store) SetBackupCodeAck(ctx context.Context, userID, ack string) error {
	n, err := s.db.Exec(ctx, `UPDATE users SET mfa_backup_code_ack = $2 WHERE id = $1`, userID, ack)
	return s.affected("set backup code acknowledgement", users.ErrUserNotFound, n, err)
}

// UseRecoveryCode implements mfa.Store.
func (s *Store) UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (bool, error) {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		n, err = tx.Exec(ctx, `UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
			userID, hash, now)
		return err
	})
	return n == 1, s.fail("use recovery code", nil, err)
}

// CountRecoveryCodes implements mfa.Store.
func (s *Store) CountRecoveryCodes(ctx context.Context, userID string) (total, unused int, err error) {
	err = s.db.Reader().QueryRow(ctx, `SELECT COUNT(*), COUNT(*) - COUNT(used_at) FROM mfa_recovery_codes WHERE user_id = $1`,
		userID).Scan(&total, &unused)
	return total, unused, s.fail("count recovery codes", nil, err)
}

// TakeMFAAttempt implements mfa.Store in one upsert: concurrent attempts
// each get their own count.
func (s *Store) TakeMFAAttempt(ctx context.Context, userID string, now time.Time, window time.Duration) (int, time.Time, error) {
	var n int
	var start time.Time
	err := s.db.Write(ctx, func(tx Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO mfa_attempts (user_id, attempts, window_start) VALUES ($1, 1, $2)
			ON CONFLICT (user_id) DO UPDATE SET
				attempts = CASE WHEN mfa_attempts.window_start <= $3 THEN 1 ELSE mfa_attempts.attempts + 1 END,
				window_start = CASE WHEN mfa_attempts.window_start <= $3 THEN $2 ELSE mfa_attempts.window_start END
			RETURNING attempts, window_start`, userID, now, now.Add(-window)).Scan(&n, &start)
	})
	return n, start, s.fail("take mfa attempt", users.ErrUserNotFound, err)
}

// ClearMFAAttempts implements mfa.Store.
func (s *Store) ClearMFAAttempts(ctx context.Context, userID string) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM mfa_attempts WHERE user_id = $1`, userID)
		return err
	})
	return s.fail("clear mfa attempts", nil, err)
}

// InsertMFAToken implements mfa.TokenStore.
func (s *Store) InsertMFAToken(ctx context.Context, t *mfa.Token) error {
	_, err := s.db.Exec(ctx, `INSERT INTO mfa_tokens (token_hash, user_id, session_id, single_use, scopes, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.Hash, t.UserID, t.SessionID, t.SingleUse, strings.Join(t.Scopes, " "), t.ExpiresAt)
	return s.fail("insert mfa token", users.ErrUserNotFound, err)
}

// DeleteExpiredMFATokens implements mfa.TokenStore.
func (s *Store) DeleteExpiredMFATokens(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM mfa_tokens WHERE expires_at <= $1`, before)
	return n, s.fail("delete expired mfa tokens", nil, err)
}

// UseMFAToken implements mfa.TokenStore: the token's row is read locked,
// handed to accept, and a single-use token it takes is deleted in the same
// transaction, so it serves once and only where accept lets it.
func (s *Store) UseMFAToken(ctx context.Context, userID string, hash []byte, now time.Time,
	accept func(*mfa.Token) bool) (*mfa.Token, error) {
	var t *mfa.Token
	err := s.db.Write(ctx, func(tx Tx) error {
		var err error
		t, err = s.useMFAToken(ctx, tx, userID, hash, now, accept)
		return err
	})
	if err != nil {
		return nil, s.fail("use mfa token", nil, err)
	}
	return t, nil
}

// spendProof spends u in tx, the transaction of the change it allows:
// mfa.ErrProofRefused when no token of its hashes serves.
func (s *Store) spendProof(ctx context.Context, tx Tx, u *mfa.TokenUse) error {
	for _, hash := range u.Hashes {
		t, err := s.useMFAToken(ctx, tx, u.UserID, hash, u.Now, u.Accept)
		if err != nil {
			return s.fail("use mfa token", nil, err)
		}
		if t != nil {
			return nil
		}
	}
	return mfa.ErrProofRefused
}

// useMFAToken is UseMFAToken in tx; nil for no token accept takes.
func (s *Store) useMFAToken(ctx context.Context, tx Tx, userID string, hash []byte, now time.Time,
	accept func(*mfa.Token) bool) (*mfa.Token, error) {
	t := &mfa.Token{Hash: hash, UserID: userID}
	var scopes string
	err := tx.QueryRow(ctx, `SELECT session_id, single_use, scopes, expires_at FROM mfa_tokens
		WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3`+s.d.ForUpdate, hash, userID, now).
		Scan(&t.SessionID, &t.SingleUse, &scopes, &t.ExpiresAt)
	if s.noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t.Scopes = strings.Fields(scopes)
	if accept != nil && !accept(t) {
		return nil, nil
	}
	if !t.SingleUse {
		return t, nil
	}
	n, err := tx.Exec(ctx, `DELETE FROM mfa_tokens WHERE token_hash = $1 AND user_id = $2`, hash, userID)
	if err != nil || n != 1 {
		return nil, err // n 0: spent by a concurrent use between the read and the delete
	}
	return t, nil
}
