package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/dynamicauth/dynamicauth/tracing"
)

// options are the flags every command shares.
type options struct {
	db         string
	secret     string
	secretFile string
	// previousSecretFiles hold master secrets the current one replaces.
	previousSecretFiles []string
	sqliteSync          string
	signingAlg          string
	logLevel            string
	logFormat           string
	maxBodySize         int64
	// metrics, set by serve with --metrics-addr, observes the store too.
	metrics *metrics.Metrics
	// tracing, set by serve with --otel-endpoint, spans the store too.
	tracing *tracing.Tracing
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.db, "db", "./dynamicauth.db", "SQLite database file, or a postgres:// URL (several replicas on one PostgreSQL)")
	fs.StringVar(&o.secret, "secret", "", "base64 master secret (32 bytes); default: read or create --secret-file")
	fs.StringVar(&o.secretFile, "secret-file", "", "file holding the master secret (default: <db>.secret, created on first start)")
	fs.Func("previous-secret-file", "file holding a master secret the current one replaces (repeat, or separate with commas): "+
		"what it sealed still opens, API tokens and recovery codes it hashed still match (see the reseal command)", func(v string) error {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				o.previousSecretFiles = append(o.previousSecretFiles, f)
			}
		}
		return nil
	})
	fs.StringVar(&o.sqliteSync, "sqlite-sync", "FULL", "SQLite synchronous mode: FULL (survives power loss) or NORMAL (faster)")
	fs.StringVar(&o.signingAlg, "signing-alg", "RS256", "algorithm of new JWT signing keys: RS256, ES256 or EdDSA")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "text or json")
	fs.Int64Var(&o.maxBodySize, "max-body-bytes", 1<<20, "largest request body accepted")
}

// command parses a subcommand's flags: the shared ones, plus those extra
// registers (it may be nil), and builds the logger they ask for.
func command(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*options, *slog.Logger, error) {
	o, log, rest, err := commandArgs(name, args, stderr, extra)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	return o, log, err
}

// isHelp reports whether arg asks for help, as the flag package reads it.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help", "help":
		return true
	}
	return false
}

// commandArgs is command for one that takes arguments besides its flags
// (import's FILE), anywhere among them: it returns them in order.
func commandArgs(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*options, *slog.Logger, []string, error) {
	o := &options{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.register(fs)
	if extra != nil {
		extra(fs)
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return nil, nil, nil, err
	}
	log, err := o.logger(stderr)
	if err != nil {
		return nil, nil, nil, err
	}
	return o, log, rest, nil
}

// parseFlags parses args, first filling each flag from DYNAMICAUTH_<FLAG>
// so that flags given on the command line win over the environment, and
// returns the arguments that are no flag's, wherever they stand (after
// "--", every one).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "DYNAMICAUTH_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok && envErr == nil {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), nil
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

func (o *options) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, got %q", o.logFormat)
}

// secretPath is the master secret's file: --secret-file, else <db>.secret.
func (o *options) secretPath() string {
	if o.secretFile != "" {
		return o.secretFile
	}
	return o.db + ".secret"
}

// existingMasterSecret is masterSecret that never creates the file: a
// restored database needs the secret it was made with.
func (o *options) existingMasterSecret() ([]byte, error) {
	if o.secret != "" {
		return secrets.ParseMaster(o.secret)
	}
	path := o.secretPath()
	m, err := secrets.LoadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no master secret in %s: put there the secret the database was made with (or give it with --secret)", path)
	}
	return m, err
}

