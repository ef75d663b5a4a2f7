package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// TestRateLimitIPv6Per64: an IPv6 client rotating addresses inside its
// /64 (one customer's allocation) shares one bucket; another /64 has its
// own. Clients are named by X-Forwarded-For from a trusted proxy.
func TestRateLimitIPv6Per64(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	policy := ratelimit.Policy{SDK: ratelimit.Rule{Burst: 100, Per: time.Minute},
		Nonces: ratelimit.Rule{Burst: 3, Per: time.Minute}, SignIn: ratelimit.Rule{Burst: 2, Per: time.Minute}}
	a, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: masterSecret, RateLimits: &policy,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}})
	if err != nil {
		t.Fatal(err)
	}
	ids, _, _, err := a.Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); st.Close() })
	nonce := func(client string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v0/sdk/"+ids.EnvironmentID+"/nonce", nil)
		req.Header.Set("X-Forwarded-For", client)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i, client := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"} {
		if st := nonce(client); st != 200 {
			t.Fatalf("nonce %d from %s: %d", i, client, st)
		}
	}
	if st := nonce("2001:db8:1:2:abcd::9"); st != http.StatusTooManyRequests {
		t.Errorf("a fourth address in the same /64: status %d, want 429", st)
	}
	if st := nonce("2001:db8:1:3::1"); st != 200 {
		t.Errorf("another /64: status %d, want 200", st)
	}
	if st := nonce("203.0.113.7"); st != 200 {
		t.Errorf("an IPv4 client: status %d, want 200", st)
	}
}
