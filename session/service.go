package session

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-jose/go-jose/v4"
)

// Service issues and checks session JWTs.
type Service struct {
	store        Store
	keys         *signing.Service
	now          func() time.Time
	refreshLimit time.Duration
	omitFullJWT  bool

	signers sync.Map // key id -> jose.Signer; keys never change once made
}

// Config tunes sessions.
type Config struct {
	// RefreshLimit is how long after sign-in a session may still be
	// refreshed (the refreshExp claim). Default 30 days.
	RefreshLimit time.Duration
	// OmitFullJWT leaves the full `jwt` out of sign-in responses and issues
	// only the `minifiedJwt` that Dynamic's SDKs send as the bearer: one
	// signature per sign-in instead of two, for apps that never read the
	// full token (with RS256 that doubles sign-in throughput).
	OmitFullJWT bool
}

// NewService builds the service.
func NewService(store Store, keys *signing.Service, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.RefreshLimit <= 0 {
		cfg.RefreshLimit = 30 * 24 * time.Hour
	}
	return &Service{store: store, keys: keys, now: now, refreshLimit: cfg.RefreshLimit, omitFullJWT: cfg.OmitFullJWT}
}

// New describes a new session (not yet stored: the sign-in transaction
// writes it together with the user).
func (s *Service) New(envID, userID, signinCredentialID, sessionPublicKey, ip, userAgent string, lifetime time.Duration) *Session {
	now := s.now().UTC().Truncate(time.Millisecond)
	refreshExp := now.Add(s.refreshLimit)
	exp := now.Add(lifetime)
	if exp.After(refreshExp) {
		exp = refreshExp
	}
	return &Session{ID: ids.New(), EnvironmentID: envID, UserID: userID, SigninCredentialID: signinCredentialID,
		SessionPublicKey: sessionPublicKey, IPAddress: ip, UserAgent: userAgent, CreatedAt: now, ExpiresAt: exp,
		RefreshExpiresAt: refreshExp}
}

// Tokens are what a sign-in returns.
type Tokens struct {
	JWT         string
	MinifiedJWT string
	ExpiresAt   int64
}

// Issue signs both tokens for a user's full session. Each claim set is
// marshalled once and signed once.
func (s *Service) Issue(ctx context.Context, p *users.Profile, sess *Session, iss, aud string, newUser bool) (*Tokens, error) {
	return s.IssueAuth(ctx, p, sess, iss, aud, newUser, Auth{})
}

// IssueAuth signs both tokens for a user's session authenticated as a
// says: an MFA-pending one carries requiresAdditionalAuth instead of
// user:basic.
func (s *Service) IssueAuth(ctx context.Context, p *users.Profile, sess *Session, iss, aud string, newUser bool, a Auth) (*Tokens, error) {
	key, err := s.keys.Active(ctx, sess.EnvironmentID)
	if err != nil {
		return nil, err
	}
	signer, err := s.signer(key)
	if err != nil {
		return nil, err
	}
	full, mini := claimsFor(key.ID, iss, aud, p, sess, s.now(), newUser, a)
	var jwt string
	if !s.omitFullJWT {
		if jwt, err = sign(signer, full, a.Claims); err != nil {
			return nil, err
		}
	}
	minified, err := sign(signer, mini, a.Claims)
	if err != nil {
		return nil, err
	}
	return &Tokens{JWT: jwt, MinifiedJWT: minified, ExpiresAt: sess.ExpiresAt.Unix()}, nil
}

// sign marshals claims, adds the members of the JSON object custom (if
// any) and signs the result.
func sign(signer jose.Signer, claims any, custom json.RawMessage) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", errs.Internal("marshal claims", err)
	}
	if len(custom) > 2 { // not "{}": both end in '}', claims is never empty
		payload = append(append(payload[:len(payload)-1], ','), custom[1:]...)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", errs.Internal("sign jwt", err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		return "", errs.Internal("serialize jwt", err)
	}
	return out, nil
}

func (s *Service) signer(k *signing.Key) (jose.Signer, error) {
	if sg, ok := s.signers.Load(k.ID); ok {
		return sg.(jose.Signer), nil
	}
	priv, err := s.keys.Signer(k)
	if err != nil {
		return nil, err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.ID)
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: priv}, opts)
	if err != nil {
		return nil, errs.Internal("jwt signer", err)
	}
	s.signers.Store(k.ID, sg)
	return sg, nil
}

