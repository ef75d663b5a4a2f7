// Package dynamicauth is a self-hostable, embeddable server for Dynamic's
// (dynamic.xyz) authentication API. New builds the whole thing on a store;
// Handler serves it under /api/v0, mountable in any net/http server.
//
// This package only wires: the rules live in the domain packages (tenant,
// signing, ...), the wire format in httpapi, persistence in store/….
package dynamicauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/dynamicauth/dynamicauth/contract"
	"github.com/dynamicauth/dynamicauth/httpapi"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// Version is the server's version, set at build time with
// -ldflags "-X github.com/dynamicauth/dynamicauth.Version=…".
var Version = "dev"

// Config configures an Auth.
type Config struct {
	// Store is the backend. Open one with OpenStore or bring your own.
	Store store.Store
	// MasterSecret (32 bytes) keys token hashes and encrypts secrets at
	// rest. Losing it invalidates every API token and signing key.
	MasterSecret []byte
	// SigningAlgorithm for new JWT keys: RS256 (default), ES256 or EdDSA.
	SigningAlgorithm string
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// PublicHost names the server in JWT iss claims ("auth.example.com");
	// empty uses each request's Host.
	PublicHost string
	// SignIn tunes nonce lifetime, clock skew and per-chain RPC nodes.
	SignIn signin.Config
	// Sessions tunes the refresh limit.
	Sessions session.Config
	// TrustedProxies are the proxies (load balancers) whose
	// X-Forwarded-For names the client; by default the peer is the client.
	TrustedProxies []netip.Prefix
	// RateLimits is the per-IP policy of the SDK routes; nil means
	// ratelimit.DefaultPolicy(); Disabled turns limiting off.
	RateLimits *ratelimit.Policy
}

// Auth is the facade an embedding application holds.
type Auth struct {
	store    store.Store
	tenants  *tenant.Service
	keys     *signing.Service
	sessions *session.Service
	signin   *signin.Service
	handler  *httpapi.Server
}

// New wires the services on cfg.Store.
func New(cfg Config) (*Auth, error) {
	if cfg.Store == nil {
		return nil, errors.New("dynamicauth: Config.Store is required")
	}
	secretKeys, err := secrets.New(cfg.MasterSecret)
	if err != nil {
		return nil, fmt.Errorf("dynamicauth: %w", err)
	}
	c, err := contract.Load()
	if err != nil {
		return nil, fmt.Errorf("dynamicauth: %w", err)
	}
	keys, err := signing.NewService(cfg.Store, secretKeys, cfg.SigningAlgorithm, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("dynamicauth: %w", err)
	}
	a := &Auth{store: cfg.Store, tenants: tenant.NewService(cfg.Store, secretKeys, cfg.Now), keys: keys}
	profiles := users.NewProfiles(cfg.Store, cfg.Store, cfg.Now)
	a.sessions = session.NewService(cfg.Store, keys, cfg.Sessions, cfg.Now)
	a.signin = signin.NewService(signin.Deps{Config: cfg.SignIn, Environments: cfg.Store, Store: cfg.Store, Links: cfg.Store,
		Merges: cfg.Store, Profiles: profiles, Sessions: a.sessions, Now: cfg.Now})
	a.handler = httpapi.New(httpapi.Deps{
		Tenants: a.tenants, Keys: keys, SignIn: a.signin, Users: users.NewAdmin(cfg.Store, cfg.Now), Profiles: profiles,
		PublicHost: cfg.PublicHost, Contract: c, Logger: cfg.Logger, Ready: cfg.Store.Ping,
		MaxBodyBytes: cfg.MaxBodyBytes, Version: Version, RateLimits: cfg.RateLimits, Limiter: limiterFor(cfg),
		TrustedProxies: cfg.TrustedProxies,
	})
	return a, nil
}

// Handler serves the REST API (paths start with /api/v0, plus /healthz
// and /readyz).
func (a *Auth) Handler() http.Handler { return a.handler }

// Tenants is the Go API for organizations, projects, environments and tokens.
func (a *Auth) Tenants() *tenant.Service { return a.tenants }

// Init seeds an empty database with an organization, a project, a sandbox
// and a live environment and an owner API token; on a seeded one it issues
// a new owner token. created tells which.
func (a *Auth) Init(ctx context.Context) (ids *tenant.Bootstrap, apiToken string, created bool, err error) {
	return a.tenants.Init(ctx)
}

// InitOperator issues an owner token for the operator with this email,
// creating the operator with an organization of their own when new.
func (a *Auth) InitOperator(ctx context.Context, email string) (ids *tenant.Bootstrap, apiToken string, created bool, err error) {
	return a.tenants.InitOperator(ctx, email)
}

// OpenSQLite opens (and migrates) the embedded SQLite store at path.
func OpenSQLite(ctx context.Context, path string, opt sqlite.Options) (*sqlite.Store, error) {
	return sqlite.Open(ctx, path, opt)
}

// Seeded reports whether Init has run on this database.
func (a *Auth) Seeded(ctx context.Context) (bool, error) { return a.tenants.Seeded(ctx) }

// RunMaintenance does the background chores (purging expired nonces and
// idle shared rate-limit buckets)
// until ctx ends. The standalone server runs it; an embedding app should
// run it in a goroutine too.
func (a *Auth) RunMaintenance(ctx context.Context, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if n, err := a.signin.PurgeExpiredNonces(ctx); err != nil && ctx.Err() == nil {
			log.Warn("purging expired nonces failed", "err", err)
		} else if n > 0 {
			log.Info("purged expired nonces", "count", n)
		}
		if p, ok := a.store.(interface {
			PurgeRateLimits(ctx context.Context, before time.Time) (int64, error)
		}); ok {
			if _, err := p.PurgeRateLimits(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
				log.Warn("purging idle rate-limit buckets failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RotateSigningKey makes a new JWT signing key for an environment; the
// previous one stays published until every token it signed has expired.
func (a *Auth) RotateSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	if !tenant.ValidID(envID) {
		return nil, fmt.Errorf("%q is not an environment id", envID)
	}
	if _, err := a.tenants.PublicSettings(ctx, envID); err != nil {
		return nil, fmt.Errorf("environment %s: %w", envID, err)
	}
	return a.keys.Rotate(ctx, envID)
}

// limiterFor keeps rate-limit buckets in the store when the store shares
// them between replicas (PostgreSQL), else in this process.
func limiterFor(cfg Config) ratelimit.Taker {
	if shared, ok := cfg.Store.(ratelimit.Store); ok {
		return ratelimit.NewShared(shared, cfg.Now)
	}
	return ratelimit.New(cfg.Now)
}
