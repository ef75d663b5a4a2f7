package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/balances"
)

// balancesConfig prices the SDK's balances with CoinGecko when
// --coingecko-url is set; the key comes from the environment
// (COINGECKO_API_KEY), never from the command line.
func balancesConfig(coingeckoURL string, log *slog.Logger) (dynamicauth.BalancesConfig, error) {
	var c dynamicauth.BalancesConfig
	if coingeckoURL == "" {
		return c, nil
	}
	g, err := balances.NewCoinGecko(balances.CoinGeckoConfig{BaseURL: coingeckoURL, APIKey: os.Getenv("COINGECKO_API_KEY")})
	if err != nil {
		return c, fmt.Errorf("--coingecko-url: %w", err)
	}
	log.Info("balances are priced by CoinGecko", "api", coingeckoURL, "key", os.Getenv("COINGECKO_API_KEY") != "")
	c.Prices = g
	return c, nil
}
