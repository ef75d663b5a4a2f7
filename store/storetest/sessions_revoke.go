package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store"
)

// testRevokeSessionRace: a session revoked by several callers at once
// (the user signing out on two tabs, an admin revoking it meanwhile) is
// revoked once: one event, hence one webhook call, and the first
// revocation's time kept.
func testRevokeSessionRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	const sessions, callers = 4, 8
	for range sessions {
		_, ss := signIn(t, s, c, env, newWallet(t, env))
		at := c.next()
		var wg sync.WaitGroup
		failed := make([]error, callers)
		for i := range callers {
			wg.Go(func() {
				failed[i] = s.RevokeSession(ctx(t), ss.ID, at.Add(time.Duration(i)*time.Millisecond), "user.session.revoked")
			})
		}
		wg.Wait()
		for _, err := range failed {
			must(t, "concurrent RevokeSession", err)
		}
	}
	wantEvents(t, s, "after concurrent revokes", env, map[string]int{"user.session.revoked": sessions})
}
