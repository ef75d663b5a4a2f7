package dynamicauth

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/mfa"
)

// The second factors' changes, MFAChanged. Only what changes the factors
// a user has is reported: a factor passed (a TOTP code, a recovery code
// used) or an enrollment not confirmed yet changes none.

// mfaChanged reports the user's factors changed, with the user after it
// (their recovery codes' acknowledgement is on it).
func (n *notifier) mfaChanged(ctx context.Context, userID string) {
	c := Change{Kind: MFAChanged, UserID: userID}
	if u, err := n.Store.GetUser(ctx, userID); err == nil {
		c.EnvironmentID, c.User = u.EnvironmentID, u
	}
	n.notify(ctx, c)
}

// AcceptMFAStep reports a device's first accepted code, which confirms
// it; the device is read first to tell that from a code passed. Of two
// first codes racing, both may be reported.
func (n *notifier) AcceptMFAStep(ctx context.Context, userID, deviceID string, step int64, now time.Time) (bool, error) {
	before, _ := n.Store.GetMFADevice(ctx, userID, deviceID)
	ok, err := n.Store.AcceptMFAStep(ctx, userID, deviceID, step, now)
	if err == nil && ok && before != nil && !before.Verified() {
		n.mfaChanged(ctx, userID)
	}
	return ok, err
}

func (n *notifier) SetDefaultMFADevice(ctx context.Context, userID, id string, isDefault bool) error {
	if err := n.Store.SetDefaultMFADevice(ctx, userID, id, isDefault); err != nil {
		return err
	}
	n.mfaChanged(ctx, userID)
	return nil
}

// DeleteMFADevice reports a verified device deleted; an abandoned
// enrollment was never one of the user's factors.
func (n *notifier) DeleteMFADevice(ctx context.Context, userID, id string, now time.Time, proof *mfa.TokenUse) error {
	before, _ := n.Store.GetMFADevice(ctx, userID, id)
	if err := n.Store.DeleteMFADevice(ctx, userID, id, now, proof); err != nil {
		return err
	}
	if before != nil && before.Verified() {
		n.mfaChanged(ctx, userID)
	}
	return nil
}

func (n *notifier) ResetMFA(ctx context.Context, userID string, now time.Time) error {
	if err := n.Store.ResetMFA(ctx, userID, now); err != nil {
		return err
	}
	n.mfaChanged(ctx, userID)
	return nil
}

func (n *notifier) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, ack string, now time.Time) error {
	if err := n.Store.ReplaceRecoveryCodes(ctx, userID, hashes, ack, now); err != nil {
		return err
	}
	n.mfaChanged(ctx, userID)
	return nil
}

func (n *notifier) CreateRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, ack string, now time.Time) (bool, error) {
	created, err := n.Store.CreateRecoveryCodes(ctx, userID, hashes, ack, now)
	if err == nil && created {
		n.mfaChanged(ctx, userID)
	}
	return created, err
}

func (n *notifier) SetBackupCodeAck(ctx context.Context, userID, ack string) error {
	if err := n.Store.SetBackupCodeAck(ctx, userID, ack); err != nil {
		return err
	}
	n.mfaChanged(ctx, userID)
	return nil
}
