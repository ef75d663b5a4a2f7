package balances

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// CoinGecko prices tokens with CoinGecko's API (a paid service with a free
// demo tier): GET /simple/price?ids=COIN&vs_currencies=usd for a
// network's native coin, GET /simple/token_price/PLATFORM?contract_addresses=
// A,B&vs_currencies=usd for its ERC-20s. Answers are cached (default one
// minute) so a widget's polling does not spend the API's quota.
type CoinGecko struct {
	base   string
	key    string
	header string
	client *http.Client
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]priceEntry
}

type priceEntry struct {
	usd   float64
	known bool
	exp   time.Time
}

// CoinGeckoConfig configures NewCoinGecko.
type CoinGeckoConfig struct {
	// BaseURL is the API root: https://api.coingecko.com/api/v3 (demo
	// keys, the default) or https://pro-api.coingecko.com/api/v3 (paid).
	BaseURL string
	// APIKey is sent as x-cg-demo-api-key, or x-cg-pro-api-key on the pro
	// host; empty sends none (the public, tightly limited tier).
	APIKey string
	Client *http.Client  // nil: a client with a 5 s timeout
	TTL    time.Duration // how long a price is reused; 0 means a minute
	Now    func() time.Time
}

// DefaultCoinGeckoURL is CoinGecko's public API root.
const DefaultCoinGeckoURL = "https://api.coingecko.com/api/v3"

// NewCoinGecko builds the adapter.
func NewCoinGecko(c CoinGeckoConfig) (*CoinGecko, error) {
	if c.BaseURL == "" {
		c.BaseURL = DefaultCoinGeckoURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("coingecko: %q is not an http(s) URL", c.BaseURL)
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if c.TTL == 0 {
		c.TTL = time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	header := "x-cg-demo-api-key"
	if strings.HasPrefix(u.Host, "pro-api.") {
		header = "x-cg-pro-api-key"
	}
	return &CoinGecko{base: strings.TrimRight(c.BaseURL, "/"), key: c.APIKey, header: header, client: c.Client, ttl: c.TTL,
		now: c.Now, cache: map[string]priceEntry{}}, nil
}

// coinGeckoNetworks are CoinGecko's names for an EVM network: the coin id
// of its native currency and its asset platform id (for contracts).
var coinGeckoNetworks = map[int64]struct{ coin, platform string }{
	1:     {"ethereum", "ethereum"},
	10:    {"ethereum", "optimistic-ethereum"},
	56:    {"binancecoin", "binance-smart-chain"},
	100:   {"xdai", "xdai"},
	137:   {"polygon-ecosystem-token", "polygon-pos"},
	324:   {"ethereum", "zksync"},
	8453:  {"ethereum", "base"},
	42161: {"ethereum", "arbitrum-one"},
	43114: {"avalanche-2", "avalanche"},
	59144: {"ethereum", "linea"},
}

// USD implements Prices. Networks CoinGecko does not list (test chains)
// have no prices.
func (g *CoinGecko) USD(ctx context.Context, network int64, addresses []string) (map[string]float64, error) {
	names, ok := coinGeckoNetworks[network]
	if !ok {
		return map[string]float64{}, nil
	}
	out := map[string]float64{}
	var missing []string
	wantNative := false
	now := g.now()
	g.mu.Lock()
	for _, a := range addresses {
		if e, ok := g.cache[fmt.Sprintf("%d|%s", network, strings.ToLower(a))]; ok && now.Before(e.exp) {
			if e.known {
				out[a] = e.usd
			}
			continue
		}
		if strings.EqualFold(a, NativeAddress) {
			wantNative = true
		} else {
			missing = append(missing, strings.ToLower(a))
		}
	}
	g.mu.Unlock()
	fetched := map[string]float64{}
	if wantNative {
		var ans map[string]map[string]float64
		if err := g.get(ctx, "/simple/price?ids="+url.QueryEscape(names.coin)+"&vs_currencies=usd", &ans); err != nil {
			return nil, err
		}
		if p, ok := ans[names.coin]["usd"]; ok {
			fetched[strings.ToLower(NativeAddress)] = p
		}
	}
	if len(missing) > 0 {
		var ans map[string]map[string]float64
		if err := g.get(ctx, "/simple/token_price/"+url.PathEscape(names.platform)+"?contract_addresses="+
			url.QueryEscape(strings.Join(missing, ","))+"&vs_currencies=usd", &ans); err != nil {
			return nil, err
		}
		for addr, v := range ans {
			if p, ok := v["usd"]; ok {
				fetched[strings.ToLower(addr)] = p
			}
		}
	}
	g.mu.Lock()
	if len(g.cache) > 10_000 { // bounded: forget rather than grow
		g.cache = map[string]priceEntry{}
	}
	for _, a := range addresses {
		key := strings.ToLower(a)
		if strings.EqualFold(a, NativeAddress) && !wantNative {
			continue
		}
		if !strings.EqualFold(a, NativeAddress) && !contains(missing, key) {
			continue
		}
		p, known := fetched[key]
		g.cache[fmt.Sprintf("%d|%s", network, key)] = priceEntry{usd: p, known: known, exp: now.Add(g.ttl)}
		if known {
			out[a] = p
		}
	}
	g.mu.Unlock()
	return out, nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// maxPriceAnswer bounds what is read of an answer.
const maxPriceAnswer = 256 << 10

// errCoinGecko never carries the API key (it travels in a header).
var errCoinGecko = errors.New("coingecko")

func (g *CoinGecko) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if g.key != "" {
		req.Header.Set(g.header, g.key)
	}
	res, err := g.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", errCoinGecko, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxPriceAnswer))
	if err != nil {
		return fmt.Errorf("%w: %w", errCoinGecko, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", errCoinGecko, strings.SplitN(path, "?", 2)[0], res.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s: %w", errCoinGecko, strings.SplitN(path, "?", 2)[0], err)
	}
	return nil
}
