package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Store implements the domain store interfaces once, over a Driver. The
// backends embed it: sqlite.Store and postgres.Store are a *Store plus
// what only that backend has (migrations, integrity checks, rate limits).
type Store struct {
	db Driver
	d  *Dialect
	// anchors: where pages of the users lists start (keyset.go)
	anchors *anchorCache
	// countBound bounds a filtered list's count (0: users.MaxListCount)
	countBound int
	// signIns counts CompleteSignIn calls on a backend of one writer
	// (WriterSignIns)
	signIns atomic.Uint64
}

// New returns the store over drv.
func New(drv Driver) *Store { return &Store{db: drv, d: drv.Dialect(), anchors: newAnchorCache()} }

// Driver returns the driver the store runs on.
func (s *Store) Driver() Driver { return s.db }

// Ping implements store.Store (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// fail turns a driver error into what the domain expects: nil stays nil, a
// domain error passes through, a missing row (or a missing referenced row)
// becomes notFound (a sentinel the domain declares), a unique violation a
// duplicate conflict, text the backend cannot store
// errs.UnstorableText, anything else an internal error whose op only the
// log sees.
func (s *Store) fail(op string, notFound, err error) error {
	if err == nil {
		return nil
	}
	var e *errs.E
	if errors.As(err, &e) {
		return err
	}
	switch s.db.Classify(err).Kind {
	case FaultNoRows, FaultForeignKey:
		if notFound != nil {
			return notFound
		}
	case FaultUnique:
		return errs.Duplicate()
	case FaultText:
		return errs.UnstorableText()
	}
	return errs.Internal(s.d.Name+": "+op, err)
}

// noRows reports whether err is "the query found no row".
func (s *Store) noRows(err error) bool {
	return err != nil && s.db.Classify(err).Kind == FaultNoRows
}

// unique reports a unique violation of constraint ("" for any).
func (s *Store) unique(err error, constraint string) bool {
	if err == nil {
		return false
	}
	f := s.db.Classify(err)
	return f.Kind == FaultUnique && (constraint == "" || f.Constraint == constraint)
}

// affected turns "no row changed" into notFound.
func (s *Store) affected(op string, notFound error, n int64, err error) error {
	if err != nil {
		return s.fail(op, notFound, err)
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// in is the SQL testing column against the id list in parameter n.
func (s *Store) in(column string, n int) string { return fmt.Sprintf(s.d.InList, column, n) }

// TimeDest scans a time stored as text (or a time.Time) into *t: the
// SQLite driver wraps *time.Time scan destinations with it.
func TimeDest(t *time.Time) any { return timeDest{t: t} }

// TimePtrDest is TimeDest for a nullable column.
func TimePtrDest(t **time.Time) any { return timePtrDest{t: t} }

type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	v, ok, err := parseTime(src)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("sqlstore: NULL in a NOT NULL time column")
	}
	*d.t = v
	return nil
}

type timePtrDest struct{ t **time.Time }

func (d timePtrDest) Scan(src any) error {
	v, ok, err := parseTime(src)
	if err != nil || !ok {
		*d.t = nil
		return err
	}
	*d.t = &v
	return nil
}

// TimeLayout is how SQLite stores times: UTC to the millisecond, fixed
// width, so that text comparison is time comparison.
const TimeLayout = "2006-01-02T15:04:05.000Z"

func parseTime(src any) (time.Time, bool, error) {
	switch v := src.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case string:
		return ParseTime(v), true, nil
	case []byte:
		return ParseTime(string(v)), true, nil
	}
	return time.Time{}, false, fmt.Errorf("sqlstore: cannot scan %T into a time", src)
}

// ParseTime reads a time as SQLite stores it (or any RFC 3339 time).
func ParseTime(s string) time.Time {
	t, err := time.Parse(TimeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC()
}

// jsonOr returns b, or def when b is empty (a jsonb column refuses "").
func jsonOr(b []byte, def string) string {
	if len(b) == 0 {
		return def
	}
	return string(b)
}

// write runs fn in one write transaction (see Driver.Write).
func (s *Store) write(ctx context.Context, fn func(Tx) error) error {
	return s.fail("transaction", nil, s.db.Write(ctx, fn))
}

// snapshot runs fn with reads that see one state (see Driver.Snapshot).
func (s *Store) snapshot(ctx context.Context, fn func(Querier) error) error {
	return s.fail("snapshot", nil, s.db.Snapshot(ctx, fn))
}

// EncodeTimes replaces the time.Time and *time.Time arguments in args by
// enc of them (nil for a nil pointer): how a driver stores times.
func EncodeTimes(args []any, enc func(time.Time) any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = enc(v)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = enc(*v)
			}
		}
	}
	return args
}

