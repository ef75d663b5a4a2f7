// Package sqlite is the embedded default store: modernc.org/sqlite (pure
// Go) in WAL mode with foreign keys, a busy timeout and versioned migrations
// compiled into the binary and applied on open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/store/migration"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options tune the store.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (default; a commit
	// survives power loss) or "NORMAL" (survives a process crash only).
	Synchronous string
	// ReadConns caps the reader pool; 0 means 2 per CPU.
	ReadConns int
	// SkipMigrate opens without applying pending migrations.
	SkipMigrate bool
	// Observer, if set, is told transaction times and group-commit sizes.
	Observer sqlstore.Observer
	// Tracing, if set, spans every transaction and read (tracing.Tracing).
	Tracing sqlstore.Tracer
}

// Store implements the domain stores on one SQLite file. Writes go through
// a single connection (SQLite has one writer anyway, and one connection
// avoids busy-waiting); reads use a pool.
type Store struct {
	*sqlstore.Store
	w, r  *cachedDB
	path  string
	sync  string // the synchronous mode of every commit but WriteLazy's
	wal   string // the WAL file; empty in memory
	batch *batcher
	ckpt  *checkpointer          // nil in memory
	jobs  *river.Client[*sql.Tx] // inserts jobs in write transactions (jobs.go)
	// stopWarm ends the warming of the users lists' anchors
	// (sqlstore/keyset_warm.go); nil if not started
	stopWarm func()
	// plainDSN opens one more connection to the file (backup.go); empty
	// in memory
	plainDSN string
}

// Open opens (creating if needed) the database at dbPath and migrates it.
// dbPath is a file path, ":memory:" (a database of this Store's own, gone
// when it closes), or an SQLite "file:" URI: "file:auth.db?_pragma=…",
// or in memory "file::memory:" and "file:name?mode=memory", where
// cache=shared makes the stores opened on that URI share one database.
func Open(ctx context.Context, dbPath string, opt Options) (*Store, error) {
	sync := strings.ToUpper(opt.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("sqlite: synchronous must be FULL or NORMAL, got %q", opt.Synchronous)
	}
	loc, err := locate(dbPath)
	if err != nil {
		return nil, err
	}
	if loc.file != "" {
		if err := createPrivate(loc.file); err != nil {
			return nil, err
		}
	}
	file := loc.dsnFile()
	dsn := func(extra string) string {
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(" + sync + ")"} {
			q.Add("_pragma", p)
		}
		return "file:" + file + q.Encode() + extra
	}
	// The writer keeps its temporary files in memory: group commit runs
	// each sign-in in a SAVEPOINT, and SQLite's sub-journal for it (page
	// images for a rollback to the savepoint, never needed after a crash)
	// otherwise spills to a temp file, a pwrite for every page a sign-in
	// touches. A batch's sub-journal is a few hundred KiB at most.
	// Its page cache is 64 MiB, not SQLite's 2 MiB: an import's rows land
	// at random places of the email, address and search indexes, and with
	// 2 MiB each batch read those pages back from the file (perf/users:
	// bulk import 292-322 -> 320-399 users/s, alternated, loaded machine).
	writer := "&_txlock=immediate&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)"
	if loc.file != "" {
		writer += "&_pragma=wal_autocheckpoint(0)" // checkpoint.go
	}
	w, err := sql.Open("sqlite", dsn(writer))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", dbPath, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", dbPath, replaced(err))
	}
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", dbPath, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = 2 * runtime.NumCPU()
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{w: newCachedDB(w), r: newCachedDB(r), path: dbPath, sync: sync}
	if loc.file != "" {
		s.wal, s.plainDSN = loc.file+"-wal", dsn("")
		ck, err := sql.Open("sqlite", s.plainDSN)
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", dbPath, err)
		}
		ck.SetMaxOpenConns(1)
		s.ckpt = newCheckpointer(ck)
	}
	s.batch = newBatcher(s, opt.Observer)
	if s.jobs, err = river.NewClient(riversqlite.New(w), &river.Config{}); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: jobs: %w", err)
	}
	s.Store = sqlstore.New(sqlstore.Observed(sqlstore.Traced(driver{s}, opt.Tracing), opt.Observer))
	if opt.SkipMigrate {
		return s, nil
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, replaced(err)
	}
	s.stopWarm = s.Store.WarmListAnchors(0)
	return s, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	if s.stopWarm != nil {
		s.stopWarm()
	}
	saved := s.saveListAnchors()
	s.batch.close()
	return errors.Join(saved, s.ckpt.close(), s.r.Close(), s.w.Close())
}

// saveListAnchors keeps where the users lists' pages start for the next
// start (sqlstore/keyset_persist.go), within a few seconds.
func (s *Store) saveListAnchors() error {
	if s.Store == nil { // closed by a failed Open
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Store.SaveListAnchors(ctx)
}

// Migration is one versioned schema change.
type Migration = migration.Migration

func migrations() ([]Migration, error) {
	return migration.Load(migrationFiles, "migrations")
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`

// MigrationStatus lists every known migration and when it was applied.
func (s *Store) MigrationStatus(ctx context.Context) ([]Migration, error) {
	all, err := migrations()
	if err != nil {
		return nil, err
	}
	if _, err := s.w.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("sqlite: migrations table: %w", err)
	}
	applied, err := sqlstore.AppliedMigrations(ctx, querier{s.w})
	if err != nil {
		return nil, err
	}
	return migration.Mark(all, applied), nil
}

// Migrate applies pending migrations, each in its own transaction.
func (s *Store) Migrate(ctx context.Context) error {
	status, err := s.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for _, m := range status {
		if m.AppliedAt != nil {
			continue
		}
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UTC().Format(sqlstore.TimeLayout))
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	return s.migrateJobs(ctx)
}

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if err := s.w.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return "", fmt.Errorf("sqlite: integrity_check: %w", err)
	}
	return res, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// tx runs fn in one write transaction (BEGIN IMMEDIATE).
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.txOn(ctx, s.w.BeginTx, fn)
}

// txOn is tx begun by begin: the writer pool's, or a connection taken
// from it (lazy.go).
func (s *Store) txOn(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(*sql.Tx) error) error {
	tx, err := begin(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	s.ckpt.committed()
	return nil
}

// PoolStats reports the writer connection and the reader pool (metrics).
func (s *Store) PoolStats() map[string]sqlstore.PoolStats {
	return map[string]sqlstore.PoolStats{"sqlite_writer": sqlPoolStats(s.w.Stats()), "sqlite_readers": sqlPoolStats(s.r.Stats())}
}

func sqlPoolStats(st sql.DBStats) sqlstore.PoolStats {
	return sqlstore.PoolStats{MaxOpen: st.MaxOpenConnections, Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle,
		WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
}
