package social

// An OpenID provider's signing keys (its JWKS endpoint), read to check an
// ID token: a failure to fetch them is the provider's, not the user's.

import (
	"context"
	"errors"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
)

// discovered is an OpenID provider as discovered, with the key set its ID
// tokens are checked against (cached and refreshed by go-oidc).
type discovered struct {
	*oidc.Provider
	keys    *oidc.RemoteKeySet
	jwksURL string
	algs    []string // the signing algorithms it announces that go-oidc checks
}

// signingAlgs are the algorithms go-oidc verifies, as its Provider keeps
// from the discovery document (it does not export its list).
var signingAlgs = map[string]bool{oidc.RS256: true, oidc.RS384: true, oidc.RS512: true, oidc.ES256: true,
	oidc.ES384: true, oidc.ES512: true, oidc.PS256: true, oidc.PS384: true, oidc.PS512: true, oidc.EdDSA: true}

// newDiscovered keeps p's key set; ctx configures (the client) its
// fetches, which outlive any one request.
func newDiscovered(ctx context.Context, p *oidc.Provider) (*discovered, error) {
	var doc struct {
		JWKSURL string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&doc); err != nil {
		return nil, fmt.Errorf("discovery document: %w", err)
	}
	d := &discovered{Provider: p, keys: oidc.NewRemoteKeySet(ctx, doc.JWKSURL), jwksURL: doc.JWKSURL}
	for _, a := range doc.Algs {
		if signingAlgs[a] {
			d.algs = append(d.algs, a)
		}
	}
	return d, nil
}

// verifier checks ID tokens issued to clientID; check.fetch tells, after
// a failed Verify, whether the keys could not be fetched.
func (d *discovered) verifier(issuer string, cfg oidc.Config) (*oidc.IDTokenVerifier, *keyCheck) {
	check := &keyCheck{keys: d.keys, jwksURL: d.jwksURL}
	cfg.SupportedSigningAlgs = d.algs
	return oidc.NewVerifier(issuer, check, &cfg), check
}

// keyCheck is one ID token's check against the provider's keys. It keeps
// a failed fetch of the keys aside: go-oidc's verifier quotes its key
// set's error as text only, so the caller could not tell it apart from a
// signature that does not verify.
type keyCheck struct {
	keys    oidc.KeySet
	jwksURL string
	fetch   error
}

func (k *keyCheck) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.keys.VerifySignature(ctx, jwt)
	// RemoteKeySet wraps (%w) only its failure to fetch the keys (down,
	// a timeout, a 5xx, an unreadable set); a signature no fetched key
	// verifies is a plain error. The request's own end (the client went
	// away) is nothing for the operator to act on.
	if cause := errors.Unwrap(err); cause != nil && ctx.Err() == nil {
		k.fetch = &Unavailable{Endpoint: "keys", Host: hostOf(k.jwksURL), Err: clipped(cause)}
	}
	return payload, err
}
