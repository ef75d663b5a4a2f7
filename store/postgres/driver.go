package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// dialect is PostgreSQL's side of the few SQL differences.
var dialect = sqlstore.Dialect{
	Name:           "postgres",
	IDList:         func(ids []string) any { return ids },
	InList:         "%s = ANY($%d)",
	ILike:          "ILIKE",
	Binary:         ` COLLATE "C"`, // byte order, as SQLite sorts text
	ForUpdate:      " FOR UPDATE",
	ForNoKeyUpdate: " FOR NO KEY UPDATE",
	JSONKey:        func(name string) string { return name },
	RenameMetadataKey: `UPDATE users SET metadata = (metadata - $1::text) || jsonb_build_object($2::text, metadata -> $1::text)
		WHERE environment_id = $3 AND jsonb_typeof(metadata) = 'object' AND metadata -> $1::text IS NOT NULL`,
	MetadataStrings: `SELECT id, metadata ->> $1::text FROM users
		WHERE environment_id = $2 AND jsonb_typeof(metadata -> $1::text) = 'string'`,
	AppendPreviousUser: `CASE WHEN jsonb_typeof(previous_users) = 'array' THEN previous_users ELSE '[]'::jsonb END
		|| to_jsonb($2::text)`,
	Bucket: bucket,
	Contains: func(col, value string) (string, any) {
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		// (the trigram indexes' predicate, migration 0042, repeated for
		// the planner: a value shorter than the search cannot match it)
		return `users.environment_id = $1 AND length(users.` + col + `) >= 3 AND users.` + col + ` ILIKE $2 ESCAPE '\'`,
			"%" + r.Replace(value) + "%"
	},
	EntryContains: func(value string) (string, any) {
		r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
		// (a part per column, each answered by its trigram index, as
		// the users' "all" filter; the alias index's predicate repeated
		// for the planner, migration 0057)
		return `allowlist_entries.id IN (SELECT id FROM allowlist_entries WHERE allowlist_id = $1 AND match_key ILIKE $2 ESCAPE '\'
			UNION SELECT id FROM allowlist_entries WHERE allowlist_id = $1 AND length(alias) >= 3 AND alias ILIKE $2 ESCAPE '\')`,
			"%" + r.Replace(value) + "%"
	},
}

// bucket reads timestamptz columns in UTC whatever the session's TimeZone.
func bucket(unit, col string) string {
	utc := "(" + col + " AT TIME ZONE 'UTC')"
	switch unit {
	case "week", "month":
		return "to_char(date_trunc('" + unit + "', " + utc + "), 'YYYY-MM-DD')"
	case "hour":
		return "CAST(CAST(extract(hour FROM " + utc + ") AS integer) AS text)"
	case "weekday":
		return "CAST(CAST(extract(dow FROM " + utc + ") AS integer) AS text)"
	}
	return "to_char(" + utc + ", 'YYYY-MM-DD')"
}

// driver runs sqlstore on the pool, natively through pgx.
type driver struct{ s *Store }

func (d driver) Dialect() *sqlstore.Dialect     { return &dialect }
func (d driver) Reader() sqlstore.Querier       { return pgQuerier{d.s.db} }
func (d driver) Ping(ctx context.Context) error { return d.s.db.Ping(ctx) }

// Write runs fn in a read-committed transaction, retried from the start on
// a deadlock or serialization failure; deferred writes are flushed before
// the commit.
func (d driver) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.s.txRaw(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		t := d.s.newTx(tx)
		if err := fn(t); err != nil {
			return err
		}
		return t.Flush(ctx)
	})
}

// WriteLazy is Write: PostgreSQL flushes its WAL for concurrent commits
// together, and an import with synchronous_commit=off was no faster
// (perf/users, 270 against 442 users/s on the loaded machine).
func (d driver) WriteLazy(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.Write(ctx, fn)
}

// Sync has nothing to do: every commit waited for the disk.
func (d driver) Sync(context.Context) error { return nil }

// Grouped runs fn in a pipelined transaction (pipeline.go), retried from
// the start on a deadlock or serialization failure; each replica's pool
// runs sign-ins side by side.
func (d driver) Grouped(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return retrying(ctx, func() error { return d.s.pipelined(ctx, fn) })
}

// Snapshot reads in one read-only repeatable-read transaction.
func (d driver) Snapshot(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return d.s.txRaw(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return fn(pgQuerier{tx})
	})
}

func (d driver) Classify(err error) sqlstore.Fault { return classify(err) }

