package dynamicauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/chains"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/farcaster"
	"github.com/dynamicauth/dynamicauth/wallets"

	"github.com/dynamicauth/dynamicauth/contract"
	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/httpapi"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/networks"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/sdksettings"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/tracing"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/webhooks"
	"github.com/ethereum/go-ethereum/common"
)

// Version is the server's version, set at build time with
// -ldflags "-X github.com/dynamicauth/dynamicauth.Version=…".
var Version = "dev"

// Config configures an Auth. Only Store and MasterSecret are required.
type Config struct {
	// Store is the backend: sqlite.Open or postgres.Open (the application
	// imports the driver it uses), or your own store.Store.
	Store store.Store
	// MasterSecret (32 bytes) keys token hashes and encrypts secrets at
	// rest. Losing it invalidates every API token and signing key; keep it
	// with secrets.LoadOrCreateFile or in your secret manager.
	MasterSecret []byte
	// SigningAlgorithm for new JWT keys: RS256 (default), ES256 or EdDSA.
	SigningAlgorithm string
	// Logger receives request and error logs; nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Now is the clock of every service (tests); nil means time.Now.
	Now func() time.Time
	// PublicHost names the server in JWT iss claims ("auth.example.com"):
	// iss is "<PublicHost>/<environmentId>". Empty means DefaultPublicHost.
	// The request's Host header is never used unless listed in IssuerHosts.
	PublicHost string
	// IssuerHosts are further hostnames (custom domains) this server
	// answers on: a request whose Host is one of them gets tokens issued
	// by that host. Any other Host gets PublicHost.
	IssuerHosts []string
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
	// EnvironmentCacheTTL is how long an environment's settings, origins
	// and custom fields are reused (0: DefaultEnvironmentCacheTTL; negative:
	// read every time). Changes through this Auth apply at once; another
	// replica's within the TTL.
	EnvironmentCacheTTL time.Duration
	// Metrics, if set, counts requests by route, sign-ins and rate-limit
	// refusals; serve its Handler on a listener of its own. Give the same
	// one to the store's Options for transaction times.
	Metrics *metrics.Metrics
	// Tracing, if set, spans every request with OpenTelemetry
	// (tracing.New with the application's TracerProvider, or
	// tracing.NewOTLP). Give the same one to the store's Options for
	// spans of its transactions and reads. Nil traces nothing and costs
	// nothing.
	Tracing *tracing.Tracing
	// Hooks are the application's callbacks into sign-in and changes.
	Hooks Hooks
	// MFA tunes the wrong-code lock and device limits; when a sign-in is
	// MFA-pending is each environment's security.mfa setting.
	MFA mfa.Config
	// Passkeys tunes passkeys: the challenge lifetime, and the per-user
	// limit and user verification of environments whose
	// security.passkeys settings leave them out.
	Passkeys passkey.Config
	// ExternalJWT tunes external-JWT sign-in (JWKS cache lifetime, the
	// floor between refreshes, clock leeway, the HTTP client fetching
	// JWKS); whether an environment accepts it is its
	// security.externalAuth setting.
	ExternalJWT externaljwt.Deps
	// SocialHTTPClient talks to social providers (discovery, JWKS, code
	// exchange, user endpoints); nil means a client with a 15 s timeout.
	SocialHTTPClient *http.Client
	// Webhooks tunes delivery: retry schedules, the failure threshold,
	// and whether endpoints may be on private networks.
	Webhooks webhooks.Config
	// Access configures access control (allowlists, token gates,
	// sanctions screening).
	Access AccessConfig
	// Mailer sends email codes (sign-in, verification) of environments
	// without an email provider of their own; nil means such environments
	// have no email codes (no_enabled_email_provider).
	// delivery.OpenOutbox is the dev one.
	Mailer delivery.Mailer
	// EmailProviders reaches environments' own SendGrid or Resend
	// providers, which take precedence over Mailer.
	EmailProviders EmailProvidersConfig
	// SMS sends SMS codes; nil means no SMS codes (no_enabled_sms_provider).
	SMS delivery.SMSSender
	// Templates render the code messages; nil means the built-in ones.
	Templates *delivery.Templates
	// OTP tunes email and SMS codes: lifetime (--otp-ttl), wrong-code
	// attempts, send limits per address and per client. RateLimits'
	// Disabled turns the send limits off too.
	OTP otp.Config
	// Networks describes environments' EVM and Solana networks to the
	// SDK; its RPCURLs are the --evm-rpc nodes' URLs.
	Networks networks.Config
	// Balances tunes the SDK's balance reads (GET /sdk/{env}/chains/EVM/
	// balances) from the nodes token gates use: how long an answer is
	// reused (default 10s) and the bound of one read (default 5s).
	Balances BalancesConfig
	// Farcaster configures Sign In With Farcaster (farcaster/signin and
	// /verify, for environments that enable the farcaster provider). Its
	// Optimism node is SignIn.RPC["10"] (--evm-rpc 10=URL); without one
	// Farcaster sign-in is refused.
	Farcaster FarcasterConfig
	// Captcha reaches the captcha providers of environments that enable
	// one (security.captcha or security.hCaptcha): its VerifyURLs replace
	// their siteverify endpoints (--captcha-verify-url provider=URL).
	Captcha CaptchaConfig
}

