package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/riverqueue/river"
	sqlitelib "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is SQLite's side of the few SQL differences.
var dialect = sqlstore.Dialect{
	Name: "sqlite",
	IDList: func(ids []string) any {
		if ids == nil {
			ids = []string{}
		}
		b, _ := json.Marshal(ids)
		return string(b)
	},
	InList:       "%s IN (SELECT value FROM json_each($%d))",
	Positional:   true,
	OneWriter:    true,
	CommitsLater: true,
	ILike:        "LIKE", // case-insensitive for ASCII, as SQLite's LIKE is
	// Field names hold no quotes or backslashes.
	JSONKey: func(name string) string { return `$."` + name + `"` },
	RenameMetadataKey: `UPDATE users SET metadata = json_set(json_remove(metadata, $1), $2, json(metadata -> $1))
		WHERE environment_id = $3 AND json_valid(metadata) AND json_type(metadata, $1) IS NOT NULL`,
	MetadataStrings: `SELECT id, metadata ->> $1 FROM users
		WHERE environment_id = $2 AND json_valid(metadata) AND json_type(metadata, $1) = 'text'`,
	AppendPreviousUser: `json_insert(CASE WHEN json_valid(previous_users) THEN previous_users ELSE '[]' END, '$[#]', $2)`,
	Bucket:             bucket,
	Contains:           contains,
	EntryContains:      entryContains,
}

// contains searches the FTS5 trigram index user_search: a phrase of the
// value matches it as a substring, in any letter case.
func contains(col, value string) (string, any) {
	return `users.id IN (SELECT r.user_id FROM user_search s JOIN user_search_rows r ON r.rowid = s.rowid
		WHERE user_search MATCH $2 AND s.environment_id = $1)`,
		"{" + col + `} : "` + strings.ReplaceAll(value, `"`, `""`) + `"`
}

// entryContains searches allowlist_entry_search (migration 0057), whose
// trigram tokenizer folds letter case.
func entryContains(value string) (string, any) {
	return `allowlist_entries.id IN (SELECT r.entry_id FROM allowlist_entry_search s
		JOIN allowlist_entry_search_rows r ON r.rowid = s.rowid
		WHERE allowlist_entry_search MATCH $2 AND s.allowlist_id = $1)`,
		`{match_key alias} : "` + strings.ReplaceAll(value, `"`, `""`) + `"`
}

// bucket reads times stored as TEXT in sqlstore.TimeLayout (UTC,
// "2006-01-02T15:04:05.000Z"): the day is the first ten characters.
func bucket(unit, col string) string {
	day := "substr(" + col + ", 1, 10)"
	switch unit {
	case "week": // the Sunday on or after the day, less six days: its Monday
		return "date(" + day + ", 'weekday 0', '-6 days')"
	case "month":
		return "substr(" + col + ", 1, 7) || '-01'"
	case "hour":
		return "CAST(CAST(substr(" + col + ", 12, 2) AS integer) AS text)"
	case "weekday":
		return "strftime('%w', " + day + ")"
	}
	return day
}

// driver runs sqlstore on the Store's single writer and reader pool.
type driver struct{ s *Store }

func (d driver) Dialect() *sqlstore.Dialect     { return &dialect }
func (d driver) Reader() sqlstore.Querier       { return querier{d.s.r} }
func (d driver) Ping(ctx context.Context) error { return d.s.r.PingContext(ctx) }

// Exec runs one statement on the writer, outside any transaction.
func (d driver) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	args, err := encode(args)
	if err != nil {
		return 0, err
	}
	return rowsAffected(d.s.w.ExecContext(ctx, query, args...))
}

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d driver) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.s.txc(ctx, func(tx *cachedTx) error { return fn(d.s.newWriteTx(tx)) })
}

// WriteLazy is Write committed without waiting for the disk (lazy.go).
func (d driver) WriteLazy(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.s.lazyTx(ctx, func(tx *cachedTx) error { return fn(d.s.newWriteTx(tx)) })
}

// Sync makes every commit so far durable (lazy.go).
func (d driver) Sync(context.Context) error { return d.s.syncWAL() }

// Grouped shares a commit with concurrent callers (see batch.go).
func (d driver) Grouped(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.s.batch.do(ctx, func(tx *cachedTx) error { return fn(d.s.newWriteTx(tx)) })
}

// Snapshot reads in one read transaction of the reader pool.
//
// Its statements run through the readers' statement cache, as Reader's
// do: a users list page parsed its six statements on every request, a
// tenth of the request's CPU time (perf/users, first page).
func (d driver) Snapshot(ctx context.Context, fn func(sqlstore.Querier) error) error {
	tx, err := d.s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	ct := &cachedTx{Tx: tx, db: d.s.r, cancelable: true}
	if err := fn(querier{ct}); err != nil {
		return err
	}
	err = tx.Commit()
	d.s.prepareOn(ctx, d.s.r, ct.missed)
	return err
}

