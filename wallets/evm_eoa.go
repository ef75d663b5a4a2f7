package wallets

import (
	"math/big"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// verifyEOA checks a 65-byte r||s||v secp256k1 signature over hash
// against addr.
//
// v may be 27/28 (what wallets return) or 0/1 (raw recovery id).
// High-s signatures are refused (go-ethereum's ValidateSignatureValues
// with homestead rules, as EIP-2 does for transactions and OpenZeppelin's
// ECDSA does for contracts): every mainstream wallet library normalises s,
// and a single valid form per key and message leaves no malleability for a
// caller that treats signatures as identifiers.
func verifyEOA(addr common.Address, hash common.Hash, sig []byte) error {
	if len(sig) != crypto.SignatureLength {
		return errs.Invalid("signature: want %d bytes, got %d", crypto.SignatureLength, len(sig))
	}
	rsv, err := normaliseRecoveryID(sig)
	if err != nil {
		return err
	}
	r, s := new(big.Int).SetBytes(rsv[:32]), new(big.Int).SetBytes(rsv[32:64])
	if !crypto.ValidateSignatureValues(rsv[64], r, s, true) {
		return errs.Invalid("signature: r or s out of range (s must be in the lower half of the curve order)")
	}
	pub, err := crypto.SigToPub(hash[:], rsv)
	if err != nil {
		return badSignature() // in range, yet no key recovers from it
	}
	if crypto.PubkeyToAddress(*pub) != addr {
		return badSignature()
	}
	return nil
}

// normaliseRecoveryID returns a copy of sig with v as 0 or 1, the form
// go-ethereum's recovery takes.
func normaliseRecoveryID(sig []byte) ([]byte, error) {
	out := append([]byte(nil), sig...)
	v := out[64]
	if v >= 27 {
		v -= 27
	}
	if v > 1 {
		return nil, errs.Invalid("signature: recovery id v must be 0, 1, 27 or 28, got %d", sig[64])
	}
	out[64] = v
	return out, nil
}