// FarcasterConfig configures Sign In With Farcaster.
type FarcasterConfig struct {
	// Registry is the ID registry's address on the node; zero means
	// Farcaster's (farcaster.IDRegistryAddress).
	Registry common.Address
	// Names finds usernames for the credentials; nil leaves them without
	// one. farcaster.NewNameServer reads Farcaster's name server.
	Names farcaster.Names
}

// BalancesConfig tunes the SDK's balance reads.
type BalancesConfig struct {
	TTL, Timeout time.Duration
	// Prices, when set, prices tokens for the SDK's includePrices (price
	// and marketValue in USD); balances.NewCoinGecko is CoinGecko's API.
	// Nil: balances come without prices.
	Prices balances.Prices
}

// AccessConfig configures access control.
type AccessConfig struct {
	// Nodes are the EVM nodes token gates read balances from, by chain id.
	// Nil: the SignIn.RPC nodes that can read balances (ethclient's) serve.
	// A gate on a network without a node refuses sign-ins (never admits).
	Nodes map[int64]access.Node
	// BalanceTTL is how long a balance read is reused (default 15s);
	// BalanceTimeout bounds one decision's reads (default 5s).
	BalanceTTL, BalanceTimeout time.Duration
	// Screener checks wallets against a sanctions list where an
	// environment turned screening on (access.NewListScreener reads the
	// OFAC list from a file); nil screens nobody.
	Screener access.Screener
	// NoSettingsRPC stops gates (and the SDK's balances) from reading from the RPC URL an
	// environment's chain settings name (chains[].networks[].rpcUrl) for
	// networks without a node in Nodes (--evm-rpc), which they do by
	// default, through a client that reaches public addresses only.
	NoSettingsRPC bool
	// SettingsRPCAllowPrivate lets those URLs be on loopback and private
	// networks (a local chain, a node inside a private deployment).
	SettingsRPCAllowPrivate bool
}

// nodes is the balance readers: the configured ones, or those of the
// sign-in RPC map that can read balances.
func (c AccessConfig) nodes(rpc map[string]wallets.ChainCaller) map[int64]access.Node {
	if c.Nodes != nil {
		return c.Nodes
	}
	out := map[int64]access.Node{}
	for chain, caller := range rpc {
		n, ok := caller.(access.Node)
		id, err := strconv.ParseInt(chain, 10, 64)
		if ok && err == nil {
			out[id] = n
		}
	}
	return out
}

