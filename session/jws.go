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
)

// compactSigner writes a JWS in compact serialization with one signature,
// the shape go-jose gives ({"alg","kid","typ":"JWT"} protected header),
// straight into one buffer. go-jose marshalled and base64-encoded the same
// constant header at every token, copied the payload into new strings
// twice and built the compact form from them: at two tokens a sign-in that
// was about a tenth of the server's CPU outside the RSA arithmetic
// (perf/signin profile). Tokens are still parsed and verified with
// go-jose; for RS256 and EdDSA, whose signatures are deterministic, a
// token is byte for byte what go-jose wrote (TestCompactSignerMatchesJose).
type compactSigner struct {
	alg    string
	prefix string // base64url(protected header) + "."
	key    crypto.Signer
	sigLen int // bytes of a signature
}

func newCompactSigner(alg, kid string, key crypto.Signer) (*compactSigner, error) {
	c := &compactSigner{alg: alg, key: key}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		c.sigLen = k.Size()
		if alg != "RS256" {
			return nil, fmt.Errorf("jwt signer: %s with an RSA key", alg)
		}
	case *ecdsa.PrivateKey:
		c.sigLen = 2 * ((k.Curve.Params().BitSize + 7) / 8)
		if alg != "ES256" || k.Curve.Params().BitSize != 256 {
			return nil, fmt.Errorf("jwt signer: %s with a %d-bit EC key", alg, k.Curve.Params().BitSize)
		}
	case ed25519.PrivateKey:
		c.sigLen = ed25519.SignatureSize
		if alg != "EdDSA" {
			return nil, fmt.Errorf("jwt signer: %s with an Ed25519 key", alg)
		}
	default:
		return nil, fmt.Errorf("jwt signer: unsupported key %T", key)
	}
	// Members in go-jose's order (sorted): the same header bytes as before.
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{alg, kid, "JWT"})
	if err != nil {
		return nil, err
	}
	c.prefix = base64.RawURLEncoding.EncodeToString(hdr) + "."
	return c, nil
}

// sign returns the compact JWS of payload.
func (c *compactSigner) sign(payload []byte) (string, error) {
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(c.prefix)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(c.sigLen))
	buf = append(buf, c.prefix...)
	buf = enc.AppendEncode(buf, payload)
	sig, err := c.signature(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), nil
}

// signature signs the JWS signing input (header.payload, base64url).
func (c *compactSigner) signature(input []byte) ([]byte, error) {
	switch k := c.key.(type) {
	case *rsa.PrivateKey:
		h := sha256.Sum256(input)
		return rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	case *ecdsa.PrivateKey:
		h := sha256.Sum256(input)
		r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			return nil, err
		}
		// JWS wants r and s as fixed-size big-endian halves, not ASN.1.
		sig := make([]byte, c.sigLen)
		r.FillBytes(sig[:c.sigLen/2])
		s.FillBytes(sig[c.sigLen/2:])
		return sig, nil
	case ed25519.PrivateKey:
		return ed25519.Sign(k, input), nil
	}
	return nil, fmt.Errorf("jwt signer: unsupported key %T", c.key)
}
