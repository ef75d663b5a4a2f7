package dynamicauth

import (
	"context"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/signin"
)

// Device registration without HTTP (security.deviceRegistrationRequired;
// package devices). A returning user's sign-in from a device they have
// not registered yields a restricted session (scope device:register,
// refused where a full session is needed with devices.ErrPending) and an
// email with a one-time approval link carrying deviceRegistrationToken.
// Each method takes the end user's session token (the minifiedJwt).

// ApproveDevice follows an approval link: it registers the device the
// link was emailed for and returns the session's tokens without
// device:register (POST deviceRegistration). The session must be the one
// the link was sent for.
func (a *Auth) ApproveDevice(ctx context.Context, envID, sessionToken, approvalToken string) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, anySession)
	if err != nil {
		return nil, err
	}
	return a.signin.ApproveDevice(ctx, cur, approvalToken, "", "")
}

// RegisteredDevices lists the session's user's registered devices, the
// session's own marked Current (GET deviceRegistrations).
func (a *Auth) RegisteredDevices(ctx context.Context, envID, sessionToken string) ([]devices.Listed, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.devices.List(ctx, envID, cur.User.ID, cur.Session.DeviceRegistrationID)
}

// RevokeDevice deletes one of the user's registered devices and revokes
// its sessions; it reports whether it was the session's own (DELETE
// deviceRegistrations/{id}).
func (a *Auth) RevokeDevice(ctx context.Context, envID, sessionToken, deviceID string) (bool, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return false, err
	}
	return a.devices.Revoke(ctx, envID, cur.User.ID, deviceID, cur.Session.DeviceRegistrationID)
}

// RevokeAllDevices deletes all the user's registered devices and revokes
// all the user's sessions, this one included (DELETE deviceRegistrations).
func (a *Auth) RevokeAllDevices(ctx context.Context, envID, sessionToken string) error {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return err
	}
	return a.devices.RevokeAll(ctx, envID, cur.User.ID)
}
