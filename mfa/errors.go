package mfa

import "github.com/dynamicauth/dynamicauth/errs"

// ErrDeviceNotFound is what a Store reports for a device the user does
// not have.
var ErrDeviceNotFound = errs.NotFound(CodeDeviceNotFound, "no such MFA device")
