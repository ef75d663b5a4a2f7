package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// A pipelined transaction: the hot, small transactions (a sign-in) in as
// few round trips as their logic allows. BEGIN is not sent on its own but
// in front of the first statement, every read that is waited for goes in
// one batch with the writes queued before it, and COMMIT is the last
// round trip: a sign-in is [BEGIN, its first read], [its writes and the
// read-back], [COMMIT]. pgx sends a batch with one Sync, so a failing
// statement skips the rest of its batch and leaves the transaction aborted;
// the transaction is then rolled back.

type pipeItem struct {
	sql  string
	args []any
	scan func(sqlstore.Rows) error // a read; nil for a write
	tag  *pgconn.CommandTag        // a write whose result is wanted
}

type pipeTx struct {
	conn  *pgx.Conn
	items []pipeItem
	begun bool // BEGIN has been sent
	depth int  // savepoint nesting
	after afterFlush
	jobs  *river.Client[pgx.Tx]
}

// pipelined runs fn in one pipelined transaction on a pooled connection.
func (s *Store) pipelined(ctx context.Context, fn func(sqlstore.Tx) error) error {
	c, err := s.db.Acquire(ctx)
	if err != nil {
		return err
	}
	t := &pipeTx{conn: c.Conn(), jobs: s.jobs}
	err = fn(t)
	switch {
	case err != nil:
	case len(t.items) > 0 && len(t.after) == 0:
		// Nothing waits for the queued statements' results inside the
		// transaction: COMMIT travels in their batch, a round trip fewer,
		// and row locks are released without waiting for this process.
		err = t.send(ctx, true)
	default:
		if err = t.Flush(ctx); err == nil && t.begun {
			var tag pgconn.CommandTag
			tag, err = t.conn.Exec(ctx, "COMMIT")
			err = committed(tag, err)
		}
	}
	if err == nil {
		t.begun = false
	} else if t.begun {
		t.begun = !t.conn.PgConn().IsClosed() && t.conn.PgConn().TxStatus() != 'I'
	}
	if t.begun {
		// Failed inside the transaction: roll back, or drop the connection
		// if even that fails, so no half transaction goes back to the pool.
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, rerr := t.conn.Exec(rctx, "ROLLBACK"); rerr != nil {
			_ = t.conn.Close(rctx)
		}
		cancel()
	}
	c.Release()
	return err
}

func (t *pipeTx) Defer(_ context.Context, sql string, args ...any) error {
	t.items = append(t.items, pipeItem{sql: sql, args: encode(args)})
	return nil
}

func (t *pipeTx) DeferQuery(_ context.Context, scan func(sqlstore.Rows) error, sql string, args ...any) error {
	t.items = append(t.items, pipeItem{sql: sql, args: encode(args), scan: scan})
	return nil
}

// Exec sends sql behind the queued writes and returns its rows affected.
func (t *pipeTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	var tag pgconn.CommandTag
	t.items = append(t.items, pipeItem{sql: sql, args: encode(args), tag: &tag})
	if err := t.Flush(ctx); err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// QueryRow's statement is sent, behind the queued writes, when the row is
// scanned.
func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	return &pipeRow{t: t, ctx: ctx, sql: sql, args: encode(args)}
}

type pipeRow struct {
	t    *pipeTx
	ctx  context.Context
	sql  string
	args []any
}

func (r *pipeRow) Scan(dest ...any) error {
	r.t.items = append(r.t.items, pipeItem{sql: r.sql, args: r.args, scan: func(rows sqlstore.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return pgx.ErrNoRows
		}
		return rows.Scan(dest...)
	}})
	return r.t.Flush(r.ctx)
}

// Query sends the queued writes, then runs sql on its own.
func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	if err := t.Flush(ctx); err != nil {
		return nil, err
	}
	return t.conn.Query(ctx, sql, encode(args)...)
}

func (t *pipeTx) AfterFlush(_ context.Context, fn func(context.Context) error) error {
	t.after = append(t.after, fn)
	return nil
}

// InsertJobs sends what is queued (and BEGIN), then River's insert on the
// connection's transaction.
func (t *pipeTx) InsertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	if err := t.Flush(ctx); err != nil {
		return err
	}
	_, err := t.jobs.InsertManyTx(ctx, connTx{t.conn}, jobs)
	return err
}

// Flush sends BEGIN (the first time) and the queued statements as one
// batch, returns the first failure, and runs the AfterFlush functions.
func (t *pipeTx) Flush(ctx context.Context) error {
	if err := t.send(ctx, false); err != nil {
		return err
	}
	return t.after.run(ctx)
}

// committed is the outcome of a COMMIT: PostgreSQL answers a COMMIT of
// a failed transaction with ROLLBACK, not an error.
func committed(tag pgconn.CommandTag, err error) error {
	if err == nil && tag.String() != "COMMIT" {
		err = fmt.Errorf("postgres: commit answered %q: the transaction was rolled back", tag.String())
	}
	return err
}

// send sends BEGIN (the first time) and the queued statements as one
// batch, with COMMIT at its end if commit, and reads their results.
func (t *pipeTx) send(ctx context.Context, commit bool) error {
	if len(t.items) == 0 && t.begun && !commit {
		return nil
	}
	items := t.items
	t.items = nil
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue("BEGIN")
	}
	for _, it := range items {
		b.Queue(it.sql, it.args...)
	}
	if commit {
		b.Queue("COMMIT")
	}
	br := t.conn.SendBatch(ctx, b)
	wasBegun := t.begun
	t.begun = true // from here on, a failure leaves a transaction to roll back
	if !wasBegun {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
	}
	for _, it := range items {
		var err error
		if it.tag != nil {
			*it.tag, err = br.Exec()
		} else {
			err = batchResult(br, it.scan)
		}
		if err != nil {
			br.Close()
			return err
		}
	}
	if commit {
		tag, err := br.Exec()
		if err = committed(tag, err); err != nil {
			br.Close()
			return err
		}
		t.begun = false
	}
	return br.Close()
}

func (t *pipeTx) Savepoint(ctx context.Context, fn func(sqlstore.Tx) error) error {
	t.depth++
	defer func() { t.depth-- }()
	name := fmt.Sprintf("sp%d", t.depth)
	if _, err := t.Exec(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	err := fn(t)
	if err == nil {
		err = t.Flush(ctx)
	}
	if err != nil {
		t.items, t.after = nil, nil
		if _, rerr := t.Exec(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err = t.Exec(ctx, "RELEASE SAVEPOINT "+name)
	return err
}
