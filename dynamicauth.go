package dynamicauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/captcha"
	"github.com/dynamicauth/dynamicauth/chains"
	"github.com/dynamicauth/dynamicauth/contract"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/farcaster"
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
	"github.com/dynamicauth/dynamicauth/testaccounts"
	"github.com/dynamicauth/dynamicauth/tracing"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// Version is the server's version, set at build time with
// -ldflags "-X github.com/dynamicauth/dynamicauth.Version=…".
var Version = "dev"

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
	secrets       *secrets.Keys
	testAccounts  *testaccounts.Service
	passkeys      *passkey.Service
	devices       *devices.Service
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
	if err := cfg.Backups.normalize(); err != nil {
		return nil, err
	}
	if cfg.SigningKeyMaxAge != 0 && cfg.SigningKeyMaxAge < signing.MinKeyAge {
		return nil, fmt.Errorf("dynamicauth: SigningKeyMaxAge must be at least %s, got %s", signing.MinKeyAge, cfg.SigningKeyMaxAge)
	}
	if cfg.EventRetention != 0 && cfg.EventRetention < events.MinRetention {
		return nil, fmt.Errorf("dynamicauth: EventRetention must be at least %s, got %s", events.MinRetention, cfg.EventRetention)
	}
	if cfg.SessionRetention != 0 && cfg.SessionRetention < session.MinRetention {
		return nil, fmt.Errorf("dynamicauth: SessionRetention must be at least %s, got %s", session.MinRetention, cfg.SessionRetention)
	}
	secretKeys, err := secrets.New(cfg.MasterSecret, cfg.PreviousMasterSecrets...)
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
	// The settings members domain packages look after (kept when a client
	// drops them, checked when saved).
	rules := []tenant.SettingsRule{passkey.SettingsRule, mfa.SettingsRule, devices.SettingsRule, captcha.SettingsRule,
		tenant.KeepOmitted(externaljwt.MembersUnknownToClients()...), externaljwt.CheckSettings}
	st := cachedStore // what the services write through: a project's delete is heard too
	if cfg.Hooks.AfterChange != nil {
		st = &notifier{Store: cachedStore, hook: cfg.Hooks.AfterChange, log: log}
	}
	a := &Auth{cfg: cfg, log: log, store: cfg.Store, tenants: tenant.NewService(st, secretKeys, cfg.Now, rules...).WithLogger(log),
		keys: keys, secrets: secretKeys}
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
	a.social = social.NewLogins(a.providers, social.New(social.Deps{States: st, HTTPClient: cfg.SocialHTTPClient,
		AllowPrivate: cfg.SocialAllowPrivate, Now: cfg.Now, Log: log}))
	a.oauthAccounts = social.NewAccounts(social.AccountsDeps{Store: st, Environments: st, Keys: secretKeys, Logins: a.social,
		Log: log, Now: cfg.Now})
	otpCfg := cfg.OTP
	if cfg.RateLimits != nil && cfg.RateLimits.Disabled {
		otpCfg.NoSendLimits = true
	}
	mailer := emailRouter(cfg, a.providers) // codes and device approval links: one way out per environment
	a.testAccounts = testaccounts.New(testaccounts.Deps{Store: st, Environments: a.tenants, Keys: secretKeys, Now: cfg.Now, Logger: log})
	otpKeys := secretKeys.MACs("otp code key", nil)
	a.codes = otp.New(otp.Deps{Config: otpCfg, Key: otpKeys[0], PreviousKeys: otpKeys[1:], Store: st, Environments: st,
		Limiter: limiterFor(cfg), Mailer: mailer, SMS: cfg.SMS, Templates: cfg.Templates, Now: cfg.Now, Logger: log,
		TestAccounts: a.testAccounts})
	a.devices = devices.NewService(devices.Deps{Store: st, Mailer: mailer, Logger: log, Now: cfg.Now})
	nonceKeys := secretKeys.MACs("signin nonce key", nil)
	a.signin = signin.NewService(signin.Deps{Codes: a.codes, Devices: a.devices, NonceKey: nonceKeys[0], PreviousNonceKeys: nonceKeys[1:], Access: accessSvc, Owners: st, Config: cfg.SignIn, Environments: st, Store: st, Links: st,
		Merges: st, Profiles: a.profiles, Sessions: a.sessions, MFA: a.mfa, Passkeys: a.passkeys, Now: cfg.Now,
		External: externalVerifier(cfg), Social: a.social, Deeplinks: a.envconfig,
		Farcaster: farcaster.NewVerifier(farcaster.Deps{Node: cfg.SignIn.RPC[farcaster.ChainID], Registry: cfg.Farcaster.Registry,
			Names: cfg.Farcaster.Names, Log: log}),
		Hooks: signin.Hooks{BeforeSignIn: cfg.Hooks.BeforeSignIn, OnSignIn: cfg.Hooks.OnSignIn}, PublicHost: cfg.PublicHost})
	workerDeps := cfg.Webhooks.WorkerDeps(cfg.Store, cfg.Now, log, "dynamicauth-webhooks/"+Version)
	workerDeps.Keys = secretKeys
	a.delivery = webhooks.NewWorker(workerDeps)
	a.webhooks = webhooks.New(webhooks.Deps{Store: cfg.Store, Environments: a.tenants, AllowPrivate: cfg.Webhooks.AllowPrivate,
		Keys: secretKeys, Now: cfg.Now})
	a.events = events.New(events.Deps{Store: cfg.Store, Environments: a.tenants, Now: cfg.Now})
	a.analytics = analytics.New(cfg.Store, a.tenants, cfg.Now)
	a.networks = networks.New(cfg.Networks, a.tenants)
	linkKeys := secretKeys.MACs("export download link", nil)
	a.exporter = exports.NewRunner(exports.RunnerDeps{Store: cfg.Store, Now: cfg.Now, Log: log})
	a.exports = exports.New(exports.Deps{Store: cfg.Store, Environments: a.tenants, Now: cfg.Now, Notify: a.exporter.Notify,
		LinkKey: linkKeys[0], PreviousLinkKeys: linkKeys[1:]})
	a.sdkSettings = sdksettings.New(cfg.Store, cfg.Now)
	a.balances = balances.NewService(balances.ServiceDeps{Reader: balances.New(balances.Config{Nodes: cfg.Access.nodes(cfg.SignIn.RPC), Env: envNodes,
		TTL: cfg.Balances.TTL, Timeout: cfg.Balances.Timeout, Now: cfg.Now}), Networks: a.networks, Prices: cfg.Balances.Prices, Log: log})
	a.captcha = captcha.New(captcha.Deps{Environments: captchaEnvironments{st, a.tenants}, Client: cfg.Captcha.Client,
		VerifyURLs: cfg.Captcha.VerifyURLs, Logger: log})
	a.handler = httpapi.New(httpapi.Deps{
		Tenants: a.tenants, Keys: keys, SignIn: a.signin, Users: a.users, Profiles: a.profiles, Access: a.access, EnvConfig: a.envconfig, Webhooks: a.webhooks, TestAccounts: a.testAccounts,
		Events: a.events, Analytics: a.analytics, Networks: a.networks, SDKSettings: a.sdkSettings, Balances: a.balances, Exports: a.exports,
		Providers: a.providers,
		Social:    a.social, OAuthAccounts: a.oauthAccounts, Captcha: a.captcha, Devices: a.devices,
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

// Start runs the background chores (webhook delivery, export files,
// purging what expired (nonces, codes, login states, passkey challenges,
// device approvals, MFA tokens, exports) and idle rate-limit buckets,
// scheduled key rotation and backups)
// until Close or until ctx ends. Calling it twice is an error. It first
// checks that the master secret opens the store's keys (CheckMasterSecret):
// a server started on another database's secret would fail every sign-in.
func (a *Auth) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stop != nil {
		return errors.New("dynamicauth: already started")
	}
	if err := a.CheckMasterSecret(ctx); err != nil {
		return err
	}
	if a.secrets.Rotating() {
		a.log.Info("previous master secrets accepted: what they sealed opens, API tokens and recovery codes they hashed match; " +
			"reseal moves the sealed values to the current secret")
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
		if a.cfg.Backups.Dir != "" {
			wg.Go(func() { a.runBackups(ctx) })
		}
		a.maintain(ctx)
		wg.Wait()
	}()
	return nil
}

// TestAccounts is the admin test account API in Go: an environment's
// static one-time code for its test addresses (README: Test accounts).
func (a *Auth) TestAccounts() *testaccounts.Service { return a.testAccounts }

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

// CheckMasterSecret reports signing.ErrWrongMasterSecret when
// Config.MasterSecret does not open the store's newest signing key: the
// database was made with another secret (a restored backup, a replaced
// secret file). A database without keys passes.
func (a *Auth) CheckMasterSecret(ctx context.Context) error {
	if err := a.keys.CheckMasterSecret(ctx); err != nil {
		return fmt.Errorf("dynamicauth: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of an SQLite store's database to dest,
// a new file readable by its owner only, while the server goes on
// serving; a failed backup leaves nothing at dest. The copy's sealed keys
// and secrets open only with this Auth's master secret, which the copy
// does not hold: keep the two together (README: Backup and restore). A
// PostgreSQL store answers that pg_dump is the tool.
func (a *Auth) Backup(ctx context.Context, dest string) error {
	start := time.Now()
	err := a.store.Backup(ctx, dest)
	if ctx.Err() == nil { // a copy cut short by shutdown is no failure
		a.cfg.Metrics.Backup(time.Now(), err)
	}
	if err != nil {
		return err
	}
	a.log.Info("backup written", "dest", dest, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

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

// rotateStaleKeys rotates the signing keys older than
// Config.SigningKeyMaxAge, if set.
func (a *Auth) rotateStaleKeys(ctx context.Context) {
	if a.cfg.SigningKeyMaxAge == 0 {
		return
	}
	n, err := a.keys.RotateStale(ctx, a.cfg.SigningKeyMaxAge)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("rotating stale signing keys failed; retried at the next chores", "err", err)
	}
	if n > 0 {
		a.log.Info("rotated stale signing keys", "count", n, "max_age", a.cfg.SigningKeyMaxAge.String())
	}
}

// purgeOldEvents forgets the events older than Config.EventRetention, if
// set.
func (a *Auth) purgeOldEvents(ctx context.Context) {
	if a.cfg.EventRetention == 0 {
		return
	}
	n, err := a.events.Purge(ctx, a.now().Add(-a.cfg.EventRetention))
	if err != nil && ctx.Err() == nil {
		a.log.Warn("purging old events failed; retried at the next chores", "err", err, "purged", n)
	} else if n > 0 {
		a.log.Info("purged old events", "count", n, "retention", a.cfg.EventRetention.String())
	}
}

// purgeEndedSessions forgets the sessions ended longer ago than
// Config.SessionRetention, if set.
func (a *Auth) purgeEndedSessions(ctx context.Context) {
	if a.cfg.SessionRetention == 0 {
		return
	}
	n, err := a.sessions.Purge(ctx, a.cfg.SessionRetention)
	if err != nil && ctx.Err() == nil {
		a.log.Warn("purging ended sessions failed; retried at the next chores", "err", err, "purged", n)
	} else if n > 0 {
		a.log.Info("purged ended sessions", "count", n, "retention", a.cfg.SessionRetention.String())
	}
}

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
		a.rotateStaleKeys(ctx)
		a.purgeOldEvents(ctx)
		a.purgeEndedSessions(ctx)
		if _, err := a.codes.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired email/SMS verifications failed", "err", err)
		}
		if _, err := a.devices.PurgeExpiredApprovals(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired device approvals failed", "err", err)
		}
		if _, err := a.mfa.PurgeExpiredTokens(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("purging expired mfa tokens failed", "err", err)
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
