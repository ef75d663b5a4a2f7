package balances

import (
	"context"
	"math/big"
	"strings"
)

// Prices gives tokens' prices in US dollars. Price data comes from paid
// third-party APIs, so it sits behind this small interface: CoinGecko
// (coingecko.go) is the adapter this server ships; an application may
// bring its own.
type Prices interface {
	// USD prices the tokens of one network, by address as asked
	// (NativeAddress for the native coin). A token it has no price for is
	// absent from the answer; an error means no prices at all.
	USD(ctx context.Context, network int64, addresses []string) (map[string]float64, error)
}

// withPrices sets Price and MarketValue (the balance times the price) on
// the tokens prices knows. A failing price source costs the prices only:
// the balances are still answered, and the failure is logged.
func (s *Service) withPrices(ctx context.Context, envID string, network int64, list []Token) {
	if s.prices == nil || len(list) == 0 {
		return
	}
	addrs := make([]string, len(list))
	for i, t := range list {
		addrs[i] = t.Address
	}
	got, err := s.prices.USD(ctx, network, addrs)
	if err != nil {
		s.log.Warn("token prices unavailable; balances answered without them", "environment", envID, "network", network, "err", err)
		return
	}
	for i := range list {
		p, ok := got[list[i].Address]
		if !ok {
			p, ok = got[strings.ToLower(list[i].Address)]
		}
		if !ok || p < 0 {
			continue
		}
		price := p
		list[i].Price = &price
		bal, _ := new(big.Float).SetString(list[i].Balance)
		if bal != nil {
			v, _ := new(big.Float).Mul(bal, big.NewFloat(p)).Float64()
			list[i].MarketValue = &v
		}
	}
}
