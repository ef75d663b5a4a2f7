package sqlite

import (
	"context"
	"errors"
	"sync"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
)

// Group commit. SQLite has one writer and, with synchronous=FULL, one
// fsync per commit: committing each sign-in alone makes the disk flush the
// ceiling. Concurrent sign-ins are therefore queued to one goroutine that
// runs whatever has queued up in a single transaction, each inside its own
// SAVEPOINT: a failing sign-in is rolled back alone, the others commit
// together, and nobody hears "done" before the COMMIT that holds their
// write has returned.

const maxBatch = 64

type batchJob struct {
	ctx context.Context
	run func(*cachedTx) error
	err chan error
}

type batcher struct {
	s    *Store
	jobs chan *batchJob
	mu   sync.RWMutex
	shut bool
	done chan struct{}
	obs  sqlstore.Observer
}

var errClosed = errors.New("sqlite: store is closed")

func newBatcher(s *Store, obs sqlstore.Observer) *batcher {
	b := &batcher{s: s, jobs: make(chan *batchJob, maxBatch), done: make(chan struct{}), obs: obs}
	go b.loop()
	return b
}

// do runs fn in a shared write transaction and returns its own outcome.
func (b *batcher) do(ctx context.Context, fn func(*cachedTx) error) error {
	j := &batchJob{ctx: ctx, run: fn, err: make(chan error, 1)}
	b.mu.RLock()
	if b.shut {
		b.mu.RUnlock()
		return errClosed
	}
	select {
	case b.jobs <- j:
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()
	// Wait even if ctx ends now: the job may already be committing, and
	// its caller must not be told it failed when it did not.
	return <-j.err
}

func (b *batcher) close() {
	b.mu.Lock()
	if !b.shut {
		b.shut = true
		close(b.jobs)
	}
	b.mu.Unlock()
	<-b.done
}

func (b *batcher) loop() {
	defer close(b.done)
	for j := range b.jobs {
		n := b.run(b.take([]*batchJob{j}))
		if b.obs != nil {
			b.obs.GroupCommit(n)
		}
	}
}

// take appends the jobs already queued, up to maxBatch; it never waits.
func (b *batcher) take(batch []*batchJob) []*batchJob {
	for len(batch) < maxBatch {
		select {
		case more, ok := <-b.jobs:
			if !ok {
				return batch
			}
			batch = append(batch, more)
		default:
			return batch
		}
	}
	return batch
}

// run commits batch and the jobs that queue while it runs (up to
// maxBatch) in one transaction, and returns how many it committed. Jobs
// that arrive during the batch's statements join its COMMIT instead of
// waiting for it and paying a commit of their own; the COMMIT still
// follows the last job at once, never waiting for more.
func (b *batcher) run(batch []*batchJob) int {
	var results []error
	err := b.s.txc(context.Background(), func(tx *cachedTx) error {
		for i := 0; i < len(batch); i++ {
			res, err := runJob(tx, batch[i])
			if err != nil {
				return err
			}
			results = append(results, res)
			if i == len(batch)-1 {
				batch = b.take(batch)
			}
		}
		return nil
	})
	for i, j := range batch {
		var res error
		if i < len(results) {
			res = results[i]
		}
		if err != nil && res == nil {
			res = errs.Internal("sqlite: commit batch", err) // nothing of the batch was committed
		}
		j.err <- res
	}
	return len(batch)
}

// runJob runs j inside a savepoint of its own: its failure (res) rolls
// back its writes alone; err is the transaction's, which fails the batch.
func runJob(tx *cachedTx, j *batchJob) (res, err error) {
	if res = j.ctx.Err(); res != nil {
		return res, nil
	}
	if _, err = tx.Exec(`SAVEPOINT signin`); err != nil {
		return nil, err
	}
	if res = j.run(tx); res != nil {
		if _, err = tx.Exec(`ROLLBACK TO signin`); err != nil {
			return res, err
		}
	}
	_, err = tx.Exec(`RELEASE signin`)
	return res, err
}
