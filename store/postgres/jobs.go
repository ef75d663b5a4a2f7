package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/dynamicauth/dynamicauth/jobs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// River runs on the store's pool (riverpgxv5); replicas share its tables
// and River locks a job to one of them while it runs. Jobs are inserted
// on the transaction of the change (pgTx.InsertJobs, pipeTx.InsertJobs).

// migrateJobs applies River's migrations; Migrate calls it under the
// migration lock. Each of River's versions runs in a transaction of its
// own (one version adds an enum value that the next uses).
func (s *Store) migrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(riverpgxv5.New(s.db), nil)
	if err != nil {
		return fmt.Errorf("postgres: job migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("postgres: job migrations: %w", err)
	}
	return nil
}

// RunJobs works jobs until ctx ends; new jobs wake the client through
// LISTEN/NOTIFY, on any replica.
func (s *Store) RunJobs(ctx context.Context, c jobs.Config) error {
	client, err := river.NewClient(riverpgxv5.New(s.db), c.RiverConfig())
	if err != nil {
		return fmt.Errorf("postgres: jobs: %w", err)
	}
	return jobs.Run(ctx, client)
}

// Jobs lists the jobs of kind with an id above after, oldest first, in
// any state (tests look at what a transaction enqueued).
func (s *Store) Jobs(ctx context.Context, kind string, after int64) ([]*rivertype.JobRow, error) {
	return jobs.List(ctx, s.jobs, kind, after)
}

// connTx is the transaction a pipelined sign-in opened by hand (BEGIN
// travels in its first batch) as the pgx.Tx that River inserts on. It
// neither commits nor rolls back: pipelined does.
type connTx struct{ c *pgx.Conn }

var errNotOwner = errors.New("postgres: the pipelined transaction ends in pipelined")

func (t connTx) Begin(ctx context.Context) (pgx.Tx, error) { return nil, errNotOwner }
func (t connTx) Commit(context.Context) error              { return errNotOwner }
func (t connTx) Rollback(context.Context) error            { return errNotOwner }
func (t connTx) LargeObjects() pgx.LargeObjects {
	panic("postgres: large objects are not used")
}
func (t connTx) Conn() *pgx.Conn { return t.c }
func (t connTx) CopyFrom(ctx context.Context, n pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.c.CopyFrom(ctx, n, cols, src)
}
func (t connTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.c.SendBatch(ctx, b)
}
func (t connTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.c.Prepare(ctx, name, sql)
}
func (t connTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.c.Exec(ctx, sql, args...)
}
func (t connTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}
func (t connTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.c.QueryRow(ctx, sql, args...)
}
