package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/networks"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tracing"
)

// serveFlags are serve's own flags (command registers the shared ones).
type serveFlags struct {
	addr, metricsAddr, otelEndpoint, publicHost, issuerHosts, evmRPC                             string
	rateLimits, trustedProxies, sanctionsList, coingeckoURL, captchaURLs                         string
	nonceTTL, shutdownTimeout, balanceTTL, keyMaxAge, eventRetention, sessionRetention           time.Duration
	omitFullJWT, withPprof, settingsRPCPrivate, noSettingsRPC, externalJWTPrivate, socialPrivate bool
	fc                                                                                           farcasterFlags
	hooks                                                                                        webhookFlags
	codes                                                                                        deliveryFlags
	backups                                                                                      backupFlags
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	f.hooks.register(fs)
	f.codes.register(fs)
	f.fc.register(fs)
	f.backups.register(fs)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "address of a separate listener serving Prometheus metrics at /metrics (off when empty; never on --addr)")
	fs.BoolVar(&f.withPprof, "pprof", false, "also serve net/http/pprof under /debug/pprof/ on the --metrics-addr listener")
	fs.StringVar(&f.otelEndpoint, "otel-endpoint", "", "OpenTelemetry collector's OTLP/HTTP URL (e.g. http://127.0.0.1:4318): trace requests and store calls (off when empty)")
	fs.StringVar(&f.publicHost, "public-host", "", "host named in JWT iss claims (default: the --addr host and port; localhost for a wildcard address)")
	fs.StringVar(&f.issuerHosts, "issuer-hosts", "", "comma-separated custom hostnames whose Host header names the JWT issuer instead of --public-host")
	fs.StringVar(&f.evmRPC, "evm-rpc", "", "EVM nodes for smart-contract wallet signatures and token-gate balances: CHAIN_ID=URL[,CHAIN_ID=URL]")
	fs.StringVar(&f.sanctionsList, "sanctions-list", "", "file of sanctioned wallet addresses, one per line (re-read when it changes), for environments with sanctions screening on")
	fs.StringVar(&f.coingeckoURL, "coingecko-url", "", "CoinGecko API root pricing the SDK's balances (includePrices), e.g. https://api.coingecko.com/api/v3; key in COINGECKO_API_KEY; off when empty")
	fs.StringVar(&f.captchaURLs, "captcha-verify-url", "", "captcha siteverify endpoints replacing the providers' own: PROVIDER=URL[,PROVIDER=URL], PROVIDER hcaptcha or cloudflareTurnstile")
	fs.DurationVar(&f.balanceTTL, "balance-ttl", 15*time.Second, "how long a token gate reuses a balance read from --evm-rpc (0: read at every sign-in and refresh)")
	fs.BoolVar(&f.noSettingsRPC, "no-settings-rpc", false, "token gates and the SDK's balances read only from --evm-rpc, never from the rpcUrl an environment's chain settings name for a network without one")
	fs.BoolVar(&f.settingsRPCPrivate, "settings-rpc-allow-private", false, "let the rpcUrl of an environment's chain settings be on loopback or private networks (a local chain); public addresses only by default")
	fs.BoolVar(&f.socialPrivate, "social-allow-private", false, "let social providers (an OpenID provider's domain and the endpoints its discovery names) be on loopback or private networks; public addresses only by default")
	fs.BoolVar(&f.externalJWTPrivate, "external-jwt-allow-private", false, "let the jwksUrl of an environment's externalAuth settings be on loopback or private networks (an auth system on this network); public addresses only by default")
	fs.DurationVar(&f.nonceTTL, "nonce-ttl", 24*time.Hour, "how long an issued sign-in nonce stays usable")
	fs.BoolVar(&f.omitFullJWT, "omit-full-jwt", false, "issue only the minifiedJwt on sign-in (one signature instead of two)")
	fs.StringVar(&f.rateLimits, "rate-limits", "on", "per-IP limits on SDK routes: on, or off for trusted load tests")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client")
	fs.DurationVar(&f.keyMaxAge, "signing-key-max-age", 0, "rotate each environment's JWT signing key once it is this old, e.g. 2160h (90 days; at least 24h); 0: only by 'keys rotate'")
	fs.DurationVar(&f.eventRetention, "event-retention", 0, "forget events (Events API, webhook logs, SDK analytics events) older than this, e.g. 2160h (90 days; at least 168h); 0: keep them all")
	fs.DurationVar(&f.sessionRetention, "session-retention", 0, "forget sessions that ended (refresh limit passed) longer ago than this, e.g. 2160h (90 days; at least 168h); 0: keep them all")
	fs.DurationVar(&f.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long to let in-flight requests finish on SIGINT/SIGTERM")
}

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f serveFlags
	o, log, err := command("serve", args, stderr, f.register)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if !postgres.IsURL(o.db) && o.signingAlg == "RS256" {
		log.Info("SQLite with RS256: one P above the CPUs, for the commits' fsync (GOMAXPROCS sets it instead)",
			"gomaxprocs", sqlite.RaiseProcs())
	}
	stopObserving, err := f.observe(ctx, o, log)
	if err != nil {
		return err
	}
	defer stopObserving()
	cfg, closeDelivery, err := f.config(ctx, o, log)
	if err != nil {
		return err
	}
	defer closeDelivery()
	auth, st, err := o.openWith(ctx, log, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ids, token, err := auth.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("seed database: %w", err)
	}
	if token != "" {
		fmt.Fprintf(stdout, "Seeded %s\n  organization:      %s\n  project:           %s\n  sandbox env:       %s\n  live env:          %s\n"+
			"  admin API token:   %s\nThe token is shown once; `dynamicauth init` issues another.\n",
			o.dbLabel(), ids.OrganizationID, ids.ProjectID, ids.EnvironmentID, ids.LiveEnvironmentID, token)
	}
	return f.serve(ctx, auth, o.dbLabel(), log)
}

