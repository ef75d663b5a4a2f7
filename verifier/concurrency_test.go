package verifier

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/session"
)

// TestConcurrentVerify is for the race detector: many goroutines share one
// verifier while the cache loads, goes stale and refreshes.
func TestConcurrentVerify(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa, k.ec, k.ed)
	clk := newClock()
	v := newVerifier(t, srv, clk)
	good := []string{mintMod(t, k.rsa, clk.Now(), nil), mintMod(t, k.ec, clk.Now(), nil), mintMod(t, k.ed, clk.Now(), nil)}
	bad := mintMod(t, k.ec, clk.Now(), func(c *session.Minified) { c.EnvironmentID = "other" })

	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 30 {
				if g == 0 && i == 10 {
					clk.Advance(defaultMaxAge) // make the set stale mid-run
				}
				if _, err := v.Verify(context.Background(), good[(g+i)%len(good)]); err != nil {
					t.Errorf("good token: %v", err)
				}
				if _, err := v.Verify(context.Background(), bad); !errors.Is(err, ErrWrongEnvironment) {
					t.Errorf("bad token: err = %v", err)
				}
			}
		})
	}
	wg.Wait()
	waitForFlight(v)
}
