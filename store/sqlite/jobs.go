package sqlite

import (
	"context"
	"fmt"

	"github.com/dynamicauth/dynamicauth/jobs"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// River runs on the writer's single connection, the pool riversqlite asks
// for: its own writes (fetching jobs, completing them, electing a leader)
// queue behind the group commit for that connection instead of meeting it
// as SQLITE_BUSY. Jobs are inserted on the writer's transaction itself
// (writeTx.InsertJobs).

// migrateJobs applies River's migrations, after the store's.
func (s *Store) migrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(riversqlite.New(s.w.DB), nil)
	if err != nil {
		return fmt.Errorf("sqlite: job migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("sqlite: job migrations: %w", err)
	}
	return s.EnqueueOrphans(ctx)
}

// RunJobs works jobs until ctx ends. Without LISTEN/NOTIFY River only
// polls (PollOnly), and the poll is on the writer.
func (s *Store) RunJobs(ctx context.Context, c jobs.Config) error {
	cfg := c.RiverConfig()
	cfg.PollOnly = true
	client, err := river.NewClient(riversqlite.New(s.w.DB), cfg)
	if err != nil {
		return fmt.Errorf("sqlite: jobs: %w", err)
	}
	return jobs.Run(ctx, client)
}

// Jobs lists the jobs of kind with an id above after, oldest first, in
// any state (tests look at what a transaction enqueued).
func (s *Store) Jobs(ctx context.Context, kind string, after int64) ([]*rivertype.JobRow, error) {
	return jobs.List(ctx, s.jobs, kind, after)
}