var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// errInvalidToken is the one answer to every bad token, so a caller learns
// nothing about why.
var errInvalidToken = errs.Unauthorized("invalid or expired session token")

// Verify checks a token's signature against the environment's keys and
// its expiry, and returns its claims. It does not consult revocations;
// Authenticate does.
func (s *Service) Verify(ctx context.Context, envID, token string) (*Minified, error) {
	if len(token) > 64<<10 {
		return nil, errInvalidToken
	}
	jws, err := jose.ParseSignedCompact(token, algorithms)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errInvalidToken
	}
	hdr := jws.Signatures[0].Header
	key, err := s.keys.PublicKey(ctx, hdr.KeyID)
	if err != nil {
		// a kid no store can hold (U+0000: invalid input) names no key
		// either: the caller sent a bad token, not a bad request
		if errs.Is(err, errs.KindNotFound) || errs.Is(err, errs.KindInvalid) {
			return nil, errInvalidToken
		}
		return nil, err
	}
	if key.EnvironmentID != envID || string(key.Algorithm) != hdr.Algorithm {
		return nil, errInvalidToken
	}
	payload, err := jws.Verify(key.Public)
	if err != nil {
		return nil, errInvalidToken
	}
	var c Minified
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, errInvalidToken
	}
	if c.EnvironmentID != envID || c.Kid != hdr.KeyID || !s.now().Before(time.Unix(c.Exp, 0)) {
		return nil, errInvalidToken
	}
	return &c, nil
}

// Authenticate verifies a bearer token and that its session is live (not
// revoked, not expired), so a revoked session is refused at once.
func (s *Service) Authenticate(ctx context.Context, envID, token string) (*Minified, *Session, error) {
	c, err := s.Verify(ctx, envID, token)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.store.GetSession(ctx, c.Sid)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return nil, nil, errInvalidToken
		}
		return nil, nil, err
	}
	if sess.UserID != c.Sub || sess.EnvironmentID != envID || !sess.Active(s.now()) {
		return nil, nil, errInvalidToken
	}
	return c, sess, nil
}

// Refresh extends a live session by lifetime, never past its refresh limit.
func (s *Service) Refresh(ctx context.Context, sess *Session, lifetime time.Duration) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	if !now.Before(sess.RefreshExpiresAt) {
		return errs.Unauthorized("session can no longer be refreshed; sign in again")
	}
	exp := now.Add(lifetime)
	if exp.After(sess.RefreshExpiresAt) {
		exp = sess.RefreshExpiresAt
	}
	if err := s.store.ExtendSession(ctx, sess.ID, exp, now); err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return errInvalidToken
		}
		return err
	}
	sess.ExpiresAt = exp
	return nil
}

// Revoke ends a session at once.
func (s *Service) Revoke(ctx context.Context, sid, event string) error {
	return s.store.RevokeSession(ctx, sid, s.now().UTC().Truncate(time.Millisecond), event)
}

// Lifetime reads ProjectSettings.security.jwtDuration (at least a
// minute, at most 30 days; default 2 hours). A shorter session would be
// born as good as expired, its first call refused.
func Lifetime(settings []byte) time.Duration {
	var st struct {
		Security struct {
			JWTDuration *struct {
				Amount float64 `json:"amount"`
				Unit   string  `json:"unit"`
			} `json:"jwtDuration"`
		} `json:"security"`
	}
	const def, least, most = 2 * time.Hour, time.Minute, 30 * 24 * time.Hour
	if json.Unmarshal(settings, &st) != nil || st.Security.JWTDuration == nil || st.Security.JWTDuration.Amount <= 0 {
		return def
	}
	unit := map[string]time.Duration{"minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}[st.Security.JWTDuration.Unit]
	if unit == 0 {
		return def
	}
	// compared as a float: a huge amount (a million days for "never")
	// overflows a Duration, which Go turns into a negative lifetime
	ns := st.Security.JWTDuration.Amount * float64(unit)
	return time.Duration(min(max(ns, float64(least)), float64(most)))
}

// Issuer is the iss claim: "<host>/<environmentId>", as Dynamic's
// app.dynamic.xyz/<environmentId>.
func Issuer(host, envID string) string {
	return strings.TrimSuffix(host, "/") + "/" + envID
}
