package verifier

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// algorithms are the only ones accepted: what dynamicauth signs with.
// Never "none", never HS* (which would let a public key act as a secret).
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// minRSABits refuses keys too weak to trust, whatever the JWKS says.
const minRSABits = 2048

// selectKey picks the candidate that is meant for alg: the key's own alg
// (if published) must equal the header's, and the key's type must fit it,
// so a token cannot choose how its key is used.
func selectKey(kid, alg string, candidates []jose.JSONWebKey) (any, error) {
	for _, k := range candidates {
		if k.Algorithm != "" && k.Algorithm != alg {
			continue
		}
		if keyAlgorithm(k.Key) == alg {
			return k.Key, nil
		}
	}
	return nil, fmt.Errorf("%w: no key %q accepts alg %q", ErrInvalidSignature, kid, alg)
}

// keyAlgorithm is the one algorithm a public key may verify, or "" if the
// key is not usable.
func keyAlgorithm(key any) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() >= minRSABits {
			return string(jose.RS256)
		}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return string(jose.ES256)
		}
	case ed25519.PublicKey:
		return string(jose.EdDSA)
	}
	return ""
}
