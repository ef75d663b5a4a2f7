package verifier

import (
	"context"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// maxTokenBytes bounds the work an attacker can make one request cost.
const maxTokenBytes = 64 << 10

// Verifier checks session JWTs for one environment.
type Verifier struct {
	cfg  Config
	keys *keyCache
}

// New validates cfg and builds a Verifier. Keys are fetched lazily, on the
// first Verify.
func New(cfg Config) (*Verifier, error) {
	// An in-process source is a local read, not a remote endpoint to
	// spare: without a floor the caller chose, an unknown kid is looked up
	// at once every time (a burst still shares one lookup), so a key
	// rotated in twice in a minute is not refused.
	minForced := cfg.MinRefreshInterval
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	fetch := sourceFetch(cfg.Keys)
	if cfg.JWKSURL != "" {
		fetch = httpFetch(cfg.HTTPClient, cfg.JWKSURL)
		minForced = cfg.MinRefreshInterval
	}
	return &Verifier{cfg: cfg, keys: newKeyCache(fetch, cfg.Now, minForced, cfg.MinRefreshInterval, cfg.Logger)}, nil
}

// Verify checks token's signature and claims and returns the claims. The
// error wraps one of the package's sentinel errors.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	jws, kid, alg, err := parse(token)
	if err != nil {
		return nil, err
	}
	candidates, err := v.keys.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	key, err := selectKey(kid, alg, candidates)
	if err != nil {
		return nil, err
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(ctx, claims, kid); err != nil {
		return nil, err
	}
	if err := v.checkRevoked(ctx, claims.Sid); err != nil {
		return nil, err
	}
	return claims, nil
}

// parse accepts only a compact JWS with one signature, an accepted alg
// and a kid: the JSON serialization could carry an unprotected kid.
func parse(token string) (*jose.JSONWebSignature, string, string, error) {
	if token == "" || len(token) > maxTokenBytes {
		return nil, "", "", fmt.Errorf("%w: empty or oversized token", ErrMalformed)
	}
	jws, err := jose.ParseSignedCompact(token, algorithms)
	if err != nil {
		return nil, "", "", fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, "", "", fmt.Errorf("%w: want one signature, got %d", ErrMalformed, len(jws.Signatures))
	}
	hdr := jws.Signatures[0].Header
	if hdr.KeyID == "" {
		return nil, "", "", fmt.Errorf("%w: header has no kid", ErrMalformed)
	}
	return jws, hdr.KeyID, hdr.Algorithm, nil
}

func (v *Verifier) checkRevoked(ctx context.Context, sid string) error {
	if v.cfg.Revoked == nil {
		return nil
	}
	revoked, err := v.cfg.Revoked.Revoked(ctx, sid)
	if err != nil {
		return fmt.Errorf("%w: revocation check for session %q: %w", ErrUnavailable, sid, err)
	}
	if revoked {
		return fmt.Errorf("%w: session %q", ErrRevoked, sid)
	}
	return nil
}
