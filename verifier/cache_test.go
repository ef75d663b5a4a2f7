package verifier

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestUnknownKidRefetchesOnce(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	clk := newClock()
	v := newVerifier(t, srv, clk)
	ctx := context.Background()
	if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
		t.Fatalf("preload: %v", err)
	}
	if _, err := v.Verify(ctx, mintMod(t, k.ec, clk.Now(), nil)); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unpublished kid: err = %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (load + exactly one refetch)", n)
	}

	// The server rotates: the new key is published. Once the rate limit
	// allows, the same kid resolves.
	srv.publish(k.rsa, k.ec)
	clk.Advance(v.cfg.MinRefreshInterval)
	if _, err := v.Verify(ctx, mintMod(t, k.ec, clk.Now(), nil)); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := srv.fetches.Load(); n != 3 {
		t.Errorf("fetches = %d, want 3", n)
	}
}

func TestRotationRightAfterLoadIsSeen(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	clk := newClock()
	v := newVerifier(t, srv, clk)
	ctx := context.Background()
	if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
		t.Fatalf("preload: %v", err)
	}
	srv.publish(k.rsa, k.ed)
	if _, err := v.Verify(ctx, mintMod(t, k.ed, clk.Now(), nil)); err != nil {
		t.Fatalf("new key right after first load: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
}

func TestUnknownKidBurstIsRateLimited(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	clk := newClock()
	v := newVerifier(t, srv, clk)
	ctx := context.Background()
	if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
		t.Fatalf("preload: %v", err)
	}
	burst := func(round int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			garbage := testKey{kid: fmt.Sprintf("garbage-%d-%d", round, i), alg: k.rsa.alg, priv: k.rsa.priv}
			tok := mintMod(t, garbage, clk.Now(), nil)
			wg.Go(func() {
				_, err := v.Verify(ctx, tok)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if !errors.Is(err, ErrUnknownKey) {
				t.Errorf("round %d: err = %v, want ErrUnknownKey", round, err)
			}
		}
	}

	burst(1)
	if n := srv.fetches.Load() - 1; n != 1 {
		t.Fatalf("burst caused %d fetches, want 1", n)
	}
	clk.Advance(v.cfg.MinRefreshInterval - time.Second)
	burst(2)
	if n := srv.fetches.Load() - 1; n != 1 {
		t.Fatalf("second burst inside the interval: %d fetches in all, want 1", n)
	}
	clk.Advance(time.Second)
	burst(3)
	if n := srv.fetches.Load() - 1; n != 2 {
		t.Fatalf("burst after the interval: %d fetches in all, want 2", n)
	}
}

func TestConcurrentMissesShareOneFetch(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	gate, arrived := make(chan struct{}), make(chan struct{}, 100)
	srv.configure(func(s *jwksServer) { s.gate, s.arrived = gate, arrived })
	clk := newClock()
	v := newVerifier(t, srv, clk)
	tok := mintMod(t, k.rsa, clk.Now(), nil)

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			errs <- err
		})
	}
	<-arrived // one fetch is in flight; the others join it or find its result
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
}

func TestWaiterCancellationDoesNotFailFetch(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	gate, arrived := make(chan struct{}), make(chan struct{}, 10)
	srv.configure(func(s *jwksServer) { s.gate, s.arrived = gate, arrived })
	clk := newClock()
	v := newVerifier(t, srv, clk)
	tok := mintMod(t, k.rsa, clk.Now(), nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, tok)
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("cancelled waiter: err = %v", err)
	}
	close(gate)
	waitForFlight(v)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("after the shared fetch completed: %v", err)
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
}

func TestBackgroundRefreshAfterMaxAge(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	srv.configure(func(s *jwksServer) { s.cacheControl = "public, max-age=120" })
	clk := newClock()
	v := newVerifier(t, srv, clk)
	ctx := context.Background()
	verify := func() {
		t.Helper()
		if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		waitForFlight(v)
	}

	verify()
	clk.Advance(119 * time.Second)
	verify()
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("before max-age: fetches = %d, want 1", n)
	}
	clk.Advance(time.Second)
	verify() // served from cache; the refresh runs behind it
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("after max-age: fetches = %d, want 2", n)
	}
	verify()
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("fresh again: fetches = %d, want 2", n)
	}
}

