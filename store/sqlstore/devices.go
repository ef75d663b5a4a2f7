package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
)

// devices.Store: registered devices and their emailed approvals, and the
// device step of a sign-in's transaction.

var _ devices.Store = (*Store)(nil)

const deviceRegistrationColumns = `id, environment_id, user_id, public_key, user_agent, created_at`

var insertDeviceSQL = insertSQL("device_registrations", deviceRegistrationColumns)

var insertApprovalSQL = insertSQL("device_approvals",
	`token_hash, environment_id, user_id, session_id, public_key, user_agent, created_at, expires_at`)

func deviceFields(d *devices.Device) []any {
	return []any{&d.ID, &d.EnvironmentID, &d.UserID, &d.PublicKey, &d.UserAgent, &d.CreatedAt}
}

// checkDevice is the device step of a sign-in (signin.Write.Device), run
// once the user is known: a new user's device is registered, a returning
// user's is looked up and, unknown, leaves an approval to email.
func (s *Store) checkDevice(ctx context.Context, tx Tx, w *signin.Write, userID string, created bool) error {
	d := w.Device
	if created {
		if d.PublicKey == "" {
			return nil
		}
		d.DeviceID = d.NewID
		return s.registerDevice(ctx, tx, devices.Device{ID: d.NewID, EnvironmentID: w.EnvironmentID, UserID: userID,
			PublicKey: d.PublicKey, UserAgent: d.UserAgent, CreatedAt: w.Now})
	}
	var email, known string
	if err := tx.QueryRow(ctx, `SELECT u.email, COALESCE(d.id, '') FROM users u
		LEFT JOIN device_registrations d ON d.user_id = u.id AND d.public_key = $2 AND d.public_key <> ''
		WHERE u.id = $1`, userID, d.PublicKey).Scan(&email, &known); err != nil {
		return s.fail("find device", nil, err)
	}
	switch {
	case known != "":
		d.DeviceID = known
		return nil
	case email == "":
		return nil // no way to send the link: see devices.Check
	}
	d.Pending = true
	err := tx.Defer(ctx, insertApprovalSQL, d.Approval.TokenHash, w.EnvironmentID, userID, w.Session.ID, d.PublicKey,
		d.UserAgent, w.Now, d.Approval.ExpiresAt)
	return s.fail("store device approval", nil, err)
}

// registerDevice queues a device's row and its event.
func (s *Store) registerDevice(ctx context.Context, tx Tx, d devices.Device) error {
	if err := tx.Defer(ctx, insertDeviceSQL, values(deviceFields(&d))...); err != nil {
		return s.fail("register device", nil, err)
	}
	return s.insertEvent(ctx, tx, d.EnvironmentID, events.DeviceRegistered, d.UserID,
		map[string]string{"userId": d.UserID, "deviceRegistrationId": d.ID}, d.CreatedAt)
}

// ApproveDevice implements devices.Store. One UPDATE uses the approval up,
// so of two requests with the same token one wins; a refusal after it
// rolls the use back.
func (s *Store) ApproveDevice(ctx context.Context, a devices.Approve) (string, error) {
	var deviceID string
	err := s.db.Write(ctx, func(tx Tx) error {
		deviceID = ""
		var envID, userID, sessionID, key, agent string
		err := tx.QueryRow(ctx, `UPDATE device_approvals SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING environment_id, user_id, session_id, public_key, user_agent`, a.TokenHash, a.Now).
			Scan(&envID, &userID, &sessionID, &key, &agent)
		switch {
		case s.noRows(err) || (err == nil && envID != a.EnvironmentID):
			return devices.ErrApprovalInvalid
		case err != nil:
			return err
		case userID != a.UserID:
			return devices.ErrApprovalOtherUser
		case sessionID != a.SessionID:
			return devices.ErrApprovalOtherSession
		case key == "":
			return nil // the sign-in proved no device key: its session alone is approved
		}
		err = tx.QueryRow(ctx, `SELECT id FROM device_registrations WHERE user_id = $1 AND public_key = $2`,
			userID, key).Scan(&deviceID)
		if s.noRows(err) {
			deviceID = a.NewID
			err = s.registerDevice(ctx, tx, devices.Device{ID: a.NewID, EnvironmentID: envID, UserID: userID,
				PublicKey: key, UserAgent: agent, CreatedAt: a.Now})
		}
		if err != nil {
			return err
		}
		return tx.Defer(ctx, `UPDATE sessions SET device_registration_id = $1 WHERE id = $2`, deviceID, sessionID)
	})
	return deviceID, s.fail("approve device", nil, err)
}

// ListDevices implements devices.Store.
func (s *Store) ListDevices(ctx context.Context, envID, userID string) ([]devices.Device, error) {
	return nonNil(list(ctx, s, s.db.Reader(), "list devices", scanner(deviceFields),
		`SELECT `+deviceRegistrationColumns+` FROM device_registrations WHERE user_id = $1 AND environment_id = $2
		ORDER BY created_at, id`, userID, envID))
}

// RevokeDevice implements devices.Store.
func (s *Store) RevokeDevice(ctx context.Context, envID, userID, deviceID string, now time.Time) ([]string, error) {
	var revoked []string
	err := s.db.Write(ctx, func(tx Tx) error {
		revoked = nil
		n, err := tx.Exec(ctx, `DELETE FROM device_registrations WHERE id = $1 AND user_id = $2 AND environment_id = $3`,
			deviceID, userID, envID)
		if err != nil {
			return err
		}
		if n == 0 {
			return devices.ErrDeviceNotFound
		}
		if err := s.insertEvent(ctx, tx, envID, events.DeviceRevoked, userID,
			map[string]string{"userId": userID, "deviceRegistrationId": deviceID}, now); err != nil {
			return err
		}
		revoked, err = s.revokeSessions(ctx, tx, envID, userID, deviceID, now, events.SessionRevoked)
		return err
	})
	if err != nil {
		return nil, s.fail("revoke device", nil, err)
	}
	return revoked, nil
}

// RevokeAllDevices implements devices.Store.
func (s *Store) RevokeAllDevices(ctx context.Context, envID, userID string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		ids, err := s.queryIDs(ctx, tx, `DELETE FROM device_registrations WHERE user_id = $1 AND environment_id = $2
			RETURNING id`, userID, envID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.insertEvent(ctx, tx, envID, events.DeviceRevoked, userID,
				map[string]string{"userId": userID, "deviceRegistrationId": id}, now); err != nil {
				return err
			}
		}
		_, err = s.revokeSessions(ctx, tx, envID, userID, "", now, events.SessionRevoked)
		return err
	})
	return s.fail("revoke devices", nil, err)
}

// DeleteExpiredApprovals implements devices.Store.
func (s *Store) DeleteExpiredApprovals(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		n, err = tx.Exec(ctx, `DELETE FROM device_approvals WHERE expires_at < $1`, before)
		return err
	})
	return n, s.fail("delete expired device approvals", nil, err)
}
