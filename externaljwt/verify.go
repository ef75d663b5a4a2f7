package externaljwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/internal/netguard"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// MaxSubjectBytes bounds sub, as OpenID Connect does (255 ASCII
// characters): it becomes the user's credential, an indexed column, and
// is in every session token of the user.
const MaxSubjectBytes = 255

// maxTokenBytes bounds a token before any parsing.
const maxTokenBytes = 16 << 10

// Deps configure a Verifier; zero values take the defaults.
type Deps struct {
	// HTTPClient fetches JWKS documents; nil means one with a 10 s timeout
	// that dials public addresses only (unless AllowPrivate), follows no
	// redirects and ignores proxies: an environment's admin chooses the
	// jwksUrl, and must not make the server reach this machine or its
	// network (cloud metadata, internal services) through it.
	HTTPClient *http.Client
	// AllowPrivate lets the default client reach jwksUrls on loopback,
	// private and link-local addresses (an auth system on this network).
	AllowPrivate bool
	Now          func() time.Time
	// KeyTTL is how long a fetched key set is trusted (default 1 h).
	KeyTTL time.Duration
	// MinRefresh is the floor between two fetches of one JWKS URL
	// (default 30 s), whatever kids tokens name.
	MinRefresh time.Duration
	// Leeway tolerates clock skew on exp, nbf and iat (default 30 s).
	Leeway time.Duration
	// MaxLifetime bounds how far ahead a token's exp may be (default
	// DefaultMaxLifetime).
	MaxLifetime time.Duration
}

// Verifier checks external JWTs against their environment's settings.
// It is safe for concurrent use and caches key sets across environments.
type Verifier struct {
	keys        *keyCache
	now         func() time.Time
	leeway      time.Duration
	maxLifetime time.Duration
}

// DefaultMaxLifetime is how far ahead an exp may be by default: a year,
// generous for the session-length tokens auth systems issue (Dynamic
// documents no bound), while a token good for decades, or an exp written
// in milliseconds, is refused.
const DefaultMaxLifetime = 365 * 24 * time.Hour

// New builds a Verifier.
func New(d Deps) *Verifier {
	if d.HTTPClient == nil {
		// The guarded client (netguard): the same rule for every URL an
		// environment's admin makes the server fetch.
		d.HTTPClient = netguard.NewClient(netguard.ClientOptions{Timeout: 10 * time.Second, AllowPrivate: d.AllowPrivate,
			KeepAlives: true})
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.KeyTTL <= 0 {
		d.KeyTTL = time.Hour
	}
	if d.MinRefresh <= 0 {
		d.MinRefresh = 30 * time.Second
	}
	if d.Leeway <= 0 {
		d.Leeway = 30 * time.Second
	}
	if d.MaxLifetime <= 0 {
		d.MaxLifetime = DefaultMaxLifetime
	}
	return &Verifier{now: d.Now, leeway: d.Leeway, maxLifetime: d.MaxLifetime,
		keys: &keyCache{client: d.HTTPClient, now: d.Now, ttl: d.KeyTTL, minRefresh: d.MinRefresh, sets: map[string]*keySet{}}}
}

// Identity is what a verified token vouches for.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string // lower-cased; empty if the token carries none
	EmailVerified bool
	Name          string
	GivenName     string
	FamilyName    string
	Username      string
	ExpiresAt     time.Time
	// AcceptedUntil is ExpiresAt plus the clock-skew leeway: Verify
	// accepts the token until then, so whatever must outlive every use
	// of it (an assertion's jti) is kept that long.
	AcceptedUntil time.Time
	// JTI and Scopes are an assertion's jti and scope claims (Dynamic's
	// newer externalAuth/verify: the token asks for an elevated access
	// token with those scopes, once).
	JTI    string
	Scopes []string
}

// Refusal is a token refused, with every reason found.
type Refusal struct{ Reasons []string }

func (r *Refusal) Error() string { return "external JWT refused: " + strings.Join(r.Reasons, "; ") }

