package dynamicauth_test

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
)

// TestEventRetention: a started Auth with Config.EventRetention forgets,
// in its chores, the events older than that and keeps the newer ones; a
// retention under a week is refused.
func TestEventRetention(t *testing.T) {
	onBothStores(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clock := newMovingClock()
		a := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Store, c.Now, c.EventRetention = st, clock.Now, 7*24*time.Hour })
		env := a.IDs.EnvironmentID
		old := dynamicauthtest.SignInWallet(t, a)
		clock.Advance(8 * 24 * time.Hour)
		recent := dynamicauthtest.SignInWallet(t, a)
		byUser := func() map[string]int {
			page, err := a.Events().List(ctx, a.System, env, events.Query{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			n := map[string]int{}
			for _, ev := range page.Events {
				n[ev.UserID]++
			}
			return n
		}
		if n := byUser(); n[old.UserID] == 0 || n[recent.UserID] == 0 {
			t.Fatalf("events by user before the chores: %v", n)
		}
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && byUser()[old.UserID] > 0; {
			time.Sleep(20 * time.Millisecond)
		}
		if n := byUser(); n[old.UserID] != 0 || n[recent.UserID] == 0 {
			t.Fatalf("events by user after the chores: %v; want none of the sign-in 8 days ago (%s), those of today's (%s)",
				n, old.UserID, recent.UserID)
		}
		if _, err := dynamicauth.New(dynamicauth.Config{Store: st, EventRetention: 24 * time.Hour}); err == nil {
			t.Fatal("a retention of a day was taken")
		}
	})
}
