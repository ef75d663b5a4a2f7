package devices

import "github.com/dynamicauth/dynamicauth/errs"

// The refusals of device registration, as the API answers them.
var (
	// ErrApprovalInvalid: no such approval, or it was used, expired or is
	// another environment's. One answer for all, so a guesser learns
	// nothing.
	ErrApprovalInvalid = errs.Unprocessable("invalid_device_registration_token",
		"the device registration link is invalid, used or expired: sign in again for a new one", nil)
	// ErrApprovalOtherUser: the link was emailed for another user's sign-in.
	ErrApprovalOtherUser = errs.Forbidden("this device registration link belongs to another user's sign-in")
	// ErrApprovalOtherSession: the link approves the sign-in of another
	// session (another browser) of the same user.
	ErrApprovalOtherSession = errs.Forbidden("this device registration link approves another sign-in: open it in the browser you signed in with")
	// ErrMissingToken: no token in x-dynamic-device-registration-token.
	ErrMissingToken = errs.Invalid("missing device registration token: send it in the x-dynamic-device-registration-token header")
	// ErrDeviceNotFound: the user has no such registered device.
	ErrDeviceNotFound = errs.NotFound("device_registration_not_found", "no such registered device")
	// ErrPending refuses a session whose device still awaits approval
	// where a full session is needed.
	ErrPending = errs.Forbidden("this session's device is not registered yet: follow the link emailed to the user (its token has the device:register scope)")
)
