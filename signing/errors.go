package signing

import "github.com/dynamicauth/dynamicauth/errs"

// ErrKeyNotFound is what a Store reports for a key it does not have.
var ErrKeyNotFound = errs.NotFound("signing_key_not_found", "signing key not found")
