package wallets

import (
	"crypto/ed25519"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/mr-tron/base58"
)

// ParseSIWS parses the Solana form of the sign-in message ("... wants you
// to sign in with your Solana account:", a base58 address), with the same
// fields, order, and limits as ParseSIWE. The Chain ID is optional and may
// be any token (Dynamic writes "mainnet"; others a cluster id or a CAIP-2
// name).
func ParseSIWS(text string) (*Message, error) {
	return parseMessage(text, solanaDialect())
}

func solanaDialect() dialect {
	return dialect{account: "Solana", checkAddress: checkMessageSolanaAddress, checkChainID: checkSolanaChainID,
		chainIDOptional: true}
}

func checkMessageSolanaAddress(a string) error {
	if _, err := decodeSolanaAddress(a); err != nil {
		return errs.Invalid("message: address line must be a base58 Solana public key")
	}
	return nil
}

// decodeSolanaAddress returns the 32-byte ed25519 public key a Solana
// address spells in base58.
func decodeSolanaAddress(a string) (ed25519.PublicKey, error) {
	// 44 characters is the most 32 bytes take; the bound also keeps the
	// quadratic base58 decoder away from long input.
	if len(a) > 44 {
		return nil, errs.Invalid("address: too long")
	}
	key, err := base58.Decode(a)
	if err != nil {
		return nil, err
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, errs.Invalid("address: want %d bytes, got %d", ed25519.PublicKeySize, len(key))
	}
	return ed25519.PublicKey(key), nil
}

func checkSolanaChainID(v string) error {
	if v == "" || strings.ContainsRune(v, ' ') {
		return errs.Invalid("message: Chain ID must be one token, got %s", quote(v))
	}
	return nil
}
