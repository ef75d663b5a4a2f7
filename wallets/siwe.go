package wallets

import (
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum/common"
)

// ParseSIWE parses an EIP-4361 "Sign-In with Ethereum" message strictly:
// the exact line structure and field order of the standard, Version 1, a
// decimal Chain ID, a nonce of at least 8 letters or digits, RFC 3339
// times, and the size limits above. Errors are errs.Invalid and say which
// line is wrong. It never panics, whatever the input.
func ParseSIWE(text string) (*Message, error) {
	return parseMessage(text, ethereumDialect())
}

func ethereumDialect() dialect {
	return dialect{account: "Ethereum", checkAddress: checkMessageEVMAddress, checkChainID: checkEVMChainID}
}

// checkMessageEVMAddress wants "0x" and 40 hex digits. EIP-4361 asks for
// the EIP-55 checksum form; an all-lowercase address (which carries no
// checksum) is accepted too, but mixed case must be a correct checksum,
// since a wrong one is the typo EIP-55 exists to catch.
func checkMessageEVMAddress(a string) error {
	if !isEVMAddress(a) {
		return errs.Invalid("message: address line must be 0x and 40 hex digits")
	}
	if a != strings.ToLower(a) && a != common.HexToAddress(a).Hex() {
		return errs.Invalid("message: address %s fails its EIP-55 checksum", a)
	}
	return nil
}

// isEVMAddress reports "0x" followed by exactly 40 hex digits, any case.
func isEVMAddress(a string) bool {
	hexPart, ok := strings.CutPrefix(a, "0x")
	if !ok || len(hexPart) != 2*common.AddressLength {
		return false
	}
	for i := 0; i < len(hexPart); i++ {
		if !isHex(hexPart[i]) {
			return false
		}
	}
	return true
}

// checkEVMChainID wants a decimal number. Leading zeros are refused
// (EIP-4361's grammar allows them) so that chain ids compare as strings.
func checkEVMChainID(v string) error {
	if v == "" || !onlyFrom(v, digits) || (len(v) > 1 && v[0] == '0') {
		return errs.Invalid("message: Chain ID must be a decimal number, got %s", quote(v))
	}
	return nil
}
