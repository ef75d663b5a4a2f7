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
		batch := []*batchJob{j}
	drain:
		for len(batch) < maxBatch {
			select {
			case more, ok := <-b.jobs:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		if b.obs != nil {
			b.obs.GroupCommit(len(batch))
		}
		b.run(batch)
	}
}

func (b *batcher) run(batch []*batchJob) {
	results := make([]error, len(batch))
	err := b.s.txc(context.Background(), func(tx *cachedTx) error {
		for i, j := range batch {
			if err := j.ctx.Err(); err != nil {
				results[i] = err
				continue
			}
			if _, err := tx.Exec(`SAVEPOINT signin`); err != nil {
				return err
			}
			if err := j.run(tx); err != nil {
				results[i] = err
				if _, err := tx.Exec(`ROLLBACK TO signin`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(`RELEASE signin`); err != nil {
				return err
			}
		}
		return nil
	})
	for i, j := range batch {
		if err != nil && results[i] == nil {
			results[i] = errs.Internal("sqlite: commit batch", err) // nothing of the batch was committed
		}
		j.err <- results[i]
	}
}
