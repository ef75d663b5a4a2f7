package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/networks"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tracing"
)

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var addr, metricsAddr, otelEndpoint, publicHost, issuerHosts, evmRPC, rateLimits, trustedProxies, sanctionsList string
	var fc farcasterFlags
	var coingeckoURL, captchaURLs string
	var nonceTTL, shutdownTimeout, balanceTTL time.Duration
	var omitFullJWT, withPprof, settingsRPCPrivate, noSettingsRPC bool
	var hooks webhookFlags
	var codes deliveryFlags
	o, log, err := command("serve", args, stderr, func(fs *flag.FlagSet) {
		hooks.register(fs)
		codes.register(fs)
		fc.register(fs)
		fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
		fs.StringVar(&metricsAddr, "metrics-addr", "", "address of a separate listener serving Prometheus metrics at /metrics (off when empty; never on --addr)")
		fs.BoolVar(&withPprof, "pprof", false, "also serve net/http/pprof under /debug/pprof/ on the --metrics-addr listener")
		fs.StringVar(&otelEndpoint, "otel-endpoint", "", "OpenTelemetry collector's OTLP/HTTP URL (e.g. http://127.0.0.1:4318): trace requests and store calls (off when empty)")
		fs.StringVar(&publicHost, "public-host", "", "host named in JWT iss claims (default: the --addr host and port; localhost for a wildcard address)")
		fs.StringVar(&issuerHosts, "issuer-hosts", "", "comma-separated custom hostnames whose Host header names the JWT issuer instead of --public-host")
		fs.StringVar(&evmRPC, "evm-rpc", "", "EVM nodes for smart-contract wallet signatures and token-gate balances: CHAIN_ID=URL[,CHAIN_ID=URL]")
		fs.StringVar(&sanctionsList, "sanctions-list", "", "file of sanctioned wallet addresses, one per line (re-read when it changes), for environments with sanctions screening on")
		fs.StringVar(&coingeckoURL, "coingecko-url", "", "CoinGecko API root pricing the SDK's balances (includePrices), e.g. https://api.coingecko.com/api/v3; key in COINGECKO_API_KEY; off when empty")
		fs.StringVar(&captchaURLs, "captcha-verify-url", "", "captcha siteverify endpoints replacing the providers' own: PROVIDER=URL[,PROVIDER=URL], PROVIDER hcaptcha or cloudflareTurnstile")
		fs.DurationVar(&balanceTTL, "balance-ttl", 15*time.Second, "how long a token gate reuses a balance read from --evm-rpc (0: read at every sign-in and refresh)")
		fs.BoolVar(&noSettingsRPC, "no-settings-rpc", false, "token gates and the SDK's balances read only from --evm-rpc, never from the rpcUrl an environment's chain settings name for a network without one")
		fs.BoolVar(&settingsRPCPrivate, "settings-rpc-allow-private", false, "let the rpcUrl of an environment's chain settings be on loopback or private networks (a local chain); public addresses only by default")
		fs.DurationVar(&nonceTTL, "nonce-ttl", 24*time.Hour, "how long an issued sign-in nonce stays usable")
		fs.BoolVar(&omitFullJWT, "omit-full-jwt", false, "issue only the minifiedJwt on sign-in (one signature instead of two)")
		fs.StringVar(&rateLimits, "rate-limits", "on", "per-IP limits on SDK routes: on, or off for trusted load tests")
		fs.StringVar(&trustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client")
		fs.DurationVar(&shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long to let in-flight requests finish on SIGINT/SIGTERM")
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if !postgres.IsURL(o.db) && o.signingAlg == "RS256" {
		log.Info("SQLite with RS256: one P above the CPUs, for the commits' fsync (GOMAXPROCS sets it instead)",
			"gomaxprocs", sqlite.RaiseProcs())
	}
	if withPprof && metricsAddr == "" {
		return fmt.Errorf("--pprof needs --metrics-addr (profiles are never served on the API listener)")
	}
	if metricsAddr != "" {
		o.metrics = metrics.New()
		stopMetrics, err := serveMetrics(metricsAddr, o.metrics.Handler(withPprof), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if otelEndpoint != "" {
		t, err := tracing.NewOTLP(ctx, otelEndpoint, "dynamicauth", dynamicauth.Version)
		if err != nil {
			return fmt.Errorf("--otel-endpoint: %w", err)
		}
		o.tracing = t
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := t.Shutdown(sctx); err != nil {
				log.Warn("OpenTelemetry: spans not sent at shutdown", "err", err)
			}
		}()
		log.Info("tracing requests and store calls", "otel_endpoint", otelEndpoint)
	}

	policy := ratelimit.DefaultPolicy()
	switch rateLimits {
	case "on":
	case "off":
		policy.Disabled = true
	default:
		return fmt.Errorf("--rate-limits must be on or off, got %q", rateLimits)
	}
	proxies, err := parsePrefixes(trustedProxies)
	if err != nil {
		return err
	}
	rpc, err := dialEVM(ctx, evmRPC)
	if err != nil {
		return err
	}
	rpcURLs, err := evmRPCURLs(evmRPC)
	if err != nil {
		return err
	}
	var screener access.Screener
	if sanctionsList != "" {
		ls, err := access.NewListScreener(sanctionsList)
		if err != nil {
			return fmt.Errorf("--sanctions-list: %w", err)
		}
		log.Info("sanctions list loaded", "file", sanctionsList, "addresses", ls.Len())
		screener = ls
	}
	if balanceTTL < 0 {
		return fmt.Errorf("--balance-ttl must not be negative, got %s", balanceTTL)
	}
	if balanceTTL == 0 {
		balanceTTL = -1 // AccessConfig: negative is "no cache", zero the default
	}
	if publicHost == "" {
		publicHost = hostOfAddr(addr)
	}
	hookCfg, err := hooks.config()
	if err != nil {
		return err
	}
	ch, err := codes.build(o, log)
	if err != nil {
		return err
	}
	defer ch.close()
	farcasterCfg, err := fc.config(rpc, log)
	if err != nil {
		return err
	}
	balanceCfg, err := balancesConfig(coingeckoURL, log)
	if err != nil {
		return err
	}
	captchaVerify, err := captchaVerifyURLs(captchaURLs)
	if err != nil {
		return err
	}
	auth, st, err := o.openWith(ctx, log, dynamicauth.Config{Mailer: ch.mailer, EmailProviders: ch.providers, SMS: ch.sms, Templates: ch.templates, OTP: ch.otp, Access: dynamicauth.AccessConfig{Screener: screener, BalanceTTL: balanceTTL,
		NoSettingsRPC: noSettingsRPC, SettingsRPCAllowPrivate: settingsRPCPrivate}, PublicHost: publicHost, IssuerHosts: splitList(issuerHosts), Webhooks: hookCfg,
		SignIn: signin.Config{NonceTTL: nonceTTL, RPC: rpc}, Sessions: session.Config{OmitFullJWT: omitFullJWT}, RateLimits: &policy, TrustedProxies: proxies,
		Networks: networks.Config{RPCURLs: rpcURLs}, Farcaster: farcasterCfg, Balances: balanceCfg,
		Captcha: dynamicauth.CaptchaConfig{VerifyURLs: captchaVerify}})
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

	ln, err := net.Listen("tcp", addr)
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
	log.Info("dynamicauth listening", "addr", ln.Addr().String(), "db", o.dbLabel(), "version", dynamicauth.Version)
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
	log.Info("shutting down, finishing in-flight requests", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
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

func initCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var asJSON bool
	var email string
	o, log, err := command("init", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object with the ids and the token")
		fs.StringVar(&email, "email", "", "act for the operator with this email: created with an organization of their own if new")
	})
	if err != nil {
		return err
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ids, token, created, err := auth.Init(ctx)
	if err == nil && email != "" {
		ids, token, created, err = auth.InitOperator(ctx, email)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{
			"organizationId": ids.OrganizationID, "projectId": ids.ProjectID,
			"environmentId": ids.EnvironmentID, "liveEnvironmentId": ids.LiveEnvironmentID, "apiToken": token,
		})
	}
	what := "Issued a new admin API token for"
	if created {
		what = "Seeded"
	}
	fmt.Fprintf(stdout, "%s %s\n  organization:    %s\n  project:         %s\n  sandbox env:     %s\n  live env:        %s\n  admin API token: %s\n",
		what, o.dbLabel(), ids.OrganizationID, ids.ProjectID, ids.EnvironmentID, ids.LiveEnvironmentID, token)
	return nil
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action := "up"
	if len(args) > 0 && (args[0] == "status" || args[0] == "up") {
		action, args = args[0], args[1:]
	}
	o, _, err := command("migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	// Opening applies pending migrations unless only the status is asked for.
	st, err := o.openStore(ctx, action == "status")
	if err != nil {
		return err
	}
	defer st.Close()
	type row struct {
		version   int
		name      string
		appliedAt *time.Time
	}
	var rows []row
	switch st := st.(type) {
	case *sqlite.Store:
		status, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range status {
			rows = append(rows, row{m.Version, m.Name, m.AppliedAt})
		}
	case *postgres.Store:
		status, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range status {
			rows = append(rows, row{m.Version, m.Name, m.AppliedAt})
		}
	}
	for _, m := range rows {
		state := "pending"
		if m.appliedAt != nil {
			state = "applied " + m.appliedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%04d %-30s %s\n", m.version, m.name, state)
	}
	return nil
}

func versionCmd(stdout io.Writer) error {
	fmt.Fprintln(stdout, "dynamicauth", dynamicauth.Version)
	return nil
}

// parsePrefixes reads --trusted-proxies: CIDRs or single addresses.
func parsePrefixes(spec string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q: %w", part, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q: %w", part, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// hostOfAddr is the default issuer host: the listen address, with a
// wildcard host ("", 0.0.0.0, ::) read as localhost.
func hostOfAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// splitList reads a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