// previousMasterSecrets reads --previous-secret-file's files (never
// created).
func (o *options) previousMasterSecrets() ([][]byte, error) {
	var out [][]byte
	for _, f := range o.previousSecretFiles {
		m, err := secrets.LoadFile(f)
		if err != nil {
			return nil, fmt.Errorf("--previous-secret-file: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

func (o *options) masterSecret(log *slog.Logger) ([]byte, error) {
	if o.secret != "" {
		return secrets.ParseMaster(o.secret)
	}
	if o.secretFile == "" && postgres.IsURL(o.db) {
		return nil, fmt.Errorf("--db is a PostgreSQL URL: give the master secret with --secret or --secret-file (every replica needs the same one)")
	}
	path := o.secretPath()
	m, created, err := secrets.LoadOrCreateFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("created a new master secret; back it up with the database, losing it invalidates API tokens and signing keys", "file", path)
	} else if perm, loose := readableByOthers(path); loose {
		log.Warn("master secret file is readable by other users; chmod 600 it (whoever reads it can mint tokens and open sealed keys)",
			"file", path, "mode", fmt.Sprintf("%04o", perm))
	}
	return m, nil
}

// readableByOthers reports whether the group or everyone may read path.
func readableByOthers(path string) (fs.FileMode, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return fi.Mode().Perm(), fi.Mode().Perm()&0o044 != 0
}

// open opens the store and builds the Auth facade.
func (o *options) open(ctx context.Context, log *slog.Logger) (*dynamicauth.Auth, store.Store, error) {
	return o.openWith(ctx, log, dynamicauth.Config{})
}

// openStore opens the backend --db names: PostgreSQL for a postgres:// or
// postgresql:// URL, else the SQLite file. Pending migrations are applied
// unless skipMigrate.
func (o *options) openStore(ctx context.Context, skipMigrate bool) (store.Store, error) {
	var obs sqlstore.Observer
	if o.metrics != nil {
		obs = o.metrics
	}
	var tr sqlstore.Tracer
	if o.tracing != nil {
		tr = o.tracing
	}
	if postgres.IsURL(o.db) {
		return postgres.Open(ctx, o.db, postgres.Options{SkipMigrate: skipMigrate, Observer: obs, Tracing: tr})
	}
	return sqlite.Open(ctx, o.db, sqlite.Options{Synchronous: o.sqliteSync, SkipMigrate: skipMigrate, Observer: obs, Tracing: tr})
}

// dbLabel names the database in messages, without a URL's password,
// whether in its userinfo or its password parameter (libpq's and pgx's).
func (o *options) dbLabel() string {
	if u, err := url.Parse(o.db); err == nil && postgres.IsURL(o.db) {
		if q := u.Query(); q.Has("password") {
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted()
	}
	return o.db
}

// shownEndpoint is a collector's URL as the log names it: without a
// userinfo password or a query, where a key may be put.
func shownEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.ForceQuery, u.Fragment = "", false, ""
	return u.Redacted()
}

// openWith opens the store and builds the facade on top of base.
func (o *options) openWith(ctx context.Context, log *slog.Logger, base dynamicauth.Config) (*dynamicauth.Auth, store.Store, error) {
	master, err := o.masterSecret(log)
	if err != nil {
		return nil, nil, err
	}
	if base.PreviousMasterSecrets, err = o.previousMasterSecrets(); err != nil {
		return nil, nil, err
	}
	st, err := o.openStore(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	if !postgres.IsURL(o.db) {
		for _, f := range sqlite.ReadableByOthers(o.db) {
			log.Warn("database file is readable by other users; chmod 600 it (it holds token hashes, sealed keys and user data)", "file", f)
		}
	}
	if o.metrics != nil {
		if p, ok := st.(interface {
			PoolStats() map[string]sqlstore.PoolStats
		}); ok {
			o.metrics.WatchPools(func() map[string]metrics.PoolStats { return convertPools(p.PoolStats()) })
		}
		base.Metrics = o.metrics
	}
	base.Tracing = o.tracing
	base.Store, base.MasterSecret, base.SigningAlgorithm, base.Logger, base.MaxBodyBytes = st, master, o.signingAlg, log, o.maxBodySize
	auth, err := dynamicauth.New(base)
	if err == nil {
		// Before anything is seeded or signed: a token made with the
		// wrong secret would never verify.
		err = auth.CheckMasterSecret(ctx)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return auth, st, nil
}

func convertPools(in map[string]sqlstore.PoolStats) map[string]metrics.PoolStats {
	out := make(map[string]metrics.PoolStats, len(in))
	for name, p := range in {
		out[name] = metrics.PoolStats(p)
	}
	return out
}
