package balances_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/balances"
)

// A server shaped like CoinGecko's API v3: /simple/price and
// /simple/token_price/{platform}, lowercase contract keys, the demo key
// header.
type fakeCoinGecko struct {
	mu       sync.Mutex
	requests []string
	keys     []string
	fail     bool
}

func (f *fakeCoinGecko) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Path+"?"+r.URL.RawQuery)
	f.keys = append(f.keys, r.Header.Get("x-cg-demo-api-key"))
	fail := f.fail
	f.mu.Unlock()
	if fail {
		http.Error(w, `{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}}`, http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	if q.Get("vs_currencies") != "usd" {
		http.Error(w, "bad vs_currencies", 400)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/api/v3/simple/price" && q.Get("ids") == "ethereum":
		_, _ = w.Write([]byte(`{"ethereum":{"usd":3012.55}}`))
	case r.URL.Path == "/api/v3/simple/token_price/optimistic-ethereum":
		out := []string{}
		for _, a := range strings.Split(q.Get("contract_addresses"), ",") {
			if a == "0x0b2c639c533813f4aa9d7837caf62653d097ff85" { // USDC on Optimism
				out = append(out, `"`+a+`":{"usd":0.9998}`)
			}
		}
		_, _ = w.Write([]byte("{" + strings.Join(out, ",") + "}"))
	default:
		_, _ = w.Write([]byte(`{}`))
	}
}

func TestCoinGecko(t *testing.T) {
	f := &fakeCoinGecko{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	g, err := balances.NewCoinGecko(balances.CoinGeckoConfig{BaseURL: srv.URL + "/api/v3", APIKey: "CG-demo", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	usdc := "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85"
	unknown := "0x00000000000000000000000000000000000000aa"
	got, err := g.USD(ctx, 10, []string{balances.NativeAddress, usdc, unknown})
	if err != nil {
		t.Fatal(err)
	}
	if got[balances.NativeAddress] != 3012.55 || got[usdc] != 0.9998 || len(got) != 2 {
		t.Fatalf("prices %v", got)
	}
	if len(f.requests) != 2 || f.keys[0] != "CG-demo" {
		t.Fatalf("requests %v keys %v", f.requests, f.keys)
	}
	if !strings.Contains(f.requests[1], "contract_addresses="+strings.ToLower(usdc)+"%2C"+unknown) &&
		!strings.Contains(f.requests[1], "contract_addresses="+strings.ToLower(usdc)+","+unknown) {
		t.Fatalf("token request %s", f.requests[1])
	}

	// within the TTL: from the cache, unknown tokens included
	got, err = g.USD(ctx, 10, []string{balances.NativeAddress, usdc, unknown})
	if err != nil || len(got) != 2 || len(f.requests) != 2 {
		t.Fatalf("cached: %v %v, %d requests", got, err, len(f.requests))
	}
	// a network CoinGecko does not list: no prices, no request
	if got, err := g.USD(ctx, 1337, []string{balances.NativeAddress}); err != nil || len(got) != 0 || len(f.requests) != 2 {
		t.Fatalf("test chain: %v %v", got, err)
	}
	// past the TTL, a failing API is an error (and says nothing of the key)
	now = now.Add(2 * time.Minute)
	f.fail = true
	_, err = g.USD(ctx, 10, []string{usdc})
	if err == nil || !strings.Contains(err.Error(), "429") || strings.Contains(err.Error(), "CG-demo") {
		t.Fatalf("failing API: %v", err)
	}
	if _, err := balances.NewCoinGecko(balances.CoinGeckoConfig{BaseURL: "ftp://x"}); err == nil {
		t.Fatal("a non-http base URL was accepted")
	}
}
