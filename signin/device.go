package signin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strings"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/errs"
)

// checkSessionPublicKey accepts an empty key or a compressed P-256 public
// key in hex (66 characters), the form Dynamic's SDKs send.
func checkSessionPublicKey(hexKey string) (string, error) {
	if hexKey == "" {
		return "", nil
	}
	if _, err := parseP256(hexKey); err != nil {
		return "", errs.Unprocessable("invalid_session_public_key", "sessionPublicKey: must be a compressed P-256 public key in hex", nil)
	}
	return strings.ToLower(hexKey), nil
}

// parseP256 reads a P-256 public key: compressed (33 bytes) or
// uncompressed (65 bytes), hex-encoded.
func parseP256(hexKey string) (*ecdsa.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(hexKey, "0x"))
	if err != nil {
		return nil, err
	}
	if len(b) == 33 {
		// ParseUncompressedPublicKey takes the 65-byte form only.
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b)
		if x == nil {
			return nil, errs.Invalid("not a P-256 public key")
		}
		b = make([]byte, 65)
		b[0] = 4
		x.FillBytes(b[1:33])
		y.FillBytes(b[33:])
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
	if err != nil {
		return nil, errs.Invalid("not a P-256 public key")
	}
	return pub, nil
}

// DeviceProof is the optional device signature Dynamic's JS SDK sends on
// sign-in requests: a nonce from this server, signed with the device's
// P-256 key (ECDSA over SHA-256 of the nonce text, raw r||s in hex).
type DeviceProof struct {
	Nonce     string
	PublicKey string
	Signature string
	// Cookie, instead of the three above, is the device cookie's secret:
	// in cookie mode the SDK sends no signature and the browser is known
	// by a cookie this server set (devices.NewCookieSecret).
	Cookie string
}

// CookieDeviceProof is the proof of a browser known by its device cookie.
func CookieDeviceProof(secret string) *DeviceProof { return &DeviceProof{Cookie: secret} }

// DeviceProofFromHeaders returns nil when no device header is present and
// an error when only some are.
func DeviceProofFromHeaders(nonce, publicKey, signature string) (*DeviceProof, error) {
	if nonce == "" && publicKey == "" && signature == "" {
		return nil, nil
	}
	if nonce == "" || publicKey == "" || signature == "" || len(nonce) > 128 || len(publicKey) > 200 || len(signature) > 200 {
		return nil, errs.Invalid("x-dynamic-device-nonce, x-dynamic-device-publickey and x-dynamic-device-signed-nonce go together")
	}
	return &DeviceProof{Nonce: nonce, PublicKey: publicKey, Signature: signature}, nil
}

// key is the device key the proof names, in one spelling (lower-case hex
// without 0x); "" without a proof. Only a verified proof's key counts.
func (d *DeviceProof) key() string {
	switch {
	case d == nil:
		return ""
	case d.Cookie != "":
		return devices.CookieKey(d.Cookie)
	}
	return strings.ToLower(strings.TrimPrefix(d.PublicKey, "0x"))
}

// Verify checks the device signature (the nonce itself is consumed with
// the sign-in, so it cannot be replayed).
func (d *DeviceProof) Verify() error {
	if d.Cookie != "" {
		return nil // a secret this server set: nothing to verify, no nonce
	}
	if d.Nonce == "" { // the nonce makes each proof single-use
		return errs.Unprocessable(codeVerifyFailure, "x-dynamic-device-nonce: a device proof signs a nonce issued here", nil)
	}
	pub, err := parseP256(d.PublicKey)
	if err != nil {
		return errs.Unprocessable(codeVerifyFailure, "x-dynamic-device-publickey: not a P-256 public key", nil)
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(d.Signature, "0x"))
	if err != nil || len(sig) != 64 {
		return errs.Unprocessable(codeVerifyFailure, "x-dynamic-device-signed-nonce: must be 64 bytes of r||s in hex", nil)
	}
	digest := sha256.Sum256([]byte(d.Nonce))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return errs.Unprocessable(codeVerifyFailure, "x-dynamic-device-signed-nonce: signature does not verify", nil)
	}
	return nil
}
