package signin

import "github.com/dynamicauth/dynamicauth/errs"

// ErrNonceUsed is what a Store reports when a nonce is not there to
// consume: never issued, expired, or consumed already.
var ErrNonceUsed = errs.Unprocessable("other_verify_failure", "nonce is invalid, expired or already used; request a new one", nil)
