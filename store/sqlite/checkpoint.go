package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// Checkpoints off the writer. By default the connection whose commit
// takes the WAL past 1000 pages copies the WAL back into the database
// file (a checkpoint: a write per page and, with synchronous=FULL, two
// fsyncs) before its commit returns. Here that connection is the single
// writer, and a group commit's sign-ins would all wait for it. So the
// writer's automatic checkpoints are off (wal_autocheckpoint=0) and a
// connection of its own checkpoints in the background, PASSIVE (it never
// blocks the writer or readers), after commits, at most once per
// checkpointEvery, and again after that while a reader's snapshot held
// part of the WAL back. What a checkpoint copies is committed already: a crash
// during one loses nothing, the WAL is replayed on the next open.

// checkpointEvery spaces the background checkpoints. Under a steady load
// of sign-ins the WAL grows by a few MiB between two of them at most,
// about what SQLite's default of 1000 pages lets it grow.
const checkpointEvery = 100 * time.Millisecond

type checkpointer struct {
	db   *sql.DB
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// committed tells the checkpointer that the WAL has grown; it never waits.
func (c *checkpointer) committed() {
	if c == nil {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		var busy, frames, copied int
		err := c.db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err != nil {
			slog.Warn("sqlite: background checkpoint", "err", err)
		} else if copied < frames {
			// A reader's snapshot older than the last commits kept them
			// in the WAL: try again after the pause, commits or not, or
			// after a burst they would wait for the next write.
			c.committed()
		}
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// close stops the loop and closes its connection. The writer's close,
// the last, then checkpoints what is left and removes the WAL.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
