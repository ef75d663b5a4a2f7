package dynamicauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/access/accesstest"
	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/ethereum/go-ethereum/common"
)

// GET /sdk/{env}/chains/EVM/balances reads go-ethereum's simulated backend
// through the token gates' nodes, on the environment's networks only; a
// network without a node, or one the environment does not offer, is a
// clear 422.
func TestBalancesOverHTTP(t *testing.T) {
	chain := accesstest.NewChain(t)
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Access.Nodes = map[int64]access.Node{accesstest.ChainID: chain.Client}
	})
	env := app.IDs.EnvironmentID
	putEVMNetworks(t, app, map[string]any{"networkId": accesstest.ChainID, "chainName": "Devnet", "enabled": true},
		map[string]any{"networkId": 1, "chainName": "Ethereum", "enabled": true})

	holder := common.HexToAddress("0x00000000000000000000000000000000000000b2")
	usd := chain.DeployERC20(t, 6)
	chain.Pay(t, holder, new(big.Int).Mul(big.NewInt(15), big.NewInt(1e17)))
	chain.MintERC20(t, usd, holder, 2_500_000)

	path := "/api/v0/sdk/" + env + "/chains/EVM/balances?accountAddress=" + holder.Hex()
	code, body := app.Do(t, http.MethodGet, path+"&includeNative=true&whitelistedContracts="+usd, "", nil)
	if code != http.StatusOK {
		t.Fatalf("balances: %d %s", code, body)
	}
	if !strings.Contains(string(body), `"rawBalance":1500000000000000000`) {
		t.Errorf("raw balance not written exactly: %s", body)
	}
	var list []map[string]any
	if err := json.Unmarshal(body, &list); err != nil || len(list) != 2 {
		t.Fatalf("balances = %s (%v)", body, err)
	}
	if list[0]["isNative"] != true || list[0]["balance"] != 1.5 || list[0]["symbol"] != "ETH" || list[0]["networkId"] != float64(accesstest.ChainID) {
		t.Errorf("native = %v", list[0])
	}
	if list[1]["balance"] != 2.5 || list[1]["decimals"] != float64(6) || list[1]["address"] != common.HexToAddress(usd).Hex() {
		t.Errorf("token = %v", list[1])
	}
	if _, ok := list[1]["logoURI"]; !ok {
		t.Errorf("logoURI (required) missing: %v", list[1])
	}
	// The same read from Go (Auth.Balances), exact raw amounts.
	toks, err := app.Balances().Read(t.Context(), env, balances.Request{Chain: "EVM", Account: holder.Hex(),
		Native: true, Contracts: []string{usd}})
	if err != nil || len(toks) != 2 || !toks[0].IsNative || toks[0].RawBalance != "1500000000000000000" || toks[1].RawBalance != "2500000" {
		t.Fatalf("balances from Go: %+v, %v", toks, err)
	}
	if _, err := app.Balances().Read(t.Context(), env, balances.Request{Chain: "SOL", Account: holder.Hex()}); !errors.Is(err, balances.ErrChainNotSupported) {
		t.Errorf("solana from Go: %v", err)
	}
	// networkIds (the newer clients' getTokenBalances): the same, by list.
	code, body = app.Do(t, http.MethodGet, path+fmt.Sprintf("&includeNative=true&networkIds=%d", accesstest.ChainID), "", nil)
	if code != http.StatusOK || !strings.Contains(string(body), `"rawBalance":1500000000000000000`) {
		t.Errorf("networkIds: %d %s", code, body)
	}
	// Without includeNative only the listed tokens; nothing listed: [].
	if code, body := app.Do(t, http.MethodGet, path, "", nil); code != http.StatusOK || string(body) != "[]\n" && string(body) != "[]" {
		t.Errorf("nothing asked: %d %s", code, body)
	}

	for _, c := range []struct {
		query, code string
		status      int
	}{
		{"&networkId=1&includeNative=true", "network_rpc_not_configured", 422},
		{"&networkId=5&includeNative=true", "network_not_enabled", 422},
		{"&networkId=x", "", 400},
		{"&includeNative=yes", "", 400},
		{"&whitelistedContracts=0x12", "", 400},
		{fmt.Sprintf("&networkIds=%d&networkIds=1&includeNative=true", accesstest.ChainID), "network_rpc_not_configured", 422},
		{"&networkIds=x", "", 400},
		{"&networkIds=1,2,3,4,5,6,7,8,9,10,11", "", 400},
	} {
		code, body := app.Do(t, http.MethodGet, path+c.query, "", nil)
		var e struct{ Code string }
		_ = json.Unmarshal(body, &e)
		if code != c.status || e.Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.query, code, body, c.status, c.code)
		}
	}
	if code, body := app.Do(t, http.MethodGet, "/api/v0/sdk/"+env+"/chains/SOL/balances?accountAddress="+holder.Hex(), "", nil); code != 422 || !strings.Contains(string(body), "chain_not_supported") {
		t.Errorf("solana: %d %s", code, body)
	}
	if code, _ := app.Do(t, http.MethodGet, "/api/v0/sdk/"+env+"/chains/EVM/balances?accountAddress=0x1234", "", nil); code != 400 {
		t.Errorf("bad account: %d", code)
	}
}

