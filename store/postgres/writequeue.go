package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// execer is what the insert helpers need: a transaction, or a writeQueue.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// writeQueue collects writes whose results nobody reads and sends them in
// one batch, so a sign-in's tail costs one round trip instead of one per
// statement. Errors surface from flush.
type writeQueue struct {
	batch pgx.Batch
}

// Exec queues the statement.
func (q *writeQueue) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	q.batch.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

// flush sends the queued statements in tx and reports the first failure.
func (q *writeQueue) flush(ctx context.Context, tx pgx.Tx, op string) error {
	if q.batch.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, &q.batch)
	for i := 0; i < q.batch.Len(); i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return mapErr(op, "user_not_found", err)
		}
	}
	return mapErr(op, "", br.Close())
}
