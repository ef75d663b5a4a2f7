// Package ratelimit bounds how often one caller (an IP address, say) may
// do a guessable or costly thing: ask for nonces, attempt sign-ins, call
// the SDK routes at all. A single process keeps its buckets in memory
// (Limiter); replicas share them through their store (Shared), so the
// limit holds across all of them.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"
)

// Taker takes one token from a caller's bucket: ok false means refused,
// with how long until a token is back.
type Taker interface {
	Take(ctx context.Context, key string, rule Rule) (ok bool, retryAfter time.Duration, err error)
}

// Store keeps buckets where every replica sees them. TakeToken refills the
// bucket for the time since its last use and takes a token if there is
// one, in one atomic statement.
type Store interface {
	TakeToken(ctx context.Context, key string, burst int, per time.Duration, now time.Time) (ok bool, retryAfter time.Duration, err error)
}

// Shared is a Taker over a Store.
type Shared struct {
	store Store
	now   func() time.Time
}

// NewShared builds a Taker whose buckets live in store.
func NewShared(store Store, now func() time.Time) *Shared {
	if now == nil {
		now = time.Now
	}
	return &Shared{store: store, now: now}
}

// Take implements Taker.
func (s *Shared) Take(ctx context.Context, key string, rule Rule) (bool, time.Duration, error) {
	if rule.Burst <= 0 || rule.Per <= 0 {
		return true, 0, nil
	}
	return s.store.TakeToken(ctx, key, rule.Burst, rule.Per, s.now())
}

// Take implements Taker.
func (l *Limiter) Take(_ context.Context, key string, rule Rule) (bool, time.Duration, error) {
	ok, wait := l.Allow(key, rule)
	return ok, wait, nil
}

// Rule is a token bucket: Burst requests at once, refilled at Burst per
// Per. A zero Burst disables the rule.
type Rule struct {
	Burst int
	Per   time.Duration
}

// Limiter holds the buckets.
type Limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
	rule   Rule
}

// New builds a limiter; now may be nil for the wall clock.
func New(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket under rule. When none is left it
// returns false and how long until one is.
func (l *Limiter) Allow(key string, rule Rule) (bool, time.Duration) {
	if rule.Burst <= 0 || rule.Per <= 0 {
		return true, 0
	}
	now := l.now()
	rate := float64(rule.Burst) / rule.Per.Seconds() // tokens per second
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepIdle(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(rule.Burst), last: now, rule: rule}
		l.buckets[key] = b
	}
	b.tokens = math.Min(float64(rule.Burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
	return false, wait
}

// sweepIdle drops full buckets now and then, so memory follows the callers
// of the last few minutes, not all callers ever.
func (l *Limiter) sweepIdle(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.buckets {
		if now.Sub(b.last) > b.rule.Per {
			delete(l.buckets, k)
		}
	}
}

// Policy is the set of rules the API applies, each per client IP.
type Policy struct {
	Disabled bool // for trusted load tests
	SDK      Rule // every /sdk route
	Nonces   Rule // nonce, nonces, connect
	SignIn   Rule // sign-in, link, refresh and other proof-checking routes
	// Balances: chains/{chain}/balances and balances, public routes where
	// one request may cost the operator's nodes up to a thousand calls.
	// The zero Rule leaves them to SDK alone.
	Balances Rule
}

// DefaultPolicy follows Dynamic's published limits in spirit, loosened
// where one IP stands for many users behind a NAT.
func DefaultPolicy() Policy {
	return Policy{
		SDK:    Rule{Burst: 600, Per: time.Minute},
		Nonces: Rule{Burst: 60, Per: time.Minute},
		SignIn: Rule{Burst: 30, Per: time.Minute},
		// A page reads balances at load and on a change of account or
		// network; a minute's 60 leave room for many users behind one IP.
		Balances: Rule{Burst: 60, Per: time.Minute},
	}
}
