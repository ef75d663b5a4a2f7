package wallets

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/mr-tron/base58"
)

// VerifySolana checks an ed25519 signature over the message's UTF-8
// bytes (what Solana wallets' signMessage signs) by the key that address
// (base58, 32 bytes) spells.
//
// The signature may be written three ways, told apart without guessing:
//   - "0x" and 128 hex digits;
//   - padded standard base64 (88 characters ending "=="): "=" is not a
//     base58 character, so this never collides with base58;
//   - otherwise base58 (what Solana tooling prints), which must decode to
//     exactly 64 bytes.
//
// Errors: errs.Unprocessable with CodeInvalidWalletAddress for a bad
// address, errs.Invalid for an unreadable signature, and
// CodeVerifyFailure for one that does not verify.
func VerifySolana(address, message, signature string) error {
	pub, err := decodeSolanaAddress(address)
	if err != nil {
		return invalidAddress("address: not a base58 Solana public key")
	}
	sig, err := decodeSolanaSignature(signature)
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, []byte(message), sig) {
		return badSignature()
	}
	return nil
}

func decodeSolanaSignature(s string) ([]byte, error) {
	var sig []byte
	var err error
	switch {
	case strings.HasPrefix(s, "0x"):
		sig, err = hex.DecodeString(s[2:])
	case strings.HasSuffix(s, "=="):
		sig, err = base64.StdEncoding.Strict().DecodeString(s)
	case len(s) > 90: // 64 bytes are at most 88 base58 digits
		return nil, errs.Invalid("signature: too long")
	default:
		sig, err = base58.Decode(s)
	}
	if err != nil {
		return nil, errs.Invalid("signature: not hex (0x), base64 or base58: %v", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, errs.Invalid("signature: want %d bytes, got %d", ed25519.SignatureSize, len(sig))
	}
	return sig, nil
}
