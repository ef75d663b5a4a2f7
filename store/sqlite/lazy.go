package sqlite

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// Lazy commits, for the batches of a bulk import. With synchronous=FULL
// every commit waits for an fsync of the WAL; an import of 1,000 users
// in batches of 20 is 50 of them, and on a loaded machine they were most
// of its time (perf/users: 403 users/s with FULL against 1,356 with
// NORMAL, the same binary). A lazy transaction commits with
// synchronous=NORMAL instead: it is appended to the WAL, atomic as any
// other, but not flushed. The WAL is written in order, so a crash can
// only lose a tail of the latest transactions, each whole, never one
// before a durable commit; the next FULL commit (a sign-in's) or Sync
// makes everything before it durable. The import calls Sync before it
// answers, so what it reports as created is on disk.
//
// synchronous is a setting of the connection that cannot change inside a
// transaction: the lazy transaction takes the writer's one connection,
// sets NORMAL, runs, and sets the store's mode back before anyone else
// (the group commit of sign-ins) can use the connection.

// lazyTx is txc committed without waiting for the disk.
func (s *Store) lazyTx(ctx context.Context, fn func(*cachedTx) error) error {
	if s.sync == "NORMAL" || s.wal == "" {
		return s.txc(ctx, fn) // every commit is lazy already, or in memory
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: writer: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=NORMAL`); err != nil {
		_ = conn.Close()
		return fmt.Errorf("sqlite: lazy commit: %w", err)
	}
	missed, err := s.txcOn(ctx, conn.BeginTx, fn)
	s.restoreSync(conn)
	s.prepare(ctx, missed)
	return err
}

// restoreSync sets the connection's synchronous mode back and returns it
// to the pool; a connection that refuses is discarded rather than left
// committing sign-ins lazily.
func (s *Store) restoreSync(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `PRAGMA synchronous=`+s.sync); err != nil {
		slog.Error("sqlite: restore synchronous mode; discarding the writer connection", "err", err)
		_ = conn.Raw(func(any) error { return sqldriver.ErrBadConn })
	}
	_ = conn.Close()
}

// syncWAL makes every commit so far durable: an fsync of the WAL, which
// holds each commit not yet checkpointed (a checkpoint syncs the
// database file before the WAL starts over).
func (s *Store) syncWAL() error {
	if s.sync == "NORMAL" || s.wal == "" {
		return nil // the operator chose commits that do not wait, or in memory
	}
	f, err := os.OpenFile(s.wal, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no WAL: everything is in the database file
	}
	if err != nil {
		return fmt.Errorf("sqlite: sync: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sqlite: sync: %w", err)
	}
	return nil
}
