package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/perf/internal/sdkclient"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/jackc/pgx/v5"
)

// environment is the server under test, in this process, on loopback.
type environment struct {
	backend string
	st      store.Store
	db      sqlstore.Driver
	auth    *dynamicauth.Auth
	srv     *httptest.Server
	http    *http.Client
	envID   string
	users   int
	token   string
	cleanup func()
}

func newEnvironment(ctx context.Context, c config) (*environment, error) {
	e := &environment{backend: c.backend, http: &http.Client{Timeout: 5 * time.Minute}}
	var err error
	if c.backend == "sqlite" {
		file := c.dbFile
		e.cleanup = func() {}
		if file == "" {
			dir, err := os.MkdirTemp("", "users-bench-")
			if err != nil {
				return nil, err
			}
			e.cleanup = func() { os.RemoveAll(dir) }
			file = filepath.Join(dir, "auth.db")
		}
		e.st, err = sqlite.Open(ctx, file, sqlite.Options{Synchronous: c.sync})
		if err != nil {
			e.cleanup()
			return nil, err
		}
	} else {
		dsn, drop, err := benchSchema(ctx, c.pgURL, c.pgSchema)
		if err != nil {
			return nil, err
		}
		e.cleanup = drop
		if e.st, err = postgres.Open(ctx, dsn, postgres.Options{}); err != nil {
			drop()
			return nil, err
		}
	}
	e.db = e.st.(interface{ Driver() sqlstore.Driver }).Driver()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	if kept := c.keptKeyFile(); kept != "" {
		// the signing keys in a reused database are sealed with its secret
		if secret, _, err = secrets.LoadOrCreateFile(kept); err != nil {
			e.close()
			return nil, err
		}
	}
	policy := ratelimit.DefaultPolicy()
	policy.Disabled = true
	// warnings and errors to stderr: a failed request's cause
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.auth, err = dynamicauth.New(dynamicauth.Config{Store: e.st, MasterSecret: secret, PublicHost: "localhost",
		RateLimits: &policy, Logger: logger})
	if err != nil {
		e.close()
		return nil, err
	}
	// Init seeds an empty database and mints a token either way (a
	// reused database's first token is not known any more).
	ids, token, _, err := e.auth.Init(ctx)
	if err != nil {
		e.close()
		return nil, err
	}
	e.envID, e.token = ids.EnvironmentID, token
	e.srv = httptest.NewServer(e.auth.Handler())
	return e, nil
}

func (e *environment) close() {
	if e.srv != nil {
		e.srv.Close()
	}
	if e.auth != nil {
		e.auth.Close()
	}
	if e.st != nil {
		e.st.Close()
	}
	e.cleanup()
}

// keptKeyFile is where the master secret of a database kept after the
// run is (-db or -postgres-schema), or "" for a throwaway one.
func (c config) keptKeyFile() string {
	switch {
	case c.backend == "sqlite" && c.dbFile != "":
		return c.dbFile + ".key"
	case c.backend == "postgres" && c.pgSchema != "":
		return filepath.Join(os.TempDir(), "dynamicauth-"+c.pgSchema+".key")
	}
	return ""
}