// observe starts the metrics listener and the OpenTelemetry exporter the
// flags ask for, setting them on o; stop ends both.
func (f *serveFlags) observe(ctx context.Context, o *options, log *slog.Logger) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if f.withPprof && f.metricsAddr == "" {
		return stop, fmt.Errorf("--pprof needs --metrics-addr (profiles are never served on the API listener)")
	}
	if f.metricsAddr != "" {
		o.metrics = metrics.New()
		stopMetrics, err := serveMetrics(f.metricsAddr, o.metrics.Handler(f.withPprof), log)
		if err != nil {
			return stop, err
		}
		stops = append(stops, stopMetrics)
	}
	if f.otelEndpoint != "" {
		t, err := tracing.NewOTLP(ctx, f.otelEndpoint, "dynamicauth", dynamicauth.Version)
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("--otel-endpoint: %w", err)
		}
		o.tracing = t
		stops = append(stops, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := t.Shutdown(sctx); err != nil {
				log.Warn("OpenTelemetry: spans not sent at shutdown", "err", err)
			}
		})
		log.Info("tracing requests and store calls", "otel_endpoint", shownEndpoint(f.otelEndpoint))
	}
	return stop, nil
}

// config turns the flags into the facade's Config; closeDelivery stops
// the code delivery channels it opened.
func (f *serveFlags) config(ctx context.Context, o *options, log *slog.Logger) (cfg dynamicauth.Config, closeDelivery func(), err error) {
	closeDelivery = func() {}
	policy := ratelimit.DefaultPolicy()
	switch f.rateLimits {
	case "on":
	case "off":
		policy.Disabled = true
	default:
		return cfg, closeDelivery, fmt.Errorf("--rate-limits must be on or off, got %q", f.rateLimits)
	}
	if f.balanceTTL < 0 {
		return cfg, closeDelivery, fmt.Errorf("--balance-ttl must not be negative, got %s", f.balanceTTL)
	}
	balanceTTL := f.balanceTTL
	if balanceTTL == 0 {
		balanceTTL = -1 // AccessConfig: negative is "no cache", zero the default
	}
	publicHost := f.publicHost
	if publicHost == "" {
		publicHost = hostOfAddr(f.addr)
	}
	proxies, err := parsePrefixes(f.trustedProxies)
	if err != nil {
		return cfg, closeDelivery, err
	}
	rpc, err := dialEVM(ctx, f.evmRPC)
	if err != nil {
		return cfg, closeDelivery, err
	}
	rpcURLs, err := evmRPCURLs(f.evmRPC)
	if err != nil {
		return cfg, closeDelivery, err
	}
	screener, err := sanctionsScreener(f.sanctionsList, log)
	if err != nil {
		return cfg, closeDelivery, err
	}
	hookCfg, err := f.hooks.config()
	if err != nil {
		return cfg, closeDelivery, err
	}
	farcasterCfg, err := f.fc.config(rpc, log)
	if err != nil {
		return cfg, closeDelivery, err
	}
	balanceCfg, err := balancesConfig(f.coingeckoURL, log)
	if err != nil {
		return cfg, closeDelivery, err
	}
	captchaVerify, err := captchaVerifyURLs(f.captchaURLs)
	if err != nil {
		return cfg, closeDelivery, err
	}
	backups, err := f.backups.config(o)
	if err != nil {
		return cfg, closeDelivery, err
	}
	ch, err := f.codes.build(o, log)
	if err != nil {
		return cfg, closeDelivery, err
	}
	cfg = dynamicauth.Config{
		Mailer: ch.mailer, EmailProviders: ch.providers, SMS: ch.sms, Templates: ch.templates, OTP: ch.otp,
		Access: dynamicauth.AccessConfig{Screener: screener, BalanceTTL: balanceTTL,
			NoSettingsRPC: f.noSettingsRPC, SettingsRPCAllowPrivate: f.settingsRPCPrivate},
		PublicHost: publicHost, IssuerHosts: splitList(f.issuerHosts), Webhooks: hookCfg,
		SignIn: signin.Config{NonceTTL: f.nonceTTL, RPC: rpc}, Sessions: session.Config{OmitFullJWT: f.omitFullJWT},
		RateLimits: &policy, TrustedProxies: proxies,
		Networks: networks.Config{RPCURLs: rpcURLs}, Farcaster: farcasterCfg, Balances: balanceCfg,
		Captcha: dynamicauth.CaptchaConfig{VerifyURLs: captchaVerify}, Backups: backups, SigningKeyMaxAge: f.keyMaxAge,
		ExternalJWT:        externaljwt.Deps{AllowPrivate: f.externalJWTPrivate},
		SocialAllowPrivate: f.socialPrivate,
		EventRetention:     f.eventRetention,
		SessionRetention:   f.sessionRetention,
	}
	closeDelivery = func() {
		if err := ch.close(); err != nil {
			log.Warn("dev outbox not closed cleanly", "err", err)
		}
	}
	return cfg, closeDelivery, nil
}

// sanctionsScreener loads --sanctions-list, if set.
func sanctionsScreener(file string, log *slog.Logger) (access.Screener, error) {
	if file == "" {
		return nil, nil
	}
	ls, err := access.NewListScreener(file)
	if err != nil {
		return nil, fmt.Errorf("--sanctions-list: %w", err)
	}
	log.Info("sanctions list loaded", "file", file, "addresses", ls.Len())
	return ls, nil
}

// serve answers the API on --addr with the background chores running
// until ctx ends, then lets in-flight requests finish.
func (f *serveFlags) serve(ctx context.Context, auth *dynamicauth.Auth, dbLabel string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           auth.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	log.Info("dynamicauth listening", "addr", ln.Addr().String(), "db", dbLabel, "version", dynamicauth.Version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if err := auth.Start(ctx); err != nil {
		return err
	}
	defer auth.Close()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down, finishing in-flight requests", "timeout", f.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