func TestBackgroundRefreshFailureKeepsKeys(t *testing.T) {
	k := keys()
	srv := newJWKSServer(t, k.rsa)
	srv.configure(func(s *jwksServer) { s.cacheControl = "" }) // default 5 min
	clk := newClock()
	v := newVerifier(t, srv, clk)
	tok := mintMod(t, k.rsa, clk.Now(), nil)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("preload: %v", err)
	}
	srv.configure(func(s *jwksServer) { s.status = http.StatusInternalServerError })
	clk.Advance(defaultMaxAge)
	for range 3 {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatalf("stale keys must still verify while the endpoint fails: %v", err)
		}
		waitForFlight(v)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2 (one failed refresh, then backoff)", n)
	}
}

func TestFetchFailures(t *testing.T) {
	k := keys()
	cases := map[string]func(s *jwksServer){
		"status 500": func(s *jwksServer) { s.status = http.StatusInternalServerError },
		"oversized":  func(s *jwksServer) { s.body = []byte(`{"keys":[],"pad":"` + strings.Repeat("x", maxJWKSBytes) + `"}`) },
		"not json":   func(s *jwksServer) { s.body = []byte("<html>") },
		"bad keys":   func(s *jwksServer) { s.body = []byte(`{"keys":[{"kty":"RSA","kid":"x"}]}`) },
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newJWKSServer(t, k.rsa)
			srv.configure(setup)
			clk := newClock()
			v := newVerifier(t, srv, clk)
			tok := mintMod(t, k.rsa, clk.Now(), nil)
			for range 3 {
				if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrUnavailable) {
					t.Fatalf("err = %v, want ErrUnavailable", err)
				}
			}
			// First load plus one retry; then the rate limit holds.
			if n := srv.fetches.Load(); n != 2 {
				t.Errorf("fetches = %d, want 2", n)
			}
		})
	}
}