// Hooks are plain Go functions the application registers; nil ones are
// skipped at no cost.
type Hooks struct {
	// BeforeSignIn runs once a sign-in's proof is checked, before anything
	// is written. Return signin.Refuse (403) or signin.RefuseWithCode (422)
	// to turn the user away; any other error fails the sign-in as an
	// internal error.
	BeforeSignIn func(ctx context.Context, a *signin.Attempt) error
	// OnSignIn runs inside the sign-in's transaction, after the user is
	// found or created and before the tokens are signed: metadata it sets
	// on the signin.SignIn is stored with the sign-in and appears in the
	// full token; custom claims it sets (SignIn.Claims) are top-level
	// claims of both tokens, kept by every re-issue of the session (read
	// them with verifier.Claims.Custom). A claim named like one
	// dynamicauth sets (sub, exp, sid, ...) fails the sign-in
	// (signin.ErrReservedClaim). It refuses like BeforeSignIn, undoing
	// the whole sign-in. It holds the store's transaction: keep it quick.
	OnSignIn func(ctx context.Context, s *signin.SignIn) error
	// AfterChange hears about every committed change to users, sessions
	// (each sign-in included) and credentials, whichever path made it
	// (HTTP or Go). It runs after the commit, in the caller's goroutine:
	// keep it quick, or hand the work off. Its error is logged and never
	// undoes the change.
	AfterChange func(ctx context.Context, c Change) error
}

// Auth is the facade an embedding application holds: it wires the domain
// services on one store and exposes them as HTTP (Handler) and as Go
// (Users, Sessions, CustomFields, Tenants, Keys, Verifier).
type Auth struct {
	cfg      Config
	log      *slog.Logger
	store    store.Store // as configured: what background chores use
	tenants  *tenant.Service
	keys     *signing.Service
	sessions *session.Service
	signin   *signin.Service
	// providers are the environments' social sign-in providers.
	providers *social.Providers
	social    *social.Logins
	// oauthAccounts serves social accounts' provider tokens.
	oauthAccounts *social.Accounts
	states        social.StateStore
	mfa           *mfa.Service
	passkeys      *passkey.Service
	codes         *otp.Service
	users         *users.Admin
	profiles      *users.Profiles
	access        *access.Admin
	envconfig     *envconfig.Service
	webhooks      *webhooks.Service
	events        *events.Service
	analytics     *analytics.Service
	networks      *networks.Service
	// sdkSettings keeps what the SDKs report of their configuration.
	sdkSettings *sdksettings.Service
	balances    *balances.Service
	captcha     *captcha.Checker
	delivery    *webhooks.Worker
	exporter    *exports.Runner
	exports     *exports.Service
	handler     *httpapi.Server

	mu   sync.Mutex
	stop context.CancelFunc // of Start's background work; nil when not started
	done chan struct{}
}

// DefaultPublicHost is the issuer host when Config.PublicHost is empty.
const DefaultPublicHost = "localhost"

