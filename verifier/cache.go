package verifier

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keyCache holds the current key set by kid. At most one fetch runs at a
// time and every caller that needs a fetch waits on that one. A known kid
// never waits: a stale set is refreshed in the background.
type keyCache struct {
	fetch fetchFunc
	now   func() time.Time
	// minForced is the floor between fetches caused by an unknown kid;
	// minRefresh the least time a fetched set (or a failure) is kept
	// before a background refresh.
	minForced, minRefresh time.Duration
	log                   *slog.Logger

	mu         sync.Mutex
	keys       map[string][]jose.JSONWebKey // nil until the first successful fetch
	staleAt    time.Time                    // when to refresh in the background
	lastForced time.Time                    // last fetch caused by a missing kid
	lastErr    error                        // last fetch failure, for callers refused a fetch
	inflight   *flight
}

// flight is one running fetch; err is set before done closes.
type flight struct {
	done chan struct{}
	err  error
}

func newKeyCache(fetch fetchFunc, now func() time.Time, minForced, minRefresh time.Duration, log *slog.Logger) *keyCache {
	return &keyCache{fetch: fetch, now: now, minForced: minForced, minRefresh: minRefresh, log: log}
}

// lookup returns the keys published under kid, fetching the set when kid
// is not known and the rate limit allows.
//
// A caller that joins a fetch already running may have a token signed
// with a key published after that fetch read the set (a rotation a moment
// ago). When that fetch does not know kid, the caller asks once more: any
// fetch started after its arrival has seen every key its token could be
// signed with.
func (c *keyCache) lookup(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	c.mu.Lock()
	if ks, ok := c.keys[kid]; ok {
		c.refreshIfStaleLocked(ctx)
		c.mu.Unlock()
		return ks, nil
	}
	again := c.inflight != nil // joining a fetch that began before this call
	f := c.forcedFlightLocked(ctx)
	c.mu.Unlock()
	for {
		if f == nil {
			return nil, c.refused(kid)
		}
		if err := f.wait(ctx); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		c.mu.Lock()
		ks, ok := c.keys[kid]
		if ok || !again {
			c.mu.Unlock()
			if !ok {
				return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
			}
			return ks, nil
		}
		again = false
		f = c.forcedFlightLocked(ctx)
		c.mu.Unlock()
	}
}

// refused is the error for a kid that no fetch may look up now.
func (c *keyCache) refused(kid string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		return fmt.Errorf("%w: no key set loaded (refetch rate-limited): %w", ErrUnavailable, c.lastErr)
	}
	return fmt.Errorf("%w: kid %q (refetch rate-limited)", ErrUnknownKey, kid)
}

// forcedFlightLocked joins the running fetch or starts one if the rate
// limit allows; nil means no fetch is available.
func (c *keyCache) forcedFlightLocked(ctx context.Context) *flight {
	if c.inflight != nil {
		return c.inflight
	}
	if c.keys == nil && c.lastErr == nil {
		// The first load does not count against the limit, so a rotation
		// soon after startup is still picked up at once.
		return c.startLocked(ctx)
	}
	now := c.now()
	if !c.lastForced.IsZero() && now.Sub(c.lastForced) < c.minForced {
		return nil
	}
	c.lastForced = now
	return c.startLocked(ctx)
}

func (c *keyCache) refreshIfStaleLocked(ctx context.Context) {
	if c.inflight == nil && !c.now().Before(c.staleAt) {
		c.startLocked(ctx)
	}
}

// startLocked runs a fetch detached from ctx's cancellation, so one
// caller giving up does not fail the others waiting on the same fetch.
func (c *keyCache) startLocked(ctx context.Context) *flight {
	f := &flight{done: make(chan struct{})}
	c.inflight = f
	go c.run(context.WithoutCancel(ctx), f)
	return f
}

func (c *keyCache) run(ctx context.Context, f *flight) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	set, maxAge, err := c.fetch(ctx)

	c.mu.Lock()
	defer close(f.done)
	defer c.mu.Unlock()
	c.inflight, f.err = nil, err
	if err != nil {
		// Keep serving the old set and retry no sooner than the rate limit.
		c.lastErr = err
		c.staleAt = c.now().Add(c.minRefresh)
		c.log.WarnContext(ctx, "verifier: jwks refresh failed", "error", err)
		return
	}
	c.keys, c.lastErr = index(set), nil
	c.staleAt = c.now().Add(min(max(maxAge, c.minRefresh), maxMaxAge))
}

func (f *flight) wait(ctx context.Context) error {
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// index keeps the valid signature keys of set, by kid, as public keys
// (a set that leaks private halves is still usable for verifying).
func index(set jose.JSONWebKeySet) map[string][]jose.JSONWebKey {
	out := make(map[string][]jose.JSONWebKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.KeyID == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub := k.Public()
		if !pub.Valid() || !pub.IsPublic() {
			continue
		}
		out[k.KeyID] = append(out[k.KeyID], pub)
	}
	return out
}
