package session

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/dynamicauth/dynamicauth/signing"
)

// compactSigner signs JWS compact serializations of one key. Its header
// ({"alg","kid","typ":"JWT"}, the members and order go-jose writes) is
// encoded once per key, and each token's payload once: go-jose's
// Sign+CompactSerialize marshals the header twice, parses it back and
// base64-encodes the payload twice per token. Tokens are still checked
// with go-jose (Verify).
type compactSigner struct {
	header string // base64url of the protected header, then "."
	key    crypto.Signer
	alg    string
}

func newCompactSigner(alg, kid string, key crypto.Signer) (*compactSigner, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg != signing.RS256 {
			return nil, fmt.Errorf("an RSA key cannot sign %s", alg)
		}
		k.Precompute()
	case *ecdsa.PrivateKey:
		if alg != signing.ES256 || k.Curve.Params().BitSize != 256 {
			return nil, fmt.Errorf("a %s ECDSA key cannot sign %s", k.Curve.Params().Name, alg)
		}
	case ed25519.PrivateKey:
		if alg != signing.EdDSA {
			return nil, fmt.Errorf("an Ed25519 key cannot sign %s", alg)
		}
	default:
		return nil, fmt.Errorf("unsupported key %T", key)
	}
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{alg, kid, "JWT"})
	if err != nil {
		return nil, err
	}
	return &compactSigner{header: base64.RawURLEncoding.EncodeToString(h) + ".", key: key, alg: alg}, nil
}

// sign returns header.payload.signature of payload (RFC 7515 §7.1).
func (s *compactSigner) sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	// One buffer holds the signing input and then the whole token.
	buf := make([]byte, 0, len(s.header)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(512))
	buf = append(buf, s.header...)
	buf = enc.AppendEncode(buf, payload)
	sig, err := s.signature(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	return string(enc.AppendEncode(buf, sig)), nil
}

func (s *compactSigner) signature(input []byte) ([]byte, error) {
	switch k := s.key.(type) {
	case *rsa.PrivateKey: // RS256: RSASSA-PKCS1-v1_5 over SHA-256
		h := sha256.Sum256(input)
		return rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	case *ecdsa.PrivateKey: // ES256: R and S, 32 bytes each (RFC 7518 §3.4)
		h := sha256.Sum256(input)
		r, sv, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			return nil, err
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		sv.FillBytes(out[32:])
		return out, nil
	case ed25519.PrivateKey:
		return ed25519.Sign(k, input), nil
	}
	return nil, fmt.Errorf("unsupported key %T", s.key)
}
