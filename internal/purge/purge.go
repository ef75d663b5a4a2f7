// Package purge deletes old rows a batch per transaction, for the
// retention chores of several domain packages.
package purge

import "context"

// Batch bounds one purge transaction, so that sign-ins queued for
// SQLite's single writer wait for at most that many deletes.
const Batch = 1000

// Drain calls del with Batch until it deletes fewer rows (none are left)
// or ctx ends, and returns how many rows it deleted in all.
func Drain(ctx context.Context, del func(ctx context.Context, limit int) (int64, error)) (int64, error) {
	var total int64
	for {
		n, err := del(ctx, Batch)
		total += n
		if err != nil || n < Batch {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
