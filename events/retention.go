package events

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/internal/purge"
)

// MinRetention is the shortest retention Purge is given by the server's
// chores: a webhook message retries for about a day (webhooks.LiveSchedule),
// and an event a message still waits for is never purged anyway.
const MinRetention = 7 * 24 * time.Hour

// Purge forgets the events created before before, with their webhook
// messages and delivery logs, a batch per transaction, except events a
// webhook message still waits to deliver; and the SDK's analytics events
// as old. It returns how many of both it forgot.
func (s *Service) Purge(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, del := range []func(context.Context, time.Time, int) (int64, error){s.d.Store.DeleteEventsBefore, s.d.Store.DeleteTracksBefore} {
		n, err := purge.Drain(ctx, func(ctx context.Context, limit int) (int64, error) { return del(ctx, before, limit) })
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