// New wires the services on cfg.Store. It does not touch the database:
// call Bootstrap to seed it and Start to run the background chores.
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
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.PublicHost == "" {
		cfg.PublicHost = DefaultPublicHost
	}
	cachedStore := withEnvironmentCache(cfg.Store, cfg.EnvironmentCacheTTL)
	a := &Auth{cfg: cfg, log: log, store: cfg.Store, tenants: tenant.NewService(cachedStore, secretKeys, cfg.Now,
		passkey.SettingsRule, mfa.SettingsRule, tenant.KeepOmitted(externaljwt.MembersUnknownToClients()...)), keys: keys}
	st := cachedStore // what the user-facing services write through
	if cfg.Hooks.AfterChange != nil {
		st = &notifier{Store: cachedStore, hook: cfg.Hooks.AfterChange, log: log}
	}
	a.profiles = users.NewProfiles(st, st, cfg.Now)
	a.users = users.NewAdmin(st, cfg.Now)
	a.sessions = session.NewService(st, keys, cfg.Sessions, cfg.Now)
	a.mfa = mfa.New(mfa.Deps{Store: st, Secrets: secretKeys, Config: cfg.MFA, Now: cfg.Now, Logger: log})
	a.passkeys = passkey.New(passkey.Deps{Store: st, Envs: st, Config: cfg.Passkeys, Now: cfg.Now, Logger: log})
	var envNodes access.EnvNodes
	if !cfg.Access.NoSettingsRPC {
		envNodes = newSettingsNodes(a.tenants, cfg.Access.SettingsRPCAllowPrivate, cfg.Access.BalanceTimeout)
	}
	accessSvc := access.NewService(access.Deps{Store: st, Checks: st, Screener: cfg.Access.Screener, Log: log, Now: cfg.Now,
		Balances: access.NewBalances(access.BalancesConfig{Nodes: cfg.Access.nodes(cfg.SignIn.RPC), Env: envNodes,
			TTL: cfg.Access.BalanceTTL, Timeout: cfg.Access.BalanceTimeout, Now: cfg.Now})})
	a.access = access.NewAdmin(accessSvc, st)
	a.envconfig = envconfig.New(envconfig.Deps{Store: st, Environments: st, Now: cfg.Now, HostnameTTL: cfg.EnvironmentCacheTTL})
	a.providers = social.NewProviders(social.ProvidersDeps{Store: st, Environments: st, Keys: secretKeys, Now: cfg.Now})
	a.states = st
	a.social = social.NewLogins(a.providers, social.New(social.Deps{States: st, HTTPClient: cfg.SocialHTTPClient, Now: cfg.Now}))
	a.oauthAccounts = social.NewAccounts(social.AccountsDeps{Store: st, Environments: st, Keys: secretKeys, Logins: a.social,
		Log: log, Now: cfg.Now})
	otpCfg := cfg.OTP
	if cfg.RateLimits != nil && cfg.RateLimits.Disabled {
		otpCfg.NoSendLimits = true
	}
	a.codes = otp.New(otp.Deps{Config: otpCfg, Key: secretKeys.MAC("otp code key", nil), Store: st, Environments: st,
		Limiter: limiterFor(cfg), Mailer: emailRouter(cfg, a.providers), SMS: cfg.SMS, Templates: cfg.Templates, Now: cfg.Now, Logger: log})
	a.signin = signin.NewService(signin.Deps{Codes: a.codes, NonceKey: secretKeys.MAC("signin nonce key", nil), Access: accessSvc, Owners: st, Config: cfg.SignIn, Environments: st, Store: st, Links: st,
		Merges: st, Profiles: a.profiles, Sessions: a.sessions, MFA: a.mfa, Passkeys: a.passkeys, Now: cfg.Now,
		External: externalVerifier(cfg), Social: a.social, Deeplinks: a.envconfig,
		Farcaster: farcaster.NewVerifier(farcaster.Deps{Node: cfg.SignIn.RPC[farcaster.ChainID], Registry: cfg.Farcaster.Registry,
			Names: cfg.Farcaster.Names, Log: log}),
		Hooks: signin.Hooks{BeforeSignIn: cfg.Hooks.BeforeSignIn, OnSignIn: cfg.Hooks.OnSignIn}, PublicHost: cfg.PublicHost})
	a.delivery = webhooks.NewWorker(cfg.Webhooks.WorkerDeps(cfg.Store, cfg.Now, log, "dynamicauth-webhooks/"+Version))
	a.webhooks = webhooks.New(webhooks.Deps{Store: cfg.Store, Environments: a.tenants, AllowPrivate: cfg.Webhooks.AllowPrivate,
		Now: cfg.Now})
	a.events = events.New(events.Deps{Store: cfg.Store, Environments: a.tenants, Now: cfg.Now})
	a.analytics = analytics.New(cfg.Store, a.tenants, cfg.Now)
	a.networks = networks.New(cfg.Networks, a.tenants)
	a.exporter = exports.NewRunner(exports.RunnerDeps{Store: cfg.Store, Now: cfg.Now, Log: log})
	a.exports = exports.New(exports.Deps{Store: cfg.Store, Environments: a.tenants, Now: cfg.Now, Notify: a.exporter.Notify,
		LinkKey: secretKeys.MAC("export download link", nil)})
	a.sdkSettings = sdksettings.New(cfg.Store, cfg.Now)
	a.balances = balances.NewService(balances.ServiceDeps{Reader: balances.New(balances.Config{Nodes: cfg.Access.nodes(cfg.SignIn.RPC), Env: envNodes,
		TTL: cfg.Balances.TTL, Timeout: cfg.Balances.Timeout, Now: cfg.Now}), Networks: a.networks, Prices: cfg.Balances.Prices, Log: log})
	a.captcha = captcha.New(captcha.Deps{Environments: captchaEnvironments{st, a.tenants}, Client: cfg.Captcha.Client,
		VerifyURLs: cfg.Captcha.VerifyURLs, Logger: log})
	a.handler = httpapi.New(httpapi.Deps{
		Tenants: a.tenants, Keys: keys, SignIn: a.signin, Users: a.users, Profiles: a.profiles, Access: a.access, EnvConfig: a.envconfig, Webhooks: a.webhooks,
		Events: a.events, Analytics: a.analytics, Networks: a.networks, SDKSettings: a.sdkSettings, Balances: a.balances, Exports: a.exports,
		Providers: a.providers,
		Social:    a.social, OAuthAccounts: a.oauthAccounts, Captcha: a.captcha,
		PublicHost: cfg.PublicHost, IssuerHosts: cfg.IssuerHosts, Contract: c, Logger: cfg.Logger, Ready: cfg.Store.Ping,
		MaxBodyBytes: cfg.MaxBodyBytes, Version: Version, RateLimits: cfg.RateLimits, Limiter: limiterFor(cfg),
		TrustedProxies: cfg.TrustedProxies, Observer: observerOf(cfg.Metrics), Tracer: tracerOf(cfg.Tracing),
	})
	return a, nil
}

