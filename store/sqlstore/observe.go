package sqlstore

import (
	"context"
	"time"
)

// Observer is told what the store's transactions cost (metrics). kind is
// write, grouped or snapshot; err is what the transaction returned (a
// rollback, including a refused sign-in). The metrics package implements
// it; the drivers take one in their Options.
type Observer interface {
	Transaction(kind string, d time.Duration, err error)
	// GroupCommit is the number of sign-ins one shared commit held.
	GroupCommit(n int)
}

// Observed times drv's transactions for o; a nil o returns drv itself.
func Observed(drv Driver, o Observer) Driver {
	if o == nil {
		return drv
	}
	return hooked{Driver: drv, start: func(ctx context.Context, kind, _ string) (context.Context, func(error)) {
		start := time.Now()
		return ctx, func(err error) { o.Transaction(kind, time.Since(start), err) }
	}}
}

// hooked calls start before each of its Driver's transactions (kind
// write, grouped or snapshot) and the function start returns after it,
// with its error; with reads, also around each Exec and read.
type hooked struct {
	Driver
	start func(ctx context.Context, kind, query string) (context.Context, func(error))
	reads bool
}

func (d hooked) around(ctx context.Context, kind string, run func(context.Context) error) error {
	ctx, end := d.start(ctx, kind, "")
	err := run(ctx)
	end(err)
	return err
}

func (d hooked) Write(ctx context.Context, fn func(Tx) error) error {
	return d.around(ctx, "write", func(ctx context.Context) error { return d.Driver.Write(ctx, fn) })
}

func (d hooked) WriteLazy(ctx context.Context, fn func(Tx) error) error {
	return d.around(ctx, "write", func(ctx context.Context) error { return d.Driver.WriteLazy(ctx, fn) })
}

func (d hooked) Grouped(ctx context.Context, fn func(Tx) error) error {
	return d.around(ctx, "grouped", func(ctx context.Context) error { return d.Driver.Grouped(ctx, fn) })
}

func (d hooked) Snapshot(ctx context.Context, fn func(Querier) error) error {
	return d.around(ctx, "snapshot", func(ctx context.Context) error { return d.Driver.Snapshot(ctx, fn) })
}

func (d hooked) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if !d.reads {
		return d.Driver.Exec(ctx, query, args...)
	}
	ctx, end := d.start(ctx, "exec", query)
	n, err := d.Driver.Exec(ctx, query, args...)
	end(err)
	return n, err
}

func (d hooked) Reader() Querier {
	if !d.reads {
		return d.Driver.Reader()
	}
	return hookedReader{q: d.Driver.Reader(), d: d}
}

// PoolStats is a connection pool's state at one moment.
type PoolStats struct {
	MaxOpen, Open, InUse, Idle int
	WaitCount                  int64
	WaitDuration               time.Duration
}
