package events

import (
	"context"
	"time"
)

// MinRetention is the shortest retention Purge is given by the server's
// chores: a webhook message retries for about a day (webhooks.LiveSchedule),
// and an event a message still waits for is never purged anyway.
const MinRetention = 7 * 24 * time.Hour

// purgeBatch bounds one purge transaction, so that sign-ins queued for
// SQLite's single writer wait for at most that many deletes.
const purgeBatch = 1000

// Purge forgets the events created before before, with their webhook
// messages and delivery logs, a batch per transaction, except events a
// webhook message still waits to deliver; and the SDK's analytics events
// as old. It returns how many of both it forgot.
func (s *Service) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	deletes := []func(context.Context, time.Time, int) (int64, error){s.d.Store.DeleteEventsBefore, s.d.Store.DeleteTracksBefore}
	for _, del := range deletes {
		for {
			n, err := del(ctx, before, purgeBatch)
			total += n
			if err != nil {
				return total, err
			}
			if n < purgeBatch {
				break
			}
			if err := ctx.Err(); err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
