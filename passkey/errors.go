package passkey

import "github.com/dynamicauth/dynamicauth/errs"

// The refusals a Store reports.
var (
	// ErrNotFound: the user (or environment) has no such passkey.
	ErrNotFound = errs.NotFound(CodeNotFound, "no such passkey")
	// ErrChallengeNotFound: the challenge is unknown, answered already or
	// expired.
	ErrChallengeNotFound = errs.NotFound("passkey_challenge_not_found", "passkey challenge not found")
	// ErrTooMany: the user has the most passkeys allowed.
	ErrTooMany = errs.Unprocessable(CodeMaxPasskeys, "this user has the most passkeys allowed; delete one first", nil)
)
