package verifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/dynamicauth/dynamicauth/claims"
	"github.com/go-jose/go-jose/v4"
)

// KeySource supplies verification keys in process, instead of fetching a
// JWKS over HTTP (e.g. when the verifier runs inside the issuing server, or
// in tests).
type KeySource interface {
	Keys(ctx context.Context) (jose.JSONWebKeySet, error)
}

// KeySourceFunc adapts a function to KeySource.
type KeySourceFunc func(ctx context.Context) (jose.JSONWebKeySet, error)

// Keys calls f.
func (f KeySourceFunc) Keys(ctx context.Context) (jose.JSONWebKeySet, error) { return f(ctx) }

// StaticKeys is a KeySource that always returns set.
func StaticKeys(set jose.JSONWebKeySet) KeySource {
	return KeySourceFunc(func(context.Context) (jose.JSONWebKeySet, error) { return set, nil })
}

// RevocationChecker reports whether a session id has been revoked. Tokens
// stay valid until exp, so a backend that must honour sign-out at once
// asks the issuer (or a revocation feed) through one of these.
type RevocationChecker interface {
	Revoked(ctx context.Context, sid string) (bool, error)
}

// RevocationFunc adapts a function to RevocationChecker.
type RevocationFunc func(ctx context.Context, sid string) (bool, error)

// Revoked calls f.
func (f RevocationFunc) Revoked(ctx context.Context, sid string) (bool, error) { return f(ctx, sid) }

// Config configures a Verifier. Exactly one of JWKSURL and Keys must be set.
type Config struct {
	// JWKSURL is the environment's key set, e.g.
	// https://auth.example.com/api/v0/sdk/<env>/.well-known/jwks.
	JWKSURL string
	// Keys supplies keys in process instead of JWKSURL.
	Keys KeySource
	// EnvironmentID is required: a token from another environment is
	// refused even when it was signed by a key this verifier trusts.
	EnvironmentID string
	// Audience, if set, is the allow-list for aud (the site origin).
	Audience []string
	// Issuer, if set, must equal iss exactly (or one of OtherIssuers).
	Issuer string
	// OtherIssuers are further accepted iss values (a server answering on
	// custom hostnames issues with each).
	OtherIssuers []string
	// AcceptIssuer, if set, decides an iss that is neither Issuer nor one
	// of OtherIssuers (a server's custom hostnames, verified at run
	// time). Its error refuses the token as ErrUnavailable.
	AcceptIssuer func(ctx context.Context, iss string) (bool, error)
	// RequireScope must appear in scope. Default "user:basic".
	RequireScope string
	// RequireMFA refuses tokens of sessions that did not pass a second
	// factor (amr names only the first), for routes that want MFA even
	// where the environment does not ask every user for it.
	RequireMFA bool
	// Leeway tolerates clock skew on exp, iat and nbf. Zero means the
	// default, 30s; there is no way to ask for none, by design.
	Leeway time.Duration
	// HTTPClient fetches JWKSURL. Default: a client with a 10s timeout.
	HTTPClient *http.Client
	// MinRefreshInterval is the least time between refetches caused by an
	// unknown kid, so a flood of garbage kids cannot hammer the JWKS
	// endpoint. Default 1 minute with JWKSURL; with Keys, none unless set
	// (an unknown kid is looked up in the source at once, one lookup at a
	// time). It is also the least time a fetched set is kept before a
	// background refresh.
	MinRefreshInterval time.Duration
	// Revoked, if set, is asked about every token's sid.
	Revoked RevocationChecker
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives background refresh failures. Default slog.Default().
	Logger *slog.Logger
}

const (
	defaultLeeway     = 30 * time.Second
	defaultMinRefresh = time.Minute
	fetchTimeout      = 10 * time.Second
)

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("verifier: invalid config: %w", err)
	}
	if c.RequireScope == "" {
		c.RequireScope = claims.ScopeUserBasic
	}
	if c.Leeway == 0 {
		c.Leeway = defaultLeeway
	}
	if c.MinRefreshInterval == 0 {
		c.MinRefreshInterval = defaultMinRefresh
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func (c Config) validate() error {
	switch {
	case c.JWKSURL == "" && c.Keys == nil:
		return errors.New("one of JWKSURL and Keys is required")
	case c.JWKSURL != "" && c.Keys != nil:
		return errors.New("JWKSURL and Keys are mutually exclusive")
	case c.EnvironmentID == "":
		return errors.New("EnvironmentID is required")
	case c.Leeway < 0:
		//lint:ignore ST1005 the message starts with the Config field it names
		return errors.New("Leeway must not be negative")
	case c.MinRefreshInterval < 0:
		return errors.New("MinRefreshInterval must not be negative")
	}
	for _, a := range c.Audience {
		if a == "" {
			//lint:ignore ST1005 the message starts with the Config field it names
			return errors.New("Audience must not contain an empty entry")
		}
	}
	if c.JWKSURL != "" {
		return validateURL(c.JWKSURL)
	}
	return nil
}

func validateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("JWKSURL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("JWKSURL %q: want an absolute http(s) URL", raw)
	}
	return nil
}
