package sqlstore

// Keyset pagination under the users list's offset. The contract pages the
// users list by offset and limit only; a deep offset makes the database
// step over every row before it (offset 500,000 of a million users: a
// walk of half the ordering index, 30-600 ms depending on the machine's
// load). The store remembers where some rows of the unfiltered list are
// (anchors: a row's key and its rank in the creation order) and starts a
// page from the nearest anchor through the index (WHERE (created_at, id)
// <= key), stepping over at most a few hundred rows.
//
// A rank counts from the oldest user, so it does not change when users
// sign up (they are the newest): the anchors of an environment stay
// valid until one of its users is deleted or a user older than the newest
// is written. Each list request checks that with the counter it reads
// anyway and the newest user (one index seek): the users newer than the
// newest seen before must be all the users added since, else the
// environment's anchors are dropped and the page is read by offset.
//
// Keys are compared as the store writes them (times to the millisecond);
// rows written by other means with finer times could be placed wrongly.

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynamicauth/dynamicauth/users"
)

const (
	// anchorBucket: an environment keeps at most one anchor per this many
	// ranks (the newest taken), so paging through a million users keeps
	// about 4,000 anchors, not one per page.
	anchorBucket = 256
	// anchorStride: a page farther than this from every anchor and from
	// the list's ends is reached in hops of this many rows, each leaving
	// an anchor, so later pages near them start close by.
	anchorStride = 16384
	// maxAnchorEnvs bounds the environments with anchors.
	maxAnchorEnvs = 256
	// maxNewerCheck bounds the count of users newer than the last seen:
	// more than this since the last request and the anchors are dropped.
	maxNewerCheck = 10000
)

// listKey is a row's place in the creation order.
type listKey struct {
	At time.Time
	ID string
}

// anchor is a row of the list and its rank (0: the oldest user).
type anchor struct {
	rank int
	key  listKey
}

// envAnchors are the anchors of an environment and the state they were
// checked against.
type envAnchors struct {
	count   int
	newest  listKey
	anchors []anchor // by rank
}

// anchorCache holds each environment's anchors; a Store has one.
type anchorCache struct {
	mu             sync.Mutex
	envs           map[string]*envAnchors
	bucket, stride int
	persistAt      int             // keyset_persist.go
	loaded         map[string]bool // environments whose saved anchors were read
	hops           atomic.Int64
}

func newAnchorCache() *anchorCache {
	return &anchorCache{envs: map[string]*envAnchors{}, bucket: anchorBucket, stride: anchorStride,
		persistAt: persistAnchorsAt, loaded: map[string]bool{}}
}

// same tells whether two keys are one row's (times compared as instants:
// a key read back from users_list_anchors has another location).
func (k listKey) same(o listKey) bool { return k.ID == o.ID && k.At.Equal(o.At) }

// SetListAnchorSpacing sets how many ranks share an anchor and how far a
// read hops (anchorBucket and anchorStride by default), and forgets the
// anchors: the contract suite pages a few dozen users with small ones.
func (s *Store) SetListAnchorSpacing(bucket, stride int) {
	c := s.anchors
	c.mu.Lock()
	defer c.mu.Unlock()
	c.envs, c.bucket, c.stride = map[string]*envAnchors{}, max(1, bucket), max(1, stride)
}

// keysetOrder tells whether a users list is paged through anchors: the
// unfiltered list in creation order (createdAt, firstVisit), either way.
func keysetOrder(q users.ListQuery) bool {
	return unfiltered(q.Filter) && userOrderColumns[q.Order.Field] == "created_at"
}

// newestUser is the environment's newest user's key (ok false: none).
func (s *Store) newestUser(ctx context.Context, q Querier, envID string) (listKey, bool, error) {
	var k listKey
	err := q.QueryRow(ctx, s.sqlUserKeys(true, "")+` LIMIT 1`, envID).Scan(&k.At, &k.ID)
	if s.noRows(err) {
		return k, false, nil
	}
	return k, err == nil, s.fail("newest user", nil, err)
}

// sqlUserKeys selects the keys of an environment's users ($1) in creation
// order, from the key in $2, $3 on (cmp: "<=", ">=", or "" from the end).
func (s *Store) sqlUserKeys(desc bool, cmp string) string {
	return s.sqlUserKeysFrom(`users.created_at, users.id`, desc, cmp)
}

func (s *Store) sqlUserKeysFrom(columns string, desc bool, cmp string) string {
	q := `SELECT ` + columns + ` FROM users WHERE users.environment_id = $1`
	if cmp != "" {
		q += ` AND (users.created_at, users.id` + s.d.Binary + `) ` + cmp + ` ($2, $3)`
	}
	order, _ := s.orderBy("users", userOrderColumns, users.Order{Field: "createdAt", Desc: desc})
	return q + order
}