// Classify maps SQLite's result codes. A unique index over an expression
// is named in the message ("UNIQUE constraint failed: index 'name'"); a
// plain one lists its columns ("users.environment_id, users.email").
func (d driver) Classify(err error) sqlstore.Fault {
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.Fault{Kind: sqlstore.FaultNoRows}
	}
	if errors.Is(err, errText) {
		return sqlstore.Fault{Kind: sqlstore.FaultText}
	}
	var se *sqlitelib.Error
	if !errors.As(err, &se) {
		return sqlstore.Fault{}
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		// "constraint failed: UNIQUE constraint failed: index 'name' (2067)"
		msg := se.Error()
		if i := strings.LastIndex(msg, " ("); i >= 0 {
			msg = msg[:i]
		}
		if i := strings.LastIndex(msg, "constraint failed: "); i >= 0 {
			msg = msg[i+len("constraint failed: "):]
		}
		name := msg
		if n, ok := strings.CutPrefix(msg, "index '"); ok {
			name = strings.TrimSuffix(n, "'")
		}
		return sqlstore.Fault{Kind: sqlstore.FaultUnique, Constraint: name}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return sqlstore.Fault{Kind: sqlstore.FaultForeignKey}
	}
	return sqlstore.Fault{}
}

// SQLite stores times as fixed-width UTC text (sqlstore.TimeLayout), which
// compares as the times do. Arguments are encoded so and scan
// destinations decoded so, so that sqlstore passes and scans time.Time.

func encodeTime(t time.Time) any { return t.UTC().Format(sqlstore.TimeLayout) }

func decode(dest []any) []any {
	for i, d := range dest {
		switch v := d.(type) {
		case *time.Time:
			dest[i] = sqlstore.TimeDest(v)
		case **time.Time:
			dest[i] = sqlstore.TimePtrDest(v)
		}
	}
	return dest
}

type rows struct{ *sql.Rows }

func (r rows) Close()                 { _ = r.Rows.Close() }
func (r rows) Scan(dest ...any) error { return r.Rows.Scan(decode(dest)...) }

type row struct{ *sql.Row }

func (r row) Scan(dest ...any) error { return r.Row.Scan(decode(dest)...) }

func wrapRows(r *sql.Rows, err error) (sqlstore.Rows, error) {
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

// sqlQueryer is what reads run on: the reader pool's statement cache, a
// read transaction or the writer's transaction.
type sqlQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier is a sqlQueryer as sqlstore reads: times encoded and decoded.
type querier struct{ q sqlQueryer }

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	args, err := encode(args)
	if err != nil {
		return nil, err
	}
	return wrapRows(q.q.QueryContext(ctx, query, args...))
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	args, err := encode(args)
	if err != nil {
		return errRow{err}
	}
	return row{q.q.QueryRowContext(ctx, query, args...)}
}

// writeTx is a write transaction on the single writer connection.
type writeTx struct {
	querier
	tx    *cachedTx
	jobs  *river.Client[*sql.Tx]
	depth int
}

func (s *Store) newWriteTx(tx *cachedTx) *writeTx {
	return &writeTx{querier: querier{tx}, tx: tx, jobs: s.jobs}
}

// AfterFlush runs fn at once: nothing waits to be sent.
func (t *writeTx) AfterFlush(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}

// InsertJobs inserts on the writer's own transaction: inside a group
// commit, within the caller's savepoint, so a sign-in rolled back alone
// takes its jobs with it.
func (t *writeTx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	_, err := t.jobs.InsertManyTx(ctx, t.tx.Tx, jobs)
	return err
}

func (t *writeTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	args, err := encode(args)
	if err != nil {
		return 0, err
	}
	return rowsAffected(t.tx.ExecContext(ctx, query, args...))
}

// Defer runs the write at once: SQLite is in-process, a round trip costs
// nothing.
func (t *writeTx) Defer(ctx context.Context, query string, args ...any) error {
	args, err := encode(args)
	if err == nil {
		_, err = t.tx.ExecContext(ctx, query, args...)
	}
	return err
}

// DeferQuery runs the read at once, as Defer runs writes.
func (t *writeTx) DeferQuery(ctx context.Context, scan func(sqlstore.Rows) error, query string, args ...any) error {
	rows, err := t.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Err()
}

func (t *writeTx) Flush(context.Context) error { return nil }

func (t *writeTx) Savepoint(ctx context.Context, fn func(sqlstore.Tx) error) error {
	t.depth++
	defer func() { t.depth-- }()
	name := "sp" + strconv.Itoa(t.depth)
	if _, err := t.tx.Tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	if err := fn(t); err != nil {
		if _, rerr := t.tx.Tx.ExecContext(ctx, "ROLLBACK TO "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		_, _ = t.tx.Tx.ExecContext(ctx, "RELEASE "+name)
		return err
	}
	_, err := t.tx.Tx.ExecContext(ctx, "RELEASE "+name)
	return err
}