// AppliedMigrations reads schema_migrations through q: when each version
// was applied.
func AppliedMigrations(ctx context.Context, q Querier) (map[int]time.Time, error) {
	rows, err := q.Query(ctx, `SELECT version, applied_at FROM schema_migrations`)
	all, err := collect(rows, err, pair[int, time.Time])
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	applied := make(map[int]time.Time, len(all))
	for _, m := range all {
		applied[m.a] = m.b
	}
	return applied, nil
}

// collect scans each row of a query's result with scan.
func collect[T any](rows Rows, err error, scan func(Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// list runs a query and scans each row with scan.
func list[T any](ctx context.Context, s *Store, q Querier, op string, scan func(Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	out, err := collect(rows, err, scan)
	return out, s.fail(op, nil, err)
}

// get reads one row from the reader with scan; no row is notFound.
func get[T any](ctx context.Context, s *Store, op string, notFound error, scan func(Row) (T, error), sql string, args ...any) (*T, error) {
	v, err := scan(s.db.Reader().QueryRow(ctx, sql, args...))
	if err != nil {
		return nil, s.fail(op, notFound, err)
	}
	return &v, nil
}

// insertSQL is "INSERT INTO table (columns) VALUES ($1, …, $n)", one
// parameter per column, in the order of columns.
func insertSQL(table, columns string) string {
	params := make([]string, strings.Count(columns, ",")+1)
	for i := range params {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	return "INSERT INTO " + table + " (" + columns + ") VALUES (" + strings.Join(params, ", ") + ")"
}

// qualified prefixes each column of a column list with alias and a dot.
func qualified(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// execer is what runs a write: the driver (autocommit) or a Tx.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
}

// change runs a write that must change a row: none changed is notFound.
func (s *Store) change(ctx context.Context, e execer, op string, notFound error, sql string, args ...any) error {
	n, err := e.Exec(ctx, sql, args...)
	return s.affected(op, notFound, n, err)
}

// scanner scans a row into a new T through the destinations fields gives:
// one list per table, in its columns' order, that values also turns into
// the arguments of the table's INSERT.
func scanner[T any](fields func(*T) []any) func(Row) (T, error) {
	return func(r Row) (v T, err error) {
		err = r.Scan(fields(&v)...)
		return v, err
	}
}

// values are what the pointers of a field list point at.
func values(ptrs []any) []any {
	out := make([]any, len(ptrs))
	for i, p := range ptrs {
		out[i] = reflect.ValueOf(p).Elem().Interface()
	}
	return out
}

// writeRow runs one statement that writes and returns a row, in its own
// write transaction, and scans the row; no row is notFound.
func writeRow[T any](ctx context.Context, s *Store, op string, notFound error, scan func(Row) (T, error), sql string, args ...any) (*T, error) {
	var v T
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		v, err = scan(tx.QueryRow(ctx, sql, args...))
		return err
	})
	if err != nil {
		return nil, s.fail(op, notFound, err)
	}
	return &v, nil
}

// nonNil gives an empty list, not nil, when a query found no row (the
// domain answers [] rather than null).
func nonNil[T any](rows []T, err error) ([]T, error) {
	if rows == nil && err == nil {
		rows = []T{}
	}
	return rows, err
}

// first is the first of rows, or notFound when there is none.
func first[T any](rows []T, err error, notFound error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound
	}
	return &rows[0], nil
}

// column scans a one-column row.
func column[T any](r Row) (v T, err error) {
	err = r.Scan(&v)
	return v, err
}

// pair scans a two-column row.
func pair[A, B any](r Row) (p struct {
	a A
	b B
}, err error) {
	err = r.Scan(&p.a, &p.b)
	return p, err
}