// checkAnchors returns the environment's anchors if they still hold for
// an environment of count users whose newest is newest (hasNewest false:
// none), after updating what they were checked against; nil if there
// are none (any there were are dropped).
func (s *Store) checkAnchors(ctx context.Context, q Querier, envID string, count int, newest listKey, hasNewest bool) (*envAnchors, error) {
	if err := s.loadAnchors(ctx, q, envID, count); err != nil {
		return nil, err
	}
	c := s.anchors
	c.mu.Lock()
	e := c.envs[envID]
	var was envAnchors
	if e != nil {
		was = envAnchors{count: e.count, newest: e.newest}
	}
	c.mu.Unlock()
	if e == nil {
		return nil, nil
	}
	valid := hasNewest && count >= was.count
	if valid && count > was.count {
		// every user added since must be newer than the newest then
		var newer int
		err := q.QueryRow(ctx, `SELECT count(*) FROM (`+s.sqlUserKeys(false, ">")+` LIMIT `+
			strconv.Itoa(maxNewerCheck+1)+`) AS newer`, envID, was.newest.At, was.newest.ID).Scan(&newer)
		if err != nil {
			return nil, s.fail("users newer than the anchors", nil, err)
		}
		valid = newer == count-was.count
	} else if valid {
		valid = newest.same(was.newest)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.envs[envID]; cur != e {
		return nil, nil // replaced meanwhile: the next request checks again
	}
	if !valid {
		delete(c.envs, envID)
		return nil, nil
	}
	e.count, e.newest = count, newest
	return &envAnchors{count: count, newest: newest, anchors: slices.Clone(e.anchors)}, nil
}

// remember adds anchors to the environment's, checked against count and
// newest.
func (s *Store) remember(envID string, count int, newest listKey, add ...anchor) {
	if len(add) == 0 {
		return
	}
	c := s.anchors
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.envs[envID]
	if e != nil && (e.count != count || !e.newest.same(newest)) {
		e = nil // taken against another state: start again from this one
	}
	if e == nil {
		if len(c.envs) >= maxAnchorEnvs {
			for k := range c.envs { // any one
				delete(c.envs, k)
				break
			}
		}
		e = &envAnchors{count: count, newest: newest}
		c.envs[envID] = e
	}
	for _, a := range add {
		i, _ := slices.BinarySearchFunc(e.anchors, a.rank, func(x anchor, r int) int { return x.rank - r })
		// one anchor per bucket: the one taken last
		lo, hi := i, i
		for lo > 0 && e.anchors[lo-1].rank/c.bucket == a.rank/c.bucket {
			lo--
		}
		for hi < len(e.anchors) && e.anchors[hi].rank/c.bucket == a.rank/c.bucket {
			hi++
		}
		e.anchors = slices.Replace(e.anchors, lo, hi, a)
	}
}

// start is where a page's read begins: from the row at rank rank, key
// key (nil: the end of the list the read starts from), inclusive,
// stepping over skip rows.
type start struct {
	key  *listKey
	rank int
	skip int
}

// pageStart returns the nearest start of a read from rank r0 towards
// older users (desc) or newer ones, among the anchors and the list's end
// (count users).
func pageStart(e *envAnchors, count, r0 int, desc bool) start {
	best := start{rank: 0, skip: r0} // from the oldest user
	if desc {
		best = start{rank: count - 1, skip: count - 1 - r0} // from the newest
	}
	if e == nil {
		return best
	}
	i, found := slices.BinarySearchFunc(e.anchors, r0, func(x anchor, r int) int { return x.rank - r })
	switch {
	case found:
		best = start{key: &e.anchors[i].key, rank: r0}
	case desc && i < len(e.anchors) && e.anchors[i].rank-r0 < best.skip:
		best = start{key: &e.anchors[i].key, rank: e.anchors[i].rank, skip: e.anchors[i].rank - r0}
	case !desc && i > 0 && r0-e.anchors[i-1].rank < best.skip:
		best = start{key: &e.anchors[i-1].key, rank: e.anchors[i-1].rank, skip: r0 - e.anchors[i-1].rank}
	}
	return best
}

// keysFrom is the query of the keys read from st (inclusive) and its
// arguments before LIMIT's.
func (s *Store) keysFrom(envID string, st start, desc bool) (string, []any) {
	if st.key == nil {
		return s.sqlUserKeys(desc, ""), []any{envID}
	}
	cmp := ">="
	if desc {
		cmp = "<="
	}
	return s.sqlUserKeys(desc, cmp), []any{envID, st.key.At, st.key.ID}
}

// keysetPage reads the ids of the unfiltered list's page q (count users,
// newest the newest) from the nearest anchor, leaving new ones.
func (s *Store) keysetPage(ctx context.Context, tx Querier, envID string, q users.ListQuery, count int, newest listKey, hasNewest bool) ([]string, error) {
	if q.Page.Offset >= count || q.Page.Limit <= 0 {
		return []string{}, nil
	}
	e, err := s.checkAnchors(ctx, tx, envID, count, newest, hasNewest)
	if err != nil {
		return nil, err
	}
	desc, step, r0 := q.Order.Desc, 1, q.Page.Offset // r0: the rank of the page's first row
	if desc {
		step, r0 = -1, count-1-q.Page.Offset
	}
	st := pageStart(e, count, r0, desc)
	s.anchors.mu.Lock()
	stride := s.anchors.stride
	s.anchors.mu.Unlock()
	var made []anchor
	// Far from every anchor: hop there, leaving anchors on the way.
	for st.skip > stride {
		sql, args := s.keysFrom(envID, st, desc)
		var k listKey
		sql += ` LIMIT 1 OFFSET $` + strconv.Itoa(len(args)+1)
		if err := tx.QueryRow(ctx, sql, append(args, stride)...).Scan(&k.At, &k.ID); err != nil {
			return nil, s.fail("hop through users", nil, err)
		}
		s.anchors.hops.Add(1)
		a := anchor{rank: st.rank + step*stride, key: k}
		made = append(made, a)
		st = start{key: &a.key, rank: a.rank, skip: st.skip - stride}
	}
	sql, args := s.keysFrom(envID, st, desc)
	n := len(args)
	keys, err := list(ctx, s, tx, "list users", func(r Row) (k listKey, err error) {
		err = r.Scan(&k.At, &k.ID)
		return k, err
	}, sql+` LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, q.Page.Limit, st.skip)...)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	if len(keys) > 0 {
		made = append(made, anchor{rank: r0, key: keys[0]},
			anchor{rank: r0 + step*(len(keys)-1), key: keys[len(keys)-1]})
	}
	if hasNewest {
		s.remember(envID, count, newest, made...)
	}
	return ids, nil
}