// benchSchema is the PostgreSQL schema of the run: the one named (created
// if missing, kept after the run) or a throwaway one.
func benchSchema(ctx context.Context, base, name string) (string, func(), error) {
	if base == "" {
		return "", nil, fmt.Errorf("-backend postgres needs -postgres-url or DYNAMICAUTH_TEST_POSTGRES_URL")
	}
	schema, drop := name, true
	if schema == "" {
		schema = fmt.Sprintf("users_bench_%d", time.Now().UnixNano())
	} else if !regexp.MustCompile(`^[a-z_][a-z0-9_]*$`).MatchString(schema) {
		return "", nil, fmt.Errorf("-postgres-schema: lower-case letters, digits and _, not %q", schema)
	} else {
		drop = false
	}
	if err := pgExec(ctx, base, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	if !drop {
		return u.String(), func() {}, nil
	}
	return u.String(), func() { _ = pgExec(context.Background(), base, "DROP SCHEMA "+schema+" CASCADE") }, nil
}

func pgExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Generated users and wallets have ids these prefixes and i in 12 digits
// make (UUIDs, as the API requires).
const (
	userIDPrefix = "00000000-0000-4000-8000-"
	credIDPrefix = "00000000-0000-4000-9000-"
)

func userID(i int) string { return fmt.Sprintf("%s%012d", userIDPrefix, i) }

// fillChunk is how many users one INSERT … SELECT writes.
const fillChunk = 100_000

// fill writes users 1..n of the environment (id userID(i), email
// user{i}@example.com, alias, username, phone) with an EVM wallet each
// (address 0x + i in 40 hex digits), straight into the tables.
func (e *environment) fill(ctx context.Context, from, n int) error {
	// Users are created a millisecond apart: a list ordered by creation
	// has no ties to sort.
	series, hex40, num7, num12 := `WITH RECURSIVE g(i) AS (SELECT CAST($2 AS INTEGER) UNION ALL SELECT i + 1 FROM g WHERE i < $3) `,
		`printf('%040x', i)`, `printf('%07d', i)`, `printf('%012d', i)`
	at := `strftime('%Y-%m-%dT%H:%M:%fZ', $4, '+' || (i / 1000) || ' seconds', '+' || (i % 1000) || '.000 seconds')`
	if e.backend == "postgres" {
		series, hex40, num7, num12 = `WITH g(i) AS (SELECT generate_series(CAST($2 AS INTEGER), $3)) `,
			`lpad(to_hex(i), 40, '0')`, `lpad(CAST(i AS text), 7, '0')`, `lpad(CAST(i AS text), 12, '0')`
		at = `(CAST($4 AS timestamptz) + i * interval '1 millisecond')`
	}
	users := series + `INSERT INTO users (id, environment_id, email, alias, first_name, last_name, phone_number, username,
		metadata, created_at, updated_at, last_visit_at)
		SELECT '` + userIDPrefix + `' || ` + num12 + `, $1, 'user' || i || '@example.com', 'alias' || i, 'First' || i, 'Last' || i,
		'+1555' || ` + num7 + `, 'user' || i, '{}', ` + at + `, ` + at + `, ` + at + ` FROM g`
	creds := series + `INSERT INTO verified_credentials (id, environment_id, user_id, format, chain, address,
		public_identifier, wallet_name, wallet_provider, verified_at, created_at)
		SELECT '` + credIDPrefix + `' || ` + num12 + `, $1, '` + userIDPrefix + `' || ` + num12 + `, 'blockchain', 'eip155', '0x' || ` + hex40 + `, '0x' || ` + hex40 + `,
		'metamask', 'browserExtension', ` + at + `, ` + at + ` FROM g`
	base := time.Now().UTC().Add(-24 * time.Hour)
	for lo := from; lo <= n; lo += fillChunk {
		hi := min(lo+fillChunk-1, n)
		err := e.db.Write(ctx, func(tx sqlstore.Tx) error {
			if _, err := tx.Exec(ctx, users, e.envID, lo, hi, base); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, creds, e.envID, lo, hi, base)
			return err
		})
		if err != nil {
			return err
		}
	}
	if e.backend == "postgres" {
		// as autovacuum would after a bulk load (SQLite plans without
		// statistics, as the server runs it)
		_, err := e.db.Exec(ctx, `ANALYZE`)
		return err
	}
	return nil
}

// generated is how many of users 1..n the environment holds already (a
// reused database): the highest generated id, read from users_env_id.
func (e *environment) generated(ctx context.Context) (int, error) {
	var last *string
	err := e.db.Reader().QueryRow(ctx, `SELECT max(id) FROM users WHERE environment_id = $1 AND id >= $2 AND id <= $3`,
		e.envID, userID(0), userID(999_999_999_999)).Scan(&last)
	if err != nil || last == nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimPrefix(*last, userIDPrefix))
}

// count is the number of users of the environment.
func (e *environment) count(ctx context.Context) (int, error) {
	var n int
	err := e.db.Reader().QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM user_counts WHERE environment_id = $1`, e.envID).Scan(&n)
	return n, err
}

// do sends an admin request and decodes a 200 answer into out (if set).
func (e *environment) do(ctx context.Context, method, path string, body, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	return sdkclient.Call(ctx, e.http, method, e.srv.URL+"/api/v0"+path, http.Header{"Authorization": {"Bearer " + e.token}}, b, out)
}
