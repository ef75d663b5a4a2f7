package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// decodeClaims decodes a verified payload and insists on the claims every
// session token carries, so later checks never compare against blanks.
func decodeClaims(payload []byte) (*Claims, error) {
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrMalformed, err)
	}
	switch {
	case c.Exp == 0:
		return nil, fmt.Errorf("%w: no exp claim", ErrMalformed)
	case c.Sub == "":
		return nil, fmt.Errorf("%w: no sub claim", ErrMalformed)
	case c.Sid == "":
		return nil, fmt.Errorf("%w: no sid claim", ErrMalformed)
	}
	c.payload = payload
	return &c, nil
}

// checkClaims applies the configured policy to verified claims.
func (v *Verifier) checkClaims(ctx context.Context, c *Claims, headerKid string) error {
	if c.Kid != headerKid {
		// The payload kid is signed; the header kid only picked the key.
		// They must agree or the token was assembled from parts.
		return fmt.Errorf("%w: kid claim %q does not match header kid %q", ErrMalformed, c.Kid, headerKid)
	}
	if err := v.checkTimes(c); err != nil {
		return err
	}
	if c.EnvironmentID != v.cfg.EnvironmentID {
		return fmt.Errorf("%w: token is for %q", ErrWrongEnvironment, c.EnvironmentID)
	}
	if v.cfg.Issuer != "" && c.Iss != v.cfg.Issuer && !slices.Contains(v.cfg.OtherIssuers, c.Iss) {
		ok := false
		if v.cfg.AcceptIssuer != nil {
			var err error
			if ok, err = v.cfg.AcceptIssuer(ctx, c.Iss); err != nil {
				return fmt.Errorf("%w: issuer check for %q: %w", ErrUnavailable, c.Iss, err)
			}
		}
		if !ok {
			return fmt.Errorf("%w: %q", ErrWrongIssuer, c.Iss)
		}
	}
	if len(v.cfg.Audience) > 0 && !slices.Contains(v.cfg.Audience, c.Aud) {
		return fmt.Errorf("%w: %q", ErrWrongAudience, c.Aud)
	}
	if !c.HasScope(v.cfg.RequireScope) {
		return fmt.Errorf("%w: want %q, have %q", ErrMissingScope, v.cfg.RequireScope, c.Scope)
	}
	if v.cfg.RequireMFA && !c.MFAComplete() {
		return fmt.Errorf("%w: amr %q", ErrMFARequired, c.AMR)
	}
	return nil
}

func (v *Verifier) checkTimes(c *Claims) error {
	now, leeway := v.cfg.Now(), v.cfg.Leeway
	if exp := time.Unix(c.Exp, 0); !now.Before(exp.Add(leeway)) {
		return fmt.Errorf("%w: at %s", ErrExpired, exp.UTC().Format(time.RFC3339))
	}
	if iat := time.Unix(c.Iat, 0); c.Iat != 0 && iat.After(now.Add(leeway)) {
		return fmt.Errorf("%w: issued at %s", ErrNotYetValid, iat.UTC().Format(time.RFC3339))
	}
	if nbf := time.Unix(c.NotBefore, 0); c.NotBefore != 0 && nbf.After(now.Add(leeway)) {
		return fmt.Errorf("%w: not before %s", ErrNotYetValid, nbf.UTC().Format(time.RFC3339))
	}
	return nil
}