// pricesFunc is a Prices from a function (a fake of the paid price API).
type pricesFunc func(ctx context.Context, network int64, addrs []string) (map[string]float64, error)

func (f pricesFunc) USD(ctx context.Context, network int64, addrs []string) (map[string]float64, error) {
	return f(ctx, network, addrs)
}

// includePrices=true adds price and marketValue (balance x price) to the
// tokens the price source knows; a failing source costs the prices only.
func TestBalancePricesOverHTTP(t *testing.T) {
	chain := accesstest.NewChain(t)
	var failing atomic.Bool
	var asked atomic.Int32
	prices := pricesFunc(func(_ context.Context, network int64, addrs []string) (map[string]float64, error) {
		asked.Add(1)
		if failing.Load() {
			return nil, errors.New("price API down")
		}
		if network != accesstest.ChainID {
			t.Errorf("priced network %d", network)
		}
		return map[string]float64{balances.NativeAddress: 2000.5}, nil
	})
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Access.Nodes = map[int64]access.Node{accesstest.ChainID: chain.Client}
		c.Balances.Prices = prices
	})
	env := app.IDs.EnvironmentID
	putEVMNetworks(t, app, map[string]any{"networkId": accesstest.ChainID, "chainName": "Devnet", "enabled": true})
	holder := common.HexToAddress("0x00000000000000000000000000000000000000b3")
	usd := chain.DeployERC20(t, 6)
	chain.Pay(t, holder, new(big.Int).Mul(big.NewInt(15), big.NewInt(1e17)))
	chain.MintERC20(t, usd, holder, 2_500_000)
	path := "/api/v0/sdk/" + env + "/chains/EVM/balances?accountAddress=" + holder.Hex() + "&includeNative=true&whitelistedContracts=" + usd

	read := func(query string) []map[string]any {
		t.Helper()
		code, body := app.Do(t, http.MethodGet, path+query, "", nil)
		var list []map[string]any
		if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list) != 2 {
			t.Fatalf("balances%s: %d %s", query, code, body)
		}
		return list
	}
	list := read("&includePrices=true")
	if list[0]["price"] != 2000.5 || list[0]["marketValue"] != 3000.75 {
		t.Errorf("native priced: %v", list[0])
	}
	if _, ok := list[1]["price"]; ok {
		t.Errorf("a token the source does not know has a price: %v", list[1])
	}
	n := asked.Load()
	if list = read(""); list[0]["price"] != nil || asked.Load() != n {
		t.Errorf("prices without includePrices: %v (asked %d times)", list[0], asked.Load()-n)
	}
	failing.Store(true)
	if list = read("&includePrices=true"); list[0]["price"] != nil || list[0]["balance"] != 1.5 {
		t.Errorf("a failing price source: %v", list[0])
	}
}
