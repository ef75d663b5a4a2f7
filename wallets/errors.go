package wallets

import (
	"fmt"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Contract error codes (UnprocessableEntityErrorCode) the verifiers use.
const (
	CodeInvalidWalletAddress = "invalid_wallet_address"
	CodeVerifyFailure        = "other_verify_failure"
)

// invalidAddress is the error for an address that is not one at all.
func invalidAddress(format string, args ...any) error {
	return errs.Unprocessable(CodeInvalidWalletAddress, fmt.Sprintf(format, args...), nil)
}

// badSignature is the error for a well-formed signature that does not
// prove what it should: the one answer a forger gets, whatever the cause.
func badSignature() error {
	return errs.Unprocessable(CodeVerifyFailure, "signature does not match the wallet address and message", nil)
}
