package users

import "github.com/dynamicauth/dynamicauth/errs"

// The refusals every user store reports; the admin ones are in admin.go.
var (
	ErrUserNotFound = errs.NotFound("user_not_found", "user not found")
)
