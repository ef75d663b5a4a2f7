// Package postgres is the store for several replicas: any number of
// stateless dynamicauth processes share one PostgreSQL database through
// pgx connection pools. The schema follows the same versioned migration
// sequence as store/sqlite (each backend with its own SQL), compiled into
// the binary and applied on open under an advisory lock, so replicas
// starting together do not race.
//
// Everything replicas must agree on is a row: nonces, sessions and their
// revocation, signing keys, users and their credentials. Races are closed
// by the database, never by an in-process mutex: a nonce is consumed by a
// DELETE that only one transaction can win; two first sign-ins of one
// wallet meet on the credentials' unique constraint (INSERT … ON CONFLICT);
// key rotations lock the environment's row; unique custom-field values are
// a primary key.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/store/migration"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune the store.
type Options struct {
	// MaxConns caps the connection pool; 0 means the URL's pool_max_conns
	// or, without one, 16: a sign-in holds its connection across two round
	// trips and PostgreSQL's own work on them, so pgxpool's default of one
	// per CPU leaves the server idle (pools of 6 and 8 measured lower
	// throughput than 16 in perf/signin -compare, b33d95a).
	MaxConns int32
	// SkipMigrate opens without applying pending migrations.
	SkipMigrate bool
	// Observer, if set, is told transaction times.
	Observer sqlstore.Observer
	// Tracing, if set, spans every transaction and read (tracing.Tracing).
	Tracing sqlstore.Tracer
	// Tracer, if set, sees every statement and batch the pool sends
	// (tests count a sign-in's round trips with it).
	Tracer pgx.QueryTracer
}

// Store implements the domain stores on one PostgreSQL database.
type Store struct {
	*sqlstore.Store
	db   *pgxpool.Pool
	jobs *river.Client[pgx.Tx] // inserts jobs in write transactions (jobs.go)
	// stopWarm ends the warming of the users lists' anchors
	// (sqlstore/keyset_warm.go); nil if not started
	stopWarm func()
}

// IsURL reports whether a --db value names a PostgreSQL database.
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url (postgres://…) and migrates it.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	switch {
	case opt.MaxConns > 0:
		cfg.MaxConns = opt.MaxConns
	case !strings.Contains(url, "pool_max_conns"):
		cfg.MaxConns = 16
	}
	if opt.Tracer != nil {
		cfg.ConnConfig.Tracer = opt.Tracer
	}
	// Every time comes back in UTC, as the SQLite store returns them.
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect %s: %w", redact(cfg), err)
	}
	s := &Store{db: pool}
	if s.jobs, err = river.NewClient(riverpgxv5.New(pool), &river.Config{}); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: jobs: %w", err)
	}
	s.Store = sqlstore.New(sqlstore.Observed(sqlstore.Traced(driver{s}, opt.Tracing), opt.Observer))
	if opt.SkipMigrate {
		return s, nil
	}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.stopWarm = s.Store.WarmListAnchors(0)
	return s, nil
}

func redact(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// Close closes the pool.
func (s *Store) Close() error {
	// where the users lists' pages start, for the next start
	// (sqlstore/keyset_persist.go), within a few seconds
	if s.stopWarm != nil {
		s.stopWarm()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	saved := s.Store.SaveListAnchors(ctx)
	s.db.Close()
	return saved
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// Migration is one versioned schema change.
type Migration = migration.Migration

// Migrations lists the migrations compiled into the binary, in order.
func Migrations() ([]Migration, error) {
	return migration.Load(migrationFiles, "migrations")
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)`

// migrationLock is the pg_advisory_lock key migrations run under
// ("dynauth" in ASCII).
const migrationLock int64 = 0x64796e61757468

// MigrationStatus lists every known migration and when it was applied. It
// writes nothing: on a database never migrated every migration is pending.
func (s *Store) MigrationStatus(ctx context.Context) ([]Migration, error) {
	return migrationStatus(ctx, s.db)
}

func migrationStatus(ctx context.Context, q querier) ([]Migration, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("postgres: read migrations: %w", err)
	}
	if !exists {
		return all, nil
	}
	applied, err := sqlstore.AppliedMigrations(ctx, pgQuerier{q})
	if err != nil {
		return nil, err
	}
	return migration.Mark(all, applied), nil
}

// Migrate applies pending migrations, each in its own transaction, holding
// a session advisory lock so that replicas starting at once take turns:
// the first applies them, the others find nothing left to do.
func (s *Store) Migrate(ctx context.Context) error {
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer func() {
		// A lost connection releases the lock by itself.
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	}()
	if _, err := conn.Exec(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("postgres: migrations table: %w", err)
	}
	status, err := migrationStatus(ctx, conn)
	if err != nil {
		return err
	}
	for _, m := range status {
		if m.AppliedAt != nil {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, time.Now().UTC())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
	}
	if err := s.migrateJobs(ctx); err != nil {
		return err
	}
	return s.EnqueueOrphans(ctx)
}

// querier is what pools, connections and transactions offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// maxAttempts bounds the re-runs of a transaction that lost a deadlock or
// a serialization conflict to a concurrent one.
const maxAttempts = 5

// txRaw runs fn in a transaction, retried (see retrying), returning the
// driver's errors as they are.
func (s *Store) txRaw(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return retrying(ctx, func() error { return pgx.BeginTxFunc(ctx, s.db, opts, fn) })
}

// retrying runs a transaction again, from the start, after it lost a
// deadlock or a serialization conflict, up to maxAttempts in all.
func retrying(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || attempt == maxAttempts || classify(err).Kind != sqlstore.FaultRetryable || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 5 * time.Millisecond)
	}
}

// PoolStats reports the connection pool (metrics).
func (s *Store) PoolStats() map[string]sqlstore.PoolStats {
	st := s.db.Stat()
	return map[string]sqlstore.PoolStats{"postgres": {MaxOpen: int(st.MaxConns()), Open: int(st.TotalConns()),
		InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()), WaitCount: st.EmptyAcquireCount(),
		WaitDuration: st.EmptyAcquireWaitTime()}}
}

// Backup is not this store's to do: several replicas share the database,
// and PostgreSQL's own tools copy it consistently while it serves.
func (s *Store) Backup(context.Context, string) error {
	return errors.New("postgres: back the database up with pg_dump (or a base backup), not through dynamicauth")
}
