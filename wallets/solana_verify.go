package wallets

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"slices"
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
	if hasSmallOrder(pub) {
		return invalidAddress("address: a point of small order, which no private key has and any signature of S = 0 satisfies")
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

// fieldP is 2^255 - 19, edwards25519's field prime.
var fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))

// smallOrderY are the y coordinates of edwards25519's eight points of
// small order: 1 (the identity), p-1 (order 2), 0 (the two of order 4)
// and ±y8 (the four of order 8).
var smallOrderY = func() []*big.Int {
	y8, _ := new(big.Int).SetString("2707385501144840649318225287225658788936804267575313519463743609750303402022", 10)
	return []*big.Int{big.NewInt(0), big.NewInt(1), new(big.Int).Sub(fieldP, big.NewInt(1)), y8, new(big.Int).Sub(fieldP, y8)}
}()

// hasSmallOrder reports whether pub encodes a point of small order.
// crypto/ed25519 verifies cofactorless, so for such a key a signature
// with S = 0 and R among those points holds for any message (for the
// System Program's all-zero address among them): nobody holds the key,
// so nobody may sign in as it. The sign bit of x does not change the
// order, and encodings of y >= p (which the decoder accepts) name y - p.
func hasSmallOrder(pub ed25519.PublicKey) bool {
	le := bytes.Clone(pub)
	le[31] &= 0x7f
	slices.Reverse(le)
	y := new(big.Int).Mod(new(big.Int).SetBytes(le), fieldP)
	for _, s := range smallOrderY {
		if y.Cmp(s) == 0 {
			return true
		}
	}
	return false
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