// classify maps SQLSTATEs.
func classify(err error) sqlstore.Fault {
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.Fault{Kind: sqlstore.FaultNoRows}
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return sqlstore.Fault{}
	}
	switch pe.Code {
	case "23505":
		return sqlstore.Fault{Kind: sqlstore.FaultUnique, Constraint: pe.ConstraintName}
	case "23503":
		return sqlstore.Fault{Kind: sqlstore.FaultForeignKey, Constraint: pe.ConstraintName}
	case "40001", "40P01":
		return sqlstore.Fault{Kind: sqlstore.FaultRetryable}
	case "22021", "22P05": // character_not_in_repertoire (U+0000 in text, bad UTF-8), untranslatable_character (\u0000 in jsonb)
		return sqlstore.Fault{Kind: sqlstore.FaultText}
	}
	return sqlstore.Fault{}
}

// encode stores times in UTC, truncated to the millisecond: the precision
// SQLite keeps and the one the contract compares.
func encode(args []any) []any {
	return sqlstore.EncodeTimes(args, func(t time.Time) any { return t.UTC().Truncate(time.Millisecond) })
}

// Exec runs one statement outside any transaction.
func (d driver) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := d.s.db.Exec(ctx, sql, encode(args)...)
	return tag.RowsAffected(), err
}

type pgQuerier struct{ q querier }

func (q pgQuerier) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	return q.q.Query(ctx, sql, encode(args)...)
}

func (q pgQuerier) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	return q.q.QueryRow(ctx, sql, encode(args)...)
}

// pgTx is a write transaction whose deferred writes travel as one batch.
type pgTx struct {
	pgQuerier // reads
	tx        pgx.Tx
	batch     pgx.Batch
	scans     []func(sqlstore.Rows) error // per queued statement; nil for a write
	after     afterFlush
	jobs      *river.Client[pgx.Tx]
}

func (s *Store) newTx(tx pgx.Tx) *pgTx { return &pgTx{pgQuerier: pgQuerier{tx}, tx: tx, jobs: s.jobs} }

func (t *pgTx) AfterFlush(_ context.Context, fn func(context.Context) error) error {
	t.after = append(t.after, fn)
	return nil
}

func (t *pgTx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	if err := t.Flush(ctx); err != nil {
		return err
	}
	_, err := t.jobs.InsertManyTx(ctx, t.tx, jobs)
	return err
}

func (t *pgTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sql, encode(args)...)
	return tag.RowsAffected(), err
}

func (t *pgTx) Defer(_ context.Context, sql string, args ...any) error {
	t.batch.Queue(sql, encode(args)...)
	t.scans = append(t.scans, nil)
	return nil
}

// DeferQuery queues a read into the same batch as the writes.
func (t *pgTx) DeferQuery(_ context.Context, scan func(sqlstore.Rows) error, sql string, args ...any) error {
	t.batch.Queue(sql, encode(args)...)
	t.scans = append(t.scans, scan)
	return nil
}

// Flush sends the queued writes in one round trip, then runs the
// AfterFlush functions.
func (t *pgTx) Flush(ctx context.Context) error {
	if err := t.send(ctx); err != nil {
		return err
	}
	return t.after.run(ctx)
}

func (t *pgTx) send(ctx context.Context) error {
	n := t.batch.Len()
	if n == 0 {
		return nil
	}
	b, scans := t.batch, t.scans
	t.batch, t.scans = pgx.Batch{}, nil
	br := t.tx.SendBatch(ctx, &b)
	for i := 0; i < n; i++ {
		if err := batchResult(br, scans[i]); err != nil {
			br.Close()
			return err
		}
	}
	return br.Close()
}

func (t *pgTx) Savepoint(ctx context.Context, fn func(sqlstore.Tx) error) error {
	if err := t.Flush(ctx); err != nil {
		return err
	}
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return err
	}
	inner := &pgTx{pgQuerier: pgQuerier{sp}, tx: sp, jobs: t.jobs}
	if err := fn(inner); err != nil {
		_ = sp.Rollback(ctx)
		return err
	}
	if err := inner.Flush(ctx); err != nil {
		_ = sp.Rollback(ctx)
		return err
	}
	return sp.Commit(ctx)
}

// batchResult reads one queued statement's result: a write's tag, or a
// read's rows through scan.
func batchResult(br pgx.BatchResults, scan func(sqlstore.Rows) error) error {
	if scan == nil {
		_, err := br.Exec()
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// afterFlush holds the functions that wait for a Flush.
type afterFlush []func(context.Context) error

// run runs and forgets them, in order; they may queue and flush more.
func (a *afterFlush) run(ctx context.Context) error {
	for len(*a) > 0 {
		fn := (*a)[0]
		*a = (*a)[1:]
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}
