package access

import (
	"context"
	"sync"
	"time"
)

// rulesCache keeps each environment's enabled rules for a moment, so a
// sign-in in an environment without rules costs no read. Admin changes
// through this process clear it at once; another replica's changes apply
// here within the TTL.
type rulesCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedRules
	// gen counts clears: rules read before a clear are not kept after it
	// (a decision in flight during an admin change would otherwise keep
	// the old rules for the TTL).
	gen uint64
}

type cachedRules struct {
	r   *Rules
	exp time.Time
}

// DefaultRulesTTL is how long an environment's rules are reused.
const DefaultRulesTTL = 2 * time.Second

func (c *rulesCache) get(ctx context.Context, s *Service, envID string) (*Rules, error) {
	if c.ttl <= 0 {
		return s.store.AccessRules(ctx, envID)
	}
	now := s.now()
	c.mu.Lock()
	e, ok := c.m[envID]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.r, nil
	}
	r, err := s.store.AccessRules(ctx, envID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return r, nil // read before a change: good for this decision only
	}
	if len(c.m) > 10_000 {
		c.m = map[string]cachedRules{}
	}
	c.m[envID] = cachedRules{r: r, exp: now.Add(c.ttl)}
	return r, nil
}

// clear forgets every environment's rules (after an admin change).
func (c *rulesCache) clear() {
	c.mu.Lock()
	c.m = map[string]cachedRules{}
	c.gen++
	c.mu.Unlock()
}

// changed clears the cache after a successful write and passes err on.
func (s *Service) changed(err error) error {
	if err == nil {
		s.rules.clear()
	}
	return err
}