func TestKeySetSkipsUnusableKeys(t *testing.T) {
	k := keys()
	good, _ := k.ec.jwk().MarshalJSON()
	srv := newJWKSServer(t)
	srv.configure(func(s *jwksServer) {
		s.body = []byte(`{"keys":[{"kty":"XYZ","kid":"future"},{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0","kid":"kid-ec"},` + string(good) + `]}`)
	})
	clk := newClock()
	v := newVerifier(t, srv, clk)
	if _, err := v.Verify(context.Background(), mintMod(t, k.ec, clk.Now(), nil)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestInProcessKeySource(t *testing.T) {
	k := keys()
	clk := newClock()
	priv := jose.JSONWebKey{Key: k.ed.priv, KeyID: k.ed.kid, Algorithm: string(k.ed.alg)}
	v, err := New(Config{Keys: StaticKeys(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{priv}}), EnvironmentID: testEnv, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), mintMod(t, k.ed, clk.Now(), nil)); err != nil {
		t.Fatalf("Verify (private JWK published, used as public): %v", err)
	}
}

func TestMaxAge(t *testing.T) {
	cases := map[string]time.Duration{
		"":                        defaultMaxAge,
		"public, max-age=300":     300 * time.Second,
		"MAX-AGE=60":              time.Minute,
		"no-store":                0,
		"max-age=abc":             defaultMaxAge,
		"max-age=99999999999":     maxMaxAge,
		`private, max-age="42"`:   42 * time.Second,
		"s-maxage=10, max-age=20": 20 * time.Second,
	}
	for cc, want := range cases {
		h := http.Header{}
		if cc != "" {
			h.Set("Cache-Control", cc)
		}
		if got := maxAge(h); got != want {
			t.Errorf("maxAge(%q) = %v, want %v", cc, got, want)
		}
	}
}

// waitForFlight waits for a fetch Verify may have started in the
// background, so counts are read after it, without sleeping.
func waitForFlight(v *Verifier) {
	v.keys.mu.Lock()
	f := v.keys.inflight
	v.keys.mu.Unlock()
	if f != nil {
		<-f.done
	}
}

// TestInProcessKeysFollowRotations: an in-process source is a local read,
// so an unknown kid is looked up at once every time (no floor between
// lookups); a burst of unknown kids still shares one lookup at a time.
func TestInProcessKeysFollowRotations(t *testing.T) {
	k := keys()
	clk := newClock()
	var mu sync.Mutex
	published := []testKey{k.rsa}
	var reads atomic.Int64
	src := KeySourceFunc(func(context.Context) (jose.JSONWebKeySet, error) {
		reads.Add(1)
		mu.Lock()
		defer mu.Unlock()
		var set jose.JSONWebKeySet
		for _, p := range published {
			set.Keys = append(set.Keys, p.jwk())
		}
		return set, nil
	})
	v, err := New(Config{Keys: src, EnvironmentID: testEnv, Issuer: testIss, Audience: []string{testAud}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, next := range []testKey{k.rsa, k.ec, k.ed} {
		mu.Lock()
		published = append(published, next)
		mu.Unlock()
		if _, err := v.Verify(ctx, mintMod(t, next, clk.Now(), nil)); err != nil {
			t.Fatalf("key %s right after it was published: %v", next.kid, err)
		}
	}
	if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil || reads.Load() != 3 {
		t.Fatalf("known kid: %v after %d reads, want no new read (3)", err, reads.Load())
	}

	// MinRefreshInterval set by the caller applies to a source too.
	limited, err := New(Config{Keys: src, EnvironmentID: testEnv, Issuer: testIss, Audience: []string{testAud}, Now: clk.Now, MinRefreshInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	limited.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil))
	before := reads.Load()
	for i := range 3 {
		garbage := testKey{kid: fmt.Sprintf("garbage-%d", i), alg: k.rsa.alg, priv: k.rsa.priv}
		if _, err := limited.Verify(ctx, mintMod(t, garbage, clk.Now(), nil)); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("garbage kid: %v", err)
		}
	}
	if n := reads.Load() - before; n != 1 {
		t.Fatalf("3 unknown kids under a 1-minute floor read the source %d times, want 1", n)
	}
}

// TestRotationDuringRunningFetchIsSeen: a token signed with a key rotated
// in while a fetch is already running (here a background refresh that
// read the set just before the rotation) must not be refused because it
// joined that fetch: a fetch that began before the token's key existed
// cannot answer for it, so the lookup asks again.
func TestRotationDuringRunningFetchIsSeen(t *testing.T) {
	k := keys()
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		var mu sync.Mutex
		published := []testKey{k.rsa}
		var reads atomic.Int64
		readDone, release := make(chan struct{}), make(chan struct{})
		src := KeySourceFunc(func(context.Context) (jose.JSONWebKeySet, error) {
			n := reads.Add(1)
			mu.Lock()
			var set jose.JSONWebKeySet
			for _, p := range published {
				set.Keys = append(set.Keys, p.jwk())
			}
			mu.Unlock()
			if n == 2 { // the background refresh: read, then held
				close(readDone)
				<-release
			}
			return set, nil
		})
		v, err := New(Config{Keys: src, EnvironmentID: testEnv, Issuer: testIss, Audience: []string{testAud}, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
			t.Fatalf("first load: %v", err)
		}
		clk.Advance(24 * time.Hour) // the set is stale: the next use refreshes it
		if _, err := v.Verify(ctx, mintMod(t, k.rsa, clk.Now(), nil)); err != nil {
			t.Fatalf("known kid: %v", err)
		}
		<-readDone // the refresh has read the set without the new key

		mu.Lock()
		published = append(published, k.ec) // the rotation
		mu.Unlock()
		token := mintMod(t, k.ec, clk.Now(), nil)
		result := make(chan error, 1)
		go func() {
			_, err := v.Verify(ctx, token)
			result <- err
		}()
		synctest.Wait() // the verify is waiting on the running refresh
		close(release)
		if err := <-result; err != nil {
			t.Fatalf("token signed with the key rotated in during a fetch: %v", err)
		}
		if n := reads.Load(); n != 3 {
			t.Fatalf("source read %d times, want 3 (load, refresh, one lookup after it)", n)
		}
	})
}
