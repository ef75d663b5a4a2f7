package verifier

import "errors"

// Sentinel errors. Verify wraps one of them with detail, so callers branch
// with errors.Is and log the full message.
var (
	// ErrMalformed: the token is not a compact JWS with an accepted
	// algorithm, or its claims are missing or not what a session token holds.
	ErrMalformed = errors.New("verifier: malformed token")
	// ErrInvalidSignature: the signature does not verify, or the key the
	// token names does not accept the token's algorithm.
	ErrInvalidSignature = errors.New("verifier: invalid signature")
	// ErrUnknownKey: no published key has the token's kid, even after a
	// refresh (or a refresh was refused by the rate limit).
	ErrUnknownKey = errors.New("verifier: unknown signing key")
	// ErrExpired: exp (plus leeway) has passed.
	ErrExpired = errors.New("verifier: token expired")
	// ErrNotYetValid: iat or nbf lies further in the future than the leeway.
	ErrNotYetValid = errors.New("verifier: token not yet valid")
	// ErrWrongEnvironment: environment_id is not the configured environment.
	ErrWrongEnvironment = errors.New("verifier: wrong environment")
	// ErrWrongAudience: aud is not in the configured allow-list.
	ErrWrongAudience = errors.New("verifier: wrong audience")
	// ErrWrongIssuer: iss is not the configured issuer.
	ErrWrongIssuer = errors.New("verifier: wrong issuer")
	// ErrMissingScope: scope lacks the required scope (by default
	// "user:basic", which is absent e.g. while MFA is pending).
	ErrMissingScope = errors.New("verifier: missing required scope")
	// ErrMFARequired: Config.RequireMFA is set and the session did not pass
	// a second factor.
	ErrMFARequired = errors.New("verifier: second factor required")
	// ErrRevoked: the revocation checker says the session was revoked.
	ErrRevoked = errors.New("verifier: session revoked")
	// ErrUnavailable: the keys or the revocation status could not be
	// fetched. The token may be fine; the caller should answer 503, not 401,
	// so clients do not sign users out over an outage.
	ErrUnavailable = errors.New("verifier: dependency unavailable")
)
