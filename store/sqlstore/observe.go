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
	return observed{Driver: drv, o: o}
}

type observed struct {
	Driver
	o Observer
}

func (d observed) Write(ctx context.Context, fn func(Tx) error) error {
	start := time.Now()
	err := d.Driver.Write(ctx, fn)
	d.o.Transaction("write", time.Since(start), err)
	return err
}

func (d observed) WriteLazy(ctx context.Context, fn func(Tx) error) error {
	start := time.Now()
	err := d.Driver.WriteLazy(ctx, fn)
	d.o.Transaction("write", time.Since(start), err)
	return err
}

func (d observed) Grouped(ctx context.Context, fn func(Tx) error) error {
	start := time.Now()
	err := d.Driver.Grouped(ctx, fn)
	d.o.Transaction("grouped", time.Since(start), err)
	return err
}

func (d observed) Snapshot(ctx context.Context, fn func(Querier) error) error {
	start := time.Now()
	err := d.Driver.Snapshot(ctx, fn)
	d.o.Transaction("snapshot", time.Since(start), err)
	return err
}

// PoolStats is a connection pool's state at one moment.
type PoolStats struct {
	MaxOpen, Open, InUse, Idle int
	WaitCount                  int64
	WaitDuration               time.Duration
}
