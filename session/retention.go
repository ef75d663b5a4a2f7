package session

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/internal/purge"
)

// MinRetention is the shortest time Purge keeps a session after it ended.
const MinRetention = 7 * 24 * time.Hour

// Purge forgets the sessions that ended (their refresh limit passed) more
// than retention ago, a batch per transaction, and returns how many it
// forgot. Every session ends within the refresh limit of its sign-in, so
// only sessions created before now - retention - limit are looked at:
// the store reads them through its index on the sign-in time, and never
// rereads the live ones. (A session from before the limit was lowered
// that is still live then is kept, as its end is checked too.)
func (s *Service) Purge(ctx context.Context, retention time.Duration) (int64, error) {
	ended := s.now().Add(-retention)
	created := ended.Add(-s.refreshLimit)
	return purge.Drain(ctx, func(ctx context.Context, limit int) (int64, error) {
		return s.store.DeleteSessionsBefore(ctx, created, ended, limit)
	})
}
