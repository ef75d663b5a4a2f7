package session

import "github.com/dynamicauth/dynamicauth/errs"

// ErrNotFound is what a Store reports for a session it does not have (or
// one it will not extend: revoked, or past its refresh deadline).
var ErrNotFound = errs.NotFound("session_not_found", "session not found")
