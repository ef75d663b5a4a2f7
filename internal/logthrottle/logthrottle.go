// Package logthrottle rates the log lines of a failure that repeats:
// the first is logged at once, then at most one per window, carrying how
// many were left out meanwhile. A failure a client can cause (a request
// to a provider that is down, a refused token) must not let that client
// flood the operator's log.
package logthrottle

import (
	"sync"
	"time"
)

// maxKeys bounds the keys kept: past it, keys whose window is over are
// forgotten (with the count they left out), and a new key is logged
// without being kept rather than growing the map.
const maxKeys = 1024

// Throttle rates lines by key. The zero value is not usable: see New.
type Throttle struct {
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	logged     time.Time // the last line logged
	suppressed int       // lines left out since
}

// New is a throttle letting one line per key through every window, on
// the clock now (time.Now when nil).
func New(window time.Duration, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{window: window, now: now, keys: map[string]*entry{}}
}

// Allow says whether a line for key is logged now and, when it is, how
// many lines for key were left out since the last one logged (to be
// said in it). The lines left out after the last one are said by the
// next one logged, when the failure happens again.
func (t *Throttle) Allow(key string) (ok bool, suppressed int) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.keys[key]
	if e == nil {
		if len(t.keys) >= maxKeys && !t.prune(now) {
			return true, 0
		}
		t.keys[key] = &entry{logged: now}
		return true, 0
	}
	if now.Sub(e.logged) < t.window {
		e.suppressed++
		return false, 0
	}
	suppressed, e.logged, e.suppressed = e.suppressed, now, 0
	return true, suppressed
}

// prune forgets the keys whose window is over and says whether room was
// made.
func (t *Throttle) prune(now time.Time) bool {
	for k, e := range t.keys {
		if now.Sub(e.logged) >= t.window {
			delete(t.keys, k)
		}
	}
	return len(t.keys) < maxKeys
}
