// Package jobs runs background work (webhook deliveries) as River jobs
// (github.com/riverqueue/river) in the store's own database, on both
// backends: a job is inserted in the transaction of the change that causes
// it (sqlstore.Tx.InsertJobs), so it exists if and only if the change
// commits, and a River client started by the backend on its own
// connections works it (the stores' RunJobs). River's migrations run with
// the store's.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Config tunes the River client that runs jobs.
type Config struct {
	Workers *river.Workers
	// Concurrency is how many jobs run at once (8 when zero).
	Concurrency int
	// Poll is how often the client looks for due jobs (1 s when zero).
	Poll time.Duration
	// JobTimeout bounds one run of a job; a job still running (its process
	// died) this long after it started is rescued and run again.
	JobTimeout time.Duration
	Log        *slog.Logger
}

// RiverConfig is the client configuration both backends run with.
func (c Config) RiverConfig() *river.Config {
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = time.Minute
	}
	// River's fetch cooldown is its fastest poll; it may not exceed the
	// poll interval.
	cooldown := min(c.Poll, 100*time.Millisecond)
	return &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.Concurrency}},
		Workers:              c.Workers,
		FetchCooldown:        cooldown,
		FetchPollInterval:    c.Poll,
		JobTimeout:           c.JobTimeout,
		RescueStuckJobsAfter: c.JobTimeout + time.Second,
		RetryPolicy:          soonRetry{},
		Logger:               c.Log,
	}
}

// soonRetry runs a failed job again after as many seconds as it has run:
// its own schedule (a webhook's retries) is a snooze, so River's retries
// are only for a job whose process died under it (rescued) or whose store
// write failed, and those should not wait River's default hours.
type soonRetry struct{}

func (soonRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * time.Second)
}

// Run starts client, waits for ctx to end and stops it, letting the
// jobs in flight finish for up to 10 s.
func Run[TTx any](ctx context.Context, client *river.Client[TTx]) error {
	// Start's context is the jobs' context: cancelling it would cut the
	// attempts in flight; Stop lets them finish instead.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs: %w", err)
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := client.Stop(stop); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// List lists the jobs of kind with an id above after, by id, in any
// state.
func List[TTx any](ctx context.Context, client *river.Client[TTx], kind string, after int64) ([]*rivertype.JobRow, error) {
	res, err := client.JobList(ctx, river.NewJobListParams().Kinds(kind).States(rivertype.JobStates()...).
		OrderBy(river.JobListOrderByID, river.SortOrderAsc).Where("id > @after", river.NamedArgs{"after": after}).First(10000))
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return res.Jobs, nil
}
