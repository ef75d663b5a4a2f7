package dynamicauth

import (
	"context"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/verifier"
	"github.com/go-jose/go-jose/v4"
)

// VerifierOption adjusts the verifier.Config Verifier builds.
type VerifierOption func(*verifier.Config)

// WithAudience accepts only tokens whose aud is one of origins (the site
// origins the application serves).
func WithAudience(origins ...string) VerifierOption {
	return func(c *verifier.Config) { c.Audience = append(c.Audience, origins...) }
}

// WithScope requires scope in the token (default "user:basic").
func WithScope(scope string) VerifierOption {
	return func(c *verifier.Config) { c.RequireScope = scope }
}

// Verifier checks the session JWTs of environment envID in process: keys
// come from this Auth's key store (no JWKS fetch; a token signed by a key
// rotated in a moment ago, here or on another replica, is looked up at
// once) and every token's
// session is checked against the store, so a revoked session (sign-out,
// Sessions().Revoke, a deleted user) is refused at once. Its Middleware
// protects the application's own routes:
//
//	v, _ := auth.Verifier(envID)
//	mux.Handle("GET /me", v.Middleware(meHandler))
//
// The issuer is checked too: "<PublicHost>/<envID>", one of IssuerHosts,
// or an active custom hostname of the environment (EnvConfig).
func (a *Auth) Verifier(envID string, opts ...VerifierOption) (*verifier.Verifier, error) {
	cfg := verifier.Config{
		EnvironmentID: envID,
		Keys: verifier.KeySourceFunc(func(ctx context.Context) (jose.JSONWebKeySet, error) {
			return a.keys.JWKS(ctx, envID)
		}),
		Revoked: verifier.RevocationFunc(a.revoked),
		Now:     a.cfg.Now,
		Logger:  a.log,
	}
	cfg.Issuer = session.Issuer(a.cfg.PublicHost, envID)
	for _, h := range a.cfg.IssuerHosts {
		cfg.OtherIssuers = append(cfg.OtherIssuers, session.Issuer(h, envID))
	}
	cfg.AcceptIssuer = func(ctx context.Context, iss string) (bool, error) {
		host, ok := strings.CutSuffix(iss, "/"+envID)
		if !ok || strings.Contains(host, "/") {
			return false, nil
		}
		return a.envconfig.HostnameActive(ctx, envID, host)
	}
	for _, o := range opts {
		o(&cfg)
	}
	return verifier.New(cfg)
}

// revoked reports a session that was revoked or no longer exists (its
// user was deleted); expiry is the token's exp, which Verify checks.
func (a *Auth) revoked(ctx context.Context, sid string) (bool, error) {
	s, err := a.store.GetSession(ctx, sid)
	if errs.Is(err, errs.KindNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return s.RevokedAt != nil, nil
}

// UserOf loads the user a verified token names, with their credentials
// (the minified token carries no wallet address).
func (a *Auth) UserOf(ctx context.Context, c *verifier.Claims) (*users.User, error) {
	u, err := a.store.GetUser(ctx, c.Sub)
	if err != nil {
		return nil, fmt.Errorf("user of token: %w", err)
	}
	if u.EnvironmentID != c.EnvironmentID {
		return nil, fmt.Errorf("user of token: %w", users.ErrAdminUserNotFound)
	}
	return u, nil
}