// Result is the dry run's answer (ExternalJwtCheckResponse).
type Result struct {
	Valid  bool     `json:"valid"`
	Errors []string `json:"errors,omitempty"`
}

// Check runs every check of Verify and answers what failed, for an
// operator setting the feature up. Nothing is written.
func (v *Verifier) Check(ctx context.Context, cfg Config, raw string) Result {
	_, err := v.Verify(ctx, cfg, raw)
	if err == nil {
		return Result{Valid: true}
	}
	var r *Refusal
	if errors.As(err, &r) {
		return Result{Errors: r.Reasons}
	}
	return Result{Errors: []string{err.Error()}}
}

// Verify checks raw against cfg: an allowed asymmetric algorithm, a
// signature by a key of the JWKS, the issuer, the audience (when
// configured), sub, exp (at most MaxLifetime ahead), nbf and iat. A
// refused token yields a *Refusal.
func (v *Verifier) Verify(ctx context.Context, cfg Config, raw string) (*Identity, error) {
	refuse := func(format string, args ...any) error {
		return &Refusal{Reasons: []string{fmt.Sprintf(format, args...)}}
	}
	if err := cfg.Validate(); err != nil {
		return nil, refuse("settings: %v", err)
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, refuse("jwt: missing")
	}
	if len(raw) > maxTokenBytes {
		return nil, refuse("jwt: longer than %d bytes", maxTokenBytes)
	}
	if err := checkHeader(raw, cfg.algorithms()); err != nil {
		return nil, refuse("%v", err)
	}
	jws, err := jose.ParseSignedCompact(raw, jwsAlgorithms(cfg.algorithms()))
	if err != nil {
		return nil, refuse("jwt: not a compact JWS: %v", err)
	}
	hdr := jws.Signatures[0].Header
	key, err := v.keys.key(ctx, cfg.JWKSURL, hdr.KeyID, hdr.Algorithm)
	switch {
	case errors.Is(err, errUnknownKey):
		return nil, refuse("kid %q: no such key in the JWKS at %s, even after refreshing it", hdr.KeyID, shownURL(cfg.JWKSURL))
	case err != nil:
		return nil, refuse("jwks: %v", err)
	}
	if key.Algorithm != "" && key.Algorithm != hdr.Algorithm {
		return nil, refuse("alg %s: the key %q is for %s", hdr.Algorithm, hdr.KeyID, key.Algorithm)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, refuse("signature: does not verify with key %q", hdr.KeyID)
	}
	return v.checkClaims(cfg, payload)
}