// Access is access control from Go: allowlists, gates, screening and the
// decision the sign-ins apply, without a principal's checks.
func (a *Auth) Access() *access.Service { return a.access.Service() }

// EnvConfig is the Go API for the environment's configuration records:
// SDK views, custom hostnames (VerifyHostname is the operator's word
// that a hostname's DNS points here) and deeplink URLs (DeeplinkAllowed
// checks a mobile redirect against them). Its Admin* methods check a
// principal; the others are the application's own authority.
func (a *Auth) EnvConfig() *envconfig.Service { return a.envconfig }

// ChainTokens is the bundled token list of a chain (GET
// /chains/{chainName}/tokens), narrowed to networkID when it is set.
func (a *Auth) ChainTokens(chain string, networkID *int64) ([]chains.Token, error) {
	return chains.Tokens(chain, networkID)
}

// Handler serves the REST API: paths under /api/v0, plus the probes
// /healthz (the process is up) and /readyz (the store answers).
func (a *Auth) Handler() http.Handler { return a.handler }

// Start runs the background chores (webhook delivery, export files, purging expired
// nonces and idle rate-limit buckets) until Close or until ctx ends. Calling it twice is
// an error.
func (a *Auth) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stop != nil {
		return errors.New("dynamicauth: already started")
	}
	ctx, a.stop = context.WithCancel(ctx)
	done := make(chan struct{})
	a.done = done
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := a.store.RunJobs(ctx, a.delivery.Jobs()); err != nil {
				a.log.Error("webhook delivery", "err", err)
			}
		})
		wg.Go(func() { a.exporter.Run(ctx) })
		a.maintain(ctx)
		wg.Wait()
	}()
	return nil
}

// Webhooks is the admin Webhooks API in Go. Messages are delivered while
// the Auth is started (Start).
func (a *Auth) Webhooks() *webhooks.Service { return a.webhooks }

