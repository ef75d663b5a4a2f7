package dynamicauth_test

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/store"
)

// TestSessionRetention: a started Auth with Config.SessionRetention
// forgets, in its chores, the sessions whose refresh ended longer ago than
// that, keeps live ones and the users, and analytics of whole days counts
// the forgotten sessions as before; a retention under a week is refused.
func TestSessionRetention(t *testing.T) {
	onBothStores(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clock := newMovingClock()
		a := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
			c.Store, c.Now, c.SessionRetention = st, clock.Now, 7*24*time.Hour
		})
		env := a.IDs.EnvironmentID
		w := dynamicauthtest.NewWallet(t)
		old := a.SignIn(t, w)
		day := clock.Now().UTC().Truncate(24 * time.Hour)
		clock.Advance(39 * 24 * time.Hour) // the refresh limit (30 days) and 9 more
		a.SignIn(t, w)
		sessions := func() int {
			list, err := a.Sessions().List(ctx, a.System, env, old.UserID)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		wholeDays := analytics.Range{Start: day, End: clock.Now().UTC().Truncate(24 * time.Hour)}
		topline := func() analytics.Totals {
			tl, err := a.Analytics().Topline(ctx, a.System, env, wholeDays)
			if err != nil {
				t.Fatal(err)
			}
			return *tl
		}
		before := topline()
		if n := sessions(); n != 2 || before.SessionsInRange != 1 {
			t.Fatalf("before the chores: %d sessions, topline %+v; want 2, and 1 in the range", n, before)
		}
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && sessions() > 1; {
			time.Sleep(20 * time.Millisecond)
		}
		if n := sessions(); n != 1 {
			t.Fatalf("sessions after the chores: %d, want the recent one alone", n)
		}
		if after := topline(); after != before {
			t.Fatalf("topline of whole days after the purge: %+v, want %+v as before", after, before)
		}
		if _, err := dynamicauth.New(dynamicauth.Config{Store: st, SessionRetention: 24 * time.Hour}); err == nil {
			t.Fatal("a retention of a day was taken")
		}
	})
}
