package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStatements bounds a pool's statement cache. The store's query
// texts are a fixed set (values are always bound, never pasted), but
// some are built per call (IN lists and multi-row INSERTs sized to their
// input, filter combinations), so the bound keeps a query shape nobody
// foresaw from growing the cache, and the prepared statements on every
// connection, without end: past it, a new text runs unprepared.
const maxCachedStatements = 2048

// cachedDB is a pool whose statements are prepared once and reused:
// parsing SQL was a fifth of a sign-in's CPU time before.
type cachedDB struct {
	*sql.DB
	stmts sync.Map // query text -> *sql.Stmt
	n     atomic.Int64
	limit int64
}

func newCachedDB(db *sql.DB) *cachedDB { return &cachedDB{DB: db, limit: maxCachedStatements} }

// stmt returns query's cached statement, preparing it on first use; nil
// (and no error) once the cache is full and query is not in it.
func (d *cachedDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := d.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	if d.n.Load() >= d.limit {
		return nil, nil
	}
	st, err := d.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	d.n.Add(1)
	return st, nil
}

func (d *cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return d.DB.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (d *cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return d.DB.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext prepares through the cache; a preparation error surfaces
// from Scan, as with *sql.DB.
func (d *cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := d.stmt(ctx, query)
	if err != nil || st == nil {
		return d.DB.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the cached statements and the pool.
func (d *cachedDB) Close() error {
	d.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return d.DB.Close()
}

// cachedTx runs a transaction's statements through its pool's cache. A
// statement not cached yet runs unprepared and is prepared after the
// transaction: the writer pool has one connection, which the transaction
// holds, so preparing on the pool now would wait for ever (and readers
// holding every connection of theirs would wait for each other).
type cachedTx struct {
	*sql.Tx
	db     *cachedDB
	missed []string
	// cancelable: statements end with the caller's context (a read
	// snapshot's); the writer's do not (see ExecContext).
	cancelable bool
}

// stmtCtx is the context a statement of t runs with.
func (t *cachedTx) stmtCtx(ctx context.Context) context.Context {
	if t.cancelable {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (t *cachedTx) cached(query string) *sql.Stmt {
	if st, ok := t.db.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	t.missed = append(t.missed, query)
	return nil
}

// The statements of a write transaction run without the caller's
// cancellation: with a context that can end, modernc.org/sqlite starts a
// goroutine per statement to interrupt it, for statements that take
// microseconds. (database/sql still starts one per result set, as the
// transaction's own context can always end.) A sign-in shares its transaction with others (group
// commit), so interrupting the one connection for one caller was never
// what it should do anyway; a job whose context ended before it ran is
// skipped (batch.go), and the transaction of txc still ends with its
// context.
func (t *cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.stmtCtx(ctx)
	if st := t.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.stmtCtx(ctx)
	if st := t.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.stmtCtx(ctx)
	if st := t.cached(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// txc is tx with cached statements, for the hot paths.
func (s *Store) txc(ctx context.Context, fn func(*cachedTx) error) error {
	missed, err := s.txcOn(ctx, s.w.BeginTx, fn)
	s.prepare(ctx, missed)
	return err
}

// txcOn is txc begun by begin (see txOn), returning the statements to
// prepare once the writer's connection is free again.
func (s *Store) txcOn(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), fn func(*cachedTx) error) ([]string, error) {
	var missed []string
	err := s.txOn(ctx, begin, func(tx *sql.Tx) error {
		ct := &cachedTx{Tx: tx, db: s.w}
		err := fn(ct)
		missed = ct.missed
		return err
	})
	return missed, err
}

// prepare caches the statements a write transaction ran unprepared.
func (s *Store) prepare(ctx context.Context, missed []string) {
	s.prepareOn(ctx, s.w, missed)
}

// prepareOn caches in db the statements a transaction ran unprepared.
func (s *Store) prepareOn(ctx context.Context, db *cachedDB, missed []string) {
	for _, q := range missed {
		_, _ = db.stmt(ctx, q) // best effort: a failure only costs a re-parse
	}
}
