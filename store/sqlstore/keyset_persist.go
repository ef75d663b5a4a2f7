package sqlstore

// Anchors across a restart. After a start the anchors of keyset.go are
// empty and the first deep page of a large environment hops through half
// its users (a million users: 200-400 ms for offset 500,000). The store
// writes the anchors of its large environments when it closes and reads
// an environment's back at its first list; checkAnchors then keeps them
// only if the user count and newest user still agree, as it does for the
// anchors it made itself. A crash loses them: pages hop again, as before.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// persistAnchorsAt: environments with fewer users are not written or read
// (a page of them is quick from either end).
const persistAnchorsAt = 50000

// SetListAnchorPersistAt sets the user count from which an environment's
// anchors are kept across a restart (persistAnchorsAt by default): the
// contract suite keeps those of a few dozen users.
func (s *Store) SetListAnchorPersistAt(n int) {
	c := s.anchors
	c.mu.Lock()
	defer c.mu.Unlock()
	c.persistAt = n
}

// ListHops counts the hops deep pages took since the store opened (each a
// walk of up to the anchors' stride of rows): a page read from an anchor
// takes none.
func (s *Store) ListHops() int64 { return s.anchors.hops.Load() }

// loadAnchors reads the environment's saved anchors, once per store and
// environment, if it is large enough.
func (s *Store) loadAnchors(ctx context.Context, q Querier, envID string, count int) error {
	c := s.anchors
	c.mu.Lock()
	skip := count < c.persistAt || c.loaded[envID] || c.envs[envID] != nil
	if !skip {
		if len(c.loaded) >= 4*maxAnchorEnvs {
			clear(c.loaded)
		}
		c.loaded[envID] = true
	}
	c.mu.Unlock()
	if skip {
		return nil
	}
	var e envAnchors
	var encoded string
	err := q.QueryRow(ctx, `SELECT user_count, newest_at, newest_id, anchors FROM users_list_anchors WHERE environment_id = $1`, envID).
		Scan(&e.count, &e.newest.At, &e.newest.ID, &encoded)
	if s.noRows(err) {
		return nil
	}
	if err != nil {
		return s.fail("read list anchors", nil, err)
	}
	var rows []savedAnchor
	if err := json.Unmarshal([]byte(encoded), &rows); err != nil {
		return nil // unreadable: made again by hops
	}
	for _, r := range rows {
		e.anchors = append(e.anchors, anchor{rank: r.Rank, key: listKey{At: time.UnixMilli(r.At).UTC(), ID: r.ID}})
	}
	s.remember(envID, e.count, e.newest, e.anchors...)
	return nil
}

// savedAnchor is an anchor as users_list_anchors holds it.
type savedAnchor struct {
	Rank int    `json:"r"`
	At   int64  `json:"t"` // Unix milliseconds
	ID   string `json:"i"`
}

// SaveListAnchors writes the anchors of the environments with at least
// SetListAnchorPersistAt users, for the next start. The stores call it
// when they close.
func (s *Store) SaveListAnchors(ctx context.Context) error {
	c := s.anchors
	c.mu.Lock()
	saved := map[string]envAnchors{}
	for envID, e := range c.envs {
		if e.count >= c.persistAt && len(e.anchors) > 0 {
			saved[envID] = envAnchors{count: e.count, newest: e.newest, anchors: e.anchors}
		}
	}
	c.mu.Unlock()
	if len(saved) == 0 {
		return nil
	}
	return s.fail("save list anchors", nil, s.db.Write(ctx, func(tx Tx) error {
		for envID, e := range saved {
			rows := make([]savedAnchor, len(e.anchors))
			for i, a := range e.anchors {
				rows[i] = savedAnchor{Rank: a.rank, At: a.key.At.UnixMilli(), ID: a.key.ID}
			}
			encoded, err := json.Marshal(rows)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO users_list_anchors (environment_id, user_count, newest_at, newest_id, anchors)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (environment_id) DO UPDATE SET user_count = excluded.user_count,
					newest_at = excluded.newest_at, newest_id = excluded.newest_id, anchors = excluded.anchors`,
				envID, e.count, e.newest.At, e.newest.ID, string(encoded)); err != nil {
				return fmt.Errorf("anchors of %s: %w", envID, err)
			}
		}
		return nil
	}))
}
