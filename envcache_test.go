package dynamicauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestEnvironmentCache: a change through the cache applies to its next
// read at once; another replica's cache sees it only after its TTL; what
// a caller changes in an answer is not what the next caller gets.
func TestEnvironmentCache(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auth, err := New(Config{Store: st, MasterSecret: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	ids, _, err := auth.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := ids.EnvironmentID
	here := withEnvironmentCache(st, time.Hour)
	replica := withEnvironmentCache(st, time.Hour)
	quick := withEnvironmentCache(st, 50*time.Millisecond)
	count := func(name string, c interface {
		ListOrigins(context.Context, string) ([]tenant.Origin, error)
	}) int {
		t.Helper()
		o, err := c.ListOrigins(ctx, env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return len(o)
	}
	before := count("here", here)
	count("replica", replica)
	count("quick", quick)

	if err := here.AddOrigin(ctx, &tenant.Origin{ID: "o-cache-test", EnvironmentID: env, Origin: "https://cache.example",
		CreatedAt: time.Now()}, tenant.MaxOrigins); err != nil {
		t.Fatal(err)
	}
	if n := count("here", here); n != before+1 {
		t.Errorf("origins after a change through this cache: %d, want %d", n, before+1)
	}
	if n := count("replica", replica); n != before {
		t.Errorf("another replica's cache within its TTL: %d origins, want the cached %d", n, before)
	}
	time.Sleep(60 * time.Millisecond)
	if n := count("quick", quick); n != before+1 {
		t.Errorf("another replica's cache after its TTL: %d origins, want %d", n, before+1)
	}

	e, err := here.GetEnvironment(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	e.Name = "changed by a caller"
	for i := range e.Settings {
		e.Settings[i] = ' '
	}
	again, err := here.GetEnvironment(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if again.Name == e.Name || bytes.Equal(again.Settings, e.Settings) {
		t.Error("a caller's change to a cached environment reached the next caller")
	}

	settings := []byte(`{"cacheTest":true}`)
	if err := here.UpdateEnvironmentSettings(ctx, env, settings, time.Now()); err != nil {
		t.Fatal(err)
	}
	after, err := here.GetEnvironment(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(after.Settings, []byte("cacheTest")) {
		t.Errorf("settings after an update through the cache: %s", after.Settings)
	}
}

// TestEnvironmentCacheConcurrent: readers never take a lock, yet a read
// that starts after a change through the cache has returned sees it, even
// with readers filling the cache from the store while the change commits
// (a read of the old settings must not be kept past the change). Run with
// -race.
func TestEnvironmentCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	auth, err := New(Config{Store: st, MasterSecret: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	ids, _, err := auth.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := ids.EnvironmentID
	c := withEnvironmentCache(st, time.Hour) // only a change makes the cache read again
	var done atomic.Int64                    // the last version whose change has returned
	const versions = 40
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				want := done.Load()
				e, err := c.GetEnvironment(ctx, env)
				if err == nil {
					_, err = c.ListOrigins(ctx, env)
				}
				if err != nil {
					errc <- err
					return
				}
				var s struct{ V int64 }
				_ = json.Unmarshal(e.Settings, &s)
				if s.V < want {
					errc <- fmt.Errorf("read after version %d returned: settings of version %d", want, s.V)
					return
				}
			}
		}()
	}
	for v := int64(1); v <= versions; v++ {
		if err := c.UpdateEnvironmentSettings(ctx, env, fmt.Appendf(nil, `{"v":%d}`, v), time.Now()); err != nil {
			t.Fatal(err)
		}
		done.Store(v)
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}
