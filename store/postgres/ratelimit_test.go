package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/postgres"
)

// TestTakeTokenShared checks the bucket rules on the shared store: the
// burst, the refill, and that concurrent takers (as replicas would be)
// never get more than the burst.
func TestTakeTokenShared(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, freshSchema(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _, err := st.TakeToken(ctx, "signin|1.2.3.4", 3, time.Minute, now); err != nil || !ok {
			t.Fatalf("take %d: %v %v", i, ok, err)
		}
	}
	ok, wait, err := st.TakeToken(ctx, "signin|1.2.3.4", 3, time.Minute, now)
	if err != nil || ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("4th take: ok=%v wait=%v err=%v", ok, wait, err)
	}
	// A refused take does not use up the refill.
	if ok, _, _ := st.TakeToken(ctx, "signin|1.2.3.4", 3, time.Minute, now.Add(wait)); !ok {
		t.Fatal("refused after the advertised wait")
	}

	var granted atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := st.TakeToken(ctx, "nonces|5.6.7.8", 5, time.Hour, now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 5 {
		t.Fatalf("%d of 20 concurrent takes granted, want the burst of 5", granted.Load())
	}
	if n, err := st.PurgeRateLimits(ctx, now.Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("purge: %d %v", n, err)
	}
}