// checkHeader refuses, before any key is looked up, what must never be
// verified: "none", symmetric algorithms (the JWKS holds public keys, so
// an HMAC "signed" with one proves nothing), and anything not allowed.
func checkHeader(raw string, allowed []string) error {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return errors.New("jwt: not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return errors.New("jwt: header is not base64url")
	}
	var h struct {
		Alg  string   `json:"alg"`
		Crit []string `json:"crit"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return errors.New("jwt: header is not JSON")
	}
	switch {
	case h.Alg == "" || strings.EqualFold(h.Alg, "none"):
		return errors.New("alg none: unsigned tokens are refused")
	case strings.HasPrefix(strings.ToUpper(h.Alg), "HS"):
		return fmt.Errorf("alg %s: symmetric algorithms are refused (the JWKS keys are public)", h.Alg)
	case !slices.Contains(allowed, h.Alg):
		return fmt.Errorf("alg %s: not among the allowed algorithms %s", h.Alg, strings.Join(allowed, ", "))
	case len(h.Crit) > 0:
		return fmt.Errorf("jwt: critical header parameters %v are not understood", h.Crit)
	}
	return nil
}

// checkTimes checks exp, nbf and iat, as go-jose's ValidateWithLeeway
// does (by hand, to name every reason), and bounds exp: a token good for
// years is a bearer credential for that long, and an exp or iat written
// in milliseconds (a common slip) is read as a date millennia away.
func (v *Verifier) checkTimes(c jwt.Claims, now time.Time) []string {
	var reasons []string
	switch {
	case c.Expiry == nil:
		reasons = append(reasons, "exp: missing")
	case !now.Before(c.Expiry.Time().Add(v.leeway)): // the instant AcceptedUntil is refused too
		reasons = append(reasons, fmt.Sprintf("exp: expired at %s", c.Expiry.Time().UTC().Format(time.RFC3339)))
	case c.Expiry.Time().After(now.Add(v.maxLifetime + v.leeway)):
		reasons = append(reasons, fmt.Sprintf("exp: more than %s away (%s)", days(v.maxLifetime), c.Expiry.Time().UTC().Format(time.RFC3339)))
	}
	if c.NotBefore != nil && now.Add(v.leeway).Before(c.NotBefore.Time()) {
		reasons = append(reasons, fmt.Sprintf("nbf: not valid before %s", c.NotBefore.Time().UTC().Format(time.RFC3339)))
	}
	if c.IssuedAt != nil && now.Add(v.leeway).Before(c.IssuedAt.Time()) {
		reasons = append(reasons, fmt.Sprintf("iat: issued in the future (%s)", c.IssuedAt.Time().UTC().Format(time.RFC3339)))
	}
	return reasons
}

// days shows a lifetime bound in days when it is whole days.
func days(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}

func jwsAlgorithms(names []string) []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(names))
	for i, n := range names {
		out[i] = jose.SignatureAlgorithm(n)
	}
	return out
}

type tokenClaims struct {
	jwt.Claims
	Email              string `json:"email"`
	EmailVerified      *bool  `json:"email_verified"`
	EmailVerifiedCamel *bool  `json:"emailVerified"`
	Name               string `json:"name"`
	GivenName          string `json:"given_name"`
	FamilyName         string `json:"family_name"`
	Username           string `json:"preferred_username"`
	Scope              string `json:"scope"`
}

func (v *Verifier) checkClaims(cfg Config, payload []byte) (*Identity, error) {
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, &Refusal{Reasons: []string{"claims: not a JSON object of JWT claims: " + err.Error()}}
	}
	now := v.now()
	var reasons []string
	if c.Issuer != cfg.Issuer {
		reasons = append(reasons, fmt.Sprintf("iss: %q is not the configured issuer %q", c.Issuer, cfg.Issuer))
	}
	if cfg.Audience != "" && !c.Audience.Contains(cfg.Audience) {
		reasons = append(reasons, fmt.Sprintf("aud: %q does not include the configured audience %q", []string(c.Audience), cfg.Audience))
	}
	switch {
	case strings.TrimSpace(c.Subject) == "":
		reasons = append(reasons, "sub: missing")
	case len(c.Subject) > MaxSubjectBytes:
		reasons = append(reasons, fmt.Sprintf("sub: longer than %d bytes", MaxSubjectBytes))
	}
	reasons = append(reasons, v.checkTimes(c.Claims, now)...)
	if len(reasons) > 0 {
		return nil, &Refusal{Reasons: reasons}
	}
	id := &Identity{Issuer: c.Issuer, Subject: c.Subject, Email: strings.ToLower(strings.TrimSpace(c.Email)),
		Name: c.Name, GivenName: c.GivenName, FamilyName: c.FamilyName, Username: c.Username, ExpiresAt: c.Expiry.Time(),
		AcceptedUntil: c.Expiry.Time().Add(v.leeway), JTI: c.ID, Scopes: strings.Fields(c.Scope)}
	verified := c.EmailVerified
	if verified == nil {
		verified = c.EmailVerifiedCamel
	}
	// assumeEmailVerified fills in a missing claim; an explicit false wins.
	id.EmailVerified = id.Email != "" && ((verified != nil && *verified) || (verified == nil && cfg.AssumeEmailVerified))
	return id, nil
}