// Events is the admin Events API in Go (the outbox, newest first) and the
// SDK's analytics ingestion.
func (a *Auth) Events() *events.Service { return a.events }

// Exports is the admin Exports API in Go. Files are written while the
// Auth is started (Start), or by Exporter().RunOnce.
func (a *Auth) Exports() *exports.Service { return a.exports }

// Exporter writes pending exports; Start runs it. RunOnce writes one now
// (a CLI export without a started server, tests).
func (a *Auth) Exporter() *exports.Runner { return a.exporter }

// Analytics is the admin Analytics API in Go (UTC buckets).
func (a *Auth) Analytics() *analytics.Service { return a.analytics }

// Networks lists an environment's EVM and Solana networks as the SDK
// reads them (GET /sdk/{env}/networks and the settings' networks).
func (a *Auth) Networks() *networks.Service { return a.networks }

// Balances reads wallets' balances on an environment's EVM networks, as
// GET /sdk/{env}/chains/EVM/balances does.
func (a *Auth) Balances() *balances.Service { return a.balances }

// SDKSettings reads the latest configuration an environment's SDK reported
// (POST /sdk/{env}/sdkSettings: the app's DynamicContextProvider props).
func (a *Auth) SDKSettings() *sdksettings.Service { return a.sdkSettings }

// Close stops what Start started and waits for it. It does not close the
// store, which the application opened and closes.
func (a *Auth) Close() error {
	a.mu.Lock()
	stop, done := a.stop, a.done
	a.stop, a.done = nil, nil
	a.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	return nil
}

// maintenanceEvery is the period of the background chores.
const maintenanceEvery = 10 * time.Minute

// maintain does the background chores until ctx ends.
func (a *Auth) maintain(ctx context.Context) {
	t := time.NewTicker(maintenanceEvery)
	defer t.Stop()
	for {
		if n, err := a.signin.PurgeExpiredNonces(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired nonces failed", "err", err)
		} else if n > 0 {
			a.log.Info("purged expired nonces", "count", n)
		}
		if _, err := a.states.DeleteExpiredStates(ctx, a.now()); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired social login states failed", "err", err)
		}
		if _, err := a.passkeys.PurgeExpiredChallenges(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired passkey challenges failed", "err", err)
		}
		if _, err := a.codes.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired email/SMS verifications failed", "err", err)
		}
		if n, err := a.exports.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired export files failed", "err", err)
		} else if n > 0 {
			a.log.Info("purged expired exports", "count", n)
		}
		if p, ok := a.store.(interface {
			PurgeRateLimits(ctx context.Context, before time.Time) (int64, error)
		}); ok {
			if _, err := p.PurgeRateLimits(ctx, a.now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
				a.log.Warn("purging idle rate-limit buckets failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *Auth) now() time.Time {
	if a.cfg.Now != nil {
		return a.cfg.Now()
	}
	return time.Now()
}

// limiterFor keeps rate-limit buckets in the store when the store shares
// them between replicas (PostgreSQL), else in this process.
func limiterFor(cfg Config) ratelimit.Taker {
	if shared, ok := cfg.Store.(ratelimit.Store); ok {
		return ratelimit.NewShared(shared, cfg.Now)
	}
	return ratelimit.New(cfg.Now)
}

func externalVerifier(cfg Config) *externaljwt.Verifier {
	d := cfg.ExternalJWT
	if d.Now == nil {
		d.Now = cfg.Now
	}
	return externaljwt.New(d)
}

// tracerOf keeps a nil *tracing.Tracing from becoming a non-nil
// httpapi.Tracer.
func tracerOf(t *tracing.Tracing) httpapi.Tracer {
	if t == nil {
		return nil
	}
	return t
}

// observerOf keeps a nil *metrics.Metrics from becoming a non-nil
// httpapi.Observer.
func observerOf(m *metrics.Metrics) httpapi.Observer {
	if m == nil {
		return nil
	}
	return m
}
