package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

func rateLimitedServer(t *testing.T, policy ratelimit.Policy) (*httptest.Server, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: masterSecret, RateLimits: &policy})
	if err != nil {
		t.Fatal(err)
	}
	ids, _, _, err := a.Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); st.Close() })
	return srv, ids.EnvironmentID
}

func TestRateLimits(t *testing.T) {
	policy := ratelimit.Policy{SDK: ratelimit.Rule{Burst: 100, Per: time.Minute},
		Nonces: ratelimit.Rule{Burst: 3, Per: time.Minute}, SignIn: ratelimit.Rule{Burst: 2, Per: time.Minute},
		Balances: ratelimit.Rule{Burst: 2, Per: time.Minute}}
	srv, env := rateLimitedServer(t, policy)
	get := func(path string) *http.Response {
		res, err := http.Get(srv.URL + "/api/v0/sdk/" + env + path)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for i := 0; i < 3; i++ {
		if res := get("/nonce"); res.StatusCode != 200 {
			t.Fatalf("nonce %d: status %d", i, res.StatusCode)
		}
	}
	res := get("/nonces?count=1")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th nonce request: status %d, want 429", res.StatusCode)
	}
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body["error"] == nil {
		t.Fatalf("429 body %v (%v)", body, err)
	}
	// Other classes have their own buckets: settings still answers.
	if res := get("/settings"); res.StatusCode != 200 {
		t.Fatalf("settings after nonce limit: %d", res.StatusCode)
	}
	// Sign-in attempts count whether or not they are valid.
	post := func() int {
		res, err := http.Post(srv.URL+"/api/v0/sdk/"+env+"/verify", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if a, b, c := post(), post(), post(); a != 400 || b != 400 || c != http.StatusTooManyRequests {
		t.Fatalf("sign-in attempts: %d %d %d, want 400 400 429", a, b, c)
	}
	// Balance reads (each may ask the nodes for hundreds of reads) share
	// a bucket of their own, both routes.
	balances := func(path string) int {
		res := get(path)
		res.Body.Close()
		return res.StatusCode
	}
	account := "?accountAddress=0x0000000000000000000000000000000000000001&includeNative=true"
	if a, b := balances("/chains/EVM/balances"+account), balances("/balances"); a == http.StatusTooManyRequests || b == http.StatusTooManyRequests {
		t.Fatalf("the first two balance reads: %d %d", a, b)
	}
	if c := balances("/chains/EVM/balances" + account); c != http.StatusTooManyRequests {
		t.Fatalf("a third balance read: %d, want 429", c)
	}
}

func TestRateLimitsOff(t *testing.T) {
	srv, env := rateLimitedServer(t, ratelimit.Policy{Disabled: true, Nonces: ratelimit.Rule{Burst: 1, Per: time.Hour}})
	for i := 0; i < 10; i++ {
		res, err := http.Get(srv.URL + "/api/v0/sdk/" + env + "/nonce")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("request %d with limits off: %d", i, res.StatusCode)
		}
	}
}
