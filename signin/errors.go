package signin

import "github.com/dynamicauth/dynamicauth/errs"

// ErrNonceUsed is what a Store reports when a nonce is not there to
// consume: never issued, expired, or consumed already.
var ErrNonceUsed = errs.Unprocessable("other_verify_failure", "nonce is invalid, expired or already used; request a new one", nil)

// ErrCredentialNotFound is what a Store reports when a sign-in that may
// not create a user (Write.SignInOnly: a passkey) names no credential.
var ErrCredentialNotFound = errs.NotFound("credential_not_found", "no such credential")

// ErrEmailOnOtherAccount is what a Store reports when a first sign-in
// would create a user with an email another user of the environment has
// in their profile (without it as a credential to sign in with).
var ErrEmailOnOtherAccount = errs.Unprocessable("user_has_already_account_with_email",
	"another account of this environment has this email; sign in to it another way and verify the email there", nil)

// ErrMergeInvalid refuses a merge whose pending state or proof no longer
// holds; msg says which.
func ErrMergeInvalid(msg string) error { return errs.Unprocessable(CodeMergeInvalid, msg, nil) }

// ErrNoPendingMerge is what MergeStore.MergeUsers reports when the caller
// has no live pending merge.
var ErrNoPendingMerge = ErrMergeInvalid("this account has no pending merge, or it expired: link the other account's wallet again")

// ErrAssertionUsed refuses an external-JWT assertion whose jti was used
// before.
var ErrAssertionUsed = errs.Unprocessable(CodeInvalidExternalAuth, "jti: this assertion was used before", nil)
