package dynamicauth_test

import (
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/store"
)

// TestSigningKeyMaxAge: a started Auth with Config.SigningKeyMaxAge
// rotates, in its chores, an environment key that has grown that old; the
// retired key stays published and new sign-ins use the new one. Two Auths
// on one store (replicas) rotate it once. A maximum age under a day is
// refused.
func TestSigningKeyMaxAge(t *testing.T) {
	onBothStores(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clock := newMovingClock()
		cfg := func(c *dynamicauth.Config) { c.Store, c.Now, c.SigningKeyMaxAge = st, clock.Now, 48*time.Hour }
		a := dynamicauthtest.New(t, cfg)
		env := a.IDs.EnvironmentID
		dynamicauthtest.SignInWallet(t, a)
		old, err := a.Keys().Active(ctx, env)
		if err != nil {
			t.Fatal(err)
		}
		b := dynamicauthtest.New(t, cfg)

		clock.Advance(47 * time.Hour)
		if n, err := a.Keys().RotateStale(ctx, 48*time.Hour); err != nil || n != 0 {
			t.Fatalf("a key younger than the maximum age rotated: %d, %v", n, err)
		}
		clock.Advance(2 * time.Hour)
		for _, app := range []*dynamicauthtest.App{a, b} {
			if err := app.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { app.Close() })
		}
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if keys, err := st.ListSigningKeys(ctx, env); err != nil || len(keys) >= 2 {
				break
			}
		}
		// Whichever replica rotated, the other finds nothing stale.
		if n, err := b.Keys().RotateStale(ctx, 48*time.Hour); err != nil || n != 0 {
			t.Fatalf("a second rotation: %d, %v", n, err)
		}
		keys, err := st.ListSigningKeys(ctx, env)
		if err != nil || len(keys) != 2 {
			t.Fatalf("after both replicas' chores: %d keys, want 2 (one rotation), %v", len(keys), err)
		}
		pub, err := a.Keys().Published(ctx, env)
		if err != nil || len(pub) != 2 {
			t.Fatalf("published: %d keys, %v", len(pub), err)
		}
		fresh, err := b.Keys().Active(ctx, env)
		if err != nil || fresh.ID == old.ID {
			t.Fatalf("the active key after the rotation: %v (old %s), %v", fresh, old.ID, err)
		}
		if _, err := a.Keys().RotateStale(ctx, time.Hour); err == nil {
			t.Fatal("RotateStale took a maximum age of an hour")
		}
		if _, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32), SigningKeyMaxAge: time.Hour}); err == nil {
			t.Fatal("a maximum age of an hour accepted")
		}
	})
}

// movingClock is a Config.Now that a test moves forward.
type movingClock struct {
	mu  sync.Mutex
	now time.Time
}

func newMovingClock() *movingClock { return &movingClock{now: time.Now()} }

// Now is the clock's time.
func (c *movingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *movingClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
