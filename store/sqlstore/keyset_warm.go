package sqlstore

// Anchors at a start. With no anchors saved (a new deployment, a crash),
// an environment's first deep page hops from the list's end: at a
// million users 160-240 ms for offset 500,000. A store starts warming
// when it opens: for each environment with at least persistAnchorsAt
// users, one read from the newest user to the oldest, in hops, leaves
// anchors all along the list (in the background, about as long as that
// first page took per half of the list). An environment whose saved
// anchors hold starts from them and hops little.

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/users"
)

// WarmListAnchors starts making the anchors of the environments with at
// least atLeast users (0: persistAnchorsAt) in the background; stop
// cancels it and waits for it. The stores call it when they open: an
// environment that grows large later makes its anchors as it is paged.
func (s *Store) WarmListAnchors(atLeast int) (stop func()) {
	if atLeast <= 0 {
		atLeast = persistAnchorsAt
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.WarmListAnchorsNow(ctx, atLeast); err != nil && ctx.Err() == nil {
			slog.Warn("users list anchors: warming at start", "err", err)
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// WarmListAnchorsNow makes the anchors of each environment with at least
// atLeast users, the largest first, and returns when done.
func (s *Store) WarmListAnchorsNow(ctx context.Context, atLeast int) error {
	rows, err := s.db.Reader().Query(ctx, `SELECT environment_id FROM user_counts GROUP BY environment_id
		HAVING sum(n) >= $1 ORDER BY sum(n) DESC LIMIT $2`, atLeast, maxAnchorEnvs)
	envs, err := collect(rows, err, func(r Row) (id string, err error) {
		err = r.Scan(&id)
		return id, err
	})
	if err != nil {
		return s.fail("large environments", nil, err)
	}
	for _, envID := range envs {
		began, hops := time.Now(), s.anchors.hops.Load()
		count, err := s.warmEnvironment(ctx, envID)
		if err != nil {
			return err
		}
		slog.Info("users list anchors ready", "environment", envID, "users", count,
			"hops", s.anchors.hops.Load()-hops, "took", time.Since(began).Round(time.Millisecond))
	}
	return nil
}

// warmEnvironment reads the page of the environment's oldest user in the
// newest-first order, from the nearest anchor or the newest user: every
// hop on the way leaves an anchor. It returns the environment's users.
func (s *Store) warmEnvironment(ctx context.Context, envID string) (int, error) {
	var count int
	err := s.db.Snapshot(ctx, func(tx Querier) error {
		if err := tx.QueryRow(ctx, sqlUserCount, envID).Scan(&count); err != nil {
			return s.fail("count users", nil, err)
		}
		newest, ok, err := s.newestUser(ctx, tx, envID)
		if err != nil || !ok {
			return err
		}
		q := users.ListQuery{Order: users.Order{Field: "createdAt", Desc: true}, Page: users.Page{Offset: count - 1, Limit: 1}}
		_, err = s.keysetPage(ctx, tx, envID, q, count, newest, ok)
		return err
	})
	return count, err
}
