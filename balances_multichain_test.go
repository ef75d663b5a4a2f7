package dynamicauth_test

import (
	"context"
	"encoding/json"
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
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// countingNode counts the calls a node gets.
type countingNode struct {
	access.Node
	calls *atomic.Int64
}

func (n countingNode) CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error) {
	n.calls.Add(1)
	return n.Node.CallContract(ctx, msg, block)
}

func (n countingNode) BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error) {
	n.calls.Add(1)
	return n.Node.BalanceAt(ctx, account, block)
}

// POST /sdk/{env}/balances (the JS SDK's getMultichainTokenBalances) reads
// each address's native coin and listed tokens on each network it names,
// from go-ethereum's simulated backend, answered in the order asked;
// every request is checked before a node is asked, and one network
// without a node fails the call clearly.
func TestMultichainBalancesOverHTTP(t *testing.T) {
	chain := accesstest.NewChain(t)
	var calls atomic.Int64
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Access.Nodes = map[int64]access.Node{accesstest.ChainID: countingNode{Node: chain.Client, calls: &calls}}
	})
	env := app.IDs.EnvironmentID
	putEVMNetworks(t, app, map[string]any{"networkId": accesstest.ChainID, "chainName": "Devnet", "enabled": true},
		map[string]any{"networkId": 1, "chainName": "Ethereum", "enabled": true})
	a := common.HexToAddress("0x00000000000000000000000000000000000000c1")
	b := common.HexToAddress("0x00000000000000000000000000000000000000c2")
	usd := chain.DeployERC20(t, 6)
	chain.Pay(t, a, new(big.Int).Mul(big.NewInt(15), big.NewInt(1e17)))
	chain.Pay(t, b, big.NewInt(1e18))
	chain.MintERC20(t, usd, a, 2_500_000)

	path := "/api/v0/sdk/" + env + "/balances"
	account := func(addr string, networks []any, contracts ...string) map[string]any {
		m := map[string]any{"address": addr, "chain": "EVM", "networkIds": networks}
		if contracts != nil {
			m["whitelistedContracts"] = contracts
		}
		return m
	}
	code, body := app.Do(t, http.MethodPost, path, "", map[string]any{"filterSpamTokens": true, "balanceRequests": []any{
		account(a.Hex(), []any{accesstest.ChainID}, usd), account(strings.ToLower(b.Hex()), []any{accesstest.ChainID}),
	}})
	if code != http.StatusOK {
		t.Fatalf("multichain balances: %d %s", code, body)
	}
	if !strings.Contains(string(body), `"rawBalance":1500000000000000000`) {
		t.Errorf("raw balance not written exactly: %s", body)
	}
	var got struct {
		ChainBalances []struct {
			WalletAddress, Chain string
			Networks             []struct {
				NetworkID float64
				Balances  []map[string]any
			}
		}
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got.ChainBalances) != 2 {
		t.Fatalf("answer %s (%v)", body, err)
	}
	first, second := got.ChainBalances[0], got.ChainBalances[1]
	if first.WalletAddress != a.Hex() || first.Chain != "EVM" || len(first.Networks) != 1 || first.Networks[0].NetworkID != accesstest.ChainID {
		t.Fatalf("first account: %+v", first)
	}
	if toks := first.Networks[0].Balances; len(toks) != 2 || toks[0]["isNative"] != true || toks[0]["balance"] != 1.5 ||
		toks[1]["balance"] != 2.5 || toks[1]["address"] != common.HexToAddress(usd).Hex() {
		t.Errorf("first account's balances: %v", toks)
	}
	if second.WalletAddress != strings.ToLower(b.Hex()) || len(second.Networks) != 1 || len(second.Networks[0].Balances) != 1 ||
		second.Networks[0].Balances[0]["balance"] != 1.0 {
		t.Errorf("second account: %+v", second)
	}

	// The same from Go (Auth.Balances), exact raw amounts.
	lists, err := app.Balances().ReadMany(t.Context(), env, []balances.Request{
		{Chain: "EVM", Account: a.Hex(), Network: accesstest.ChainID, Native: true, Contracts: []string{usd}},
		{Chain: "EVM", Account: b.Hex(), Network: accesstest.ChainID, Native: true},
	})
	if err != nil || len(lists) != 2 || lists[0][1].RawBalance != "2500000" || lists[1][0].RawBalance != "1000000000000000000" {
		t.Fatalf("ReadMany: %+v, %v", lists, err)
	}

	// A bad entry anywhere refuses the whole call before any node is asked.
	fresh := common.HexToAddress("0x00000000000000000000000000000000000000c3").Hex()
	tooMany := make([]any, balances.MaxReads+1)
	for i := range tooMany {
		tooMany[i] = accesstest.ChainID
	}
	manyContracts := make([]string, balances.MaxContracts)
	for i := range manyContracts {
		manyContracts[i] = common.BigToAddress(big.NewInt(int64(0xd000 + i))).Hex()
	}
	manyNetworks := make([]any, balances.MaxTokens/(balances.MaxContracts+1)+1)
	for i := range manyNetworks {
		manyNetworks[i] = accesstest.ChainID
	}
	for _, c := range []struct {
		name     string
		requests []any
		status   int
		code     string
	}{
		{"bad address", []any{account(fresh, []any{accesstest.ChainID}), account("0x12", []any{accesstest.ChainID})}, 400, ""},
		{"bad contract", []any{account(fresh, []any{accesstest.ChainID}, "0x34")}, 400, ""},
		{"no network", []any{account(fresh, []any{})}, 400, ""},
		{"fractional network", []any{account(fresh, []any{1.5})}, 400, ""},
		{"negative network", []any{account(fresh, []any{-1})}, 400, ""},
		{"too many reads", []any{account(fresh, tooMany)}, 400, ""},
		{"too many balances", []any{account(fresh, manyNetworks, manyContracts...)}, 400, ""},
		{"unknown chain", []any{map[string]any{"address": fresh, "chain": "DOGE", "networkIds": []any{1}}}, 400, ""},
		{"solana", []any{account(fresh, []any{accesstest.ChainID}), map[string]any{"address": "11111111111111111111111111111111", "chain": "SOL", "networkIds": []any{101}}}, 422, "chain_not_supported"},
		{"network not offered", []any{account(fresh, []any{5})}, 422, "network_not_enabled"},
	} {
		before := calls.Load()
		code, body := app.Do(t, http.MethodPost, path, "", map[string]any{"balanceRequests": c.requests})
		if code != c.status || errorCode(body) != c.code {
			t.Errorf("%s: %d %s, want %d %q", c.name, code, body, c.status, c.code)
		}
		if n := calls.Load() - before; n != 0 {
			t.Errorf("%s: the node was asked %d times", c.name, n)
		}
	}
	if code, body := app.Do(t, http.MethodPost, path, "", map[string]any{}); code != 400 {
		t.Errorf("no balanceRequests: %d %s", code, body)
	}
	if code, body := app.Do(t, http.MethodPost, path, "", map[string]any{"balanceRequests": []any{}}); code != 400 {
		t.Errorf("empty balanceRequests: %d %s", code, body)
	}
	// One network without a node fails the call, with the network named.
	code, body = app.Do(t, http.MethodPost, path, "", map[string]any{"balanceRequests": []any{account(a.Hex(), []any{accesstest.ChainID, 1})}})
	if code != 422 || errorCode(body) != "network_rpc_not_configured" || !strings.Contains(string(body), "--evm-rpc 1=") {
		t.Errorf("a network without a node: %d %s", code, body)
	}
	if _, err := app.Balances().ReadMany(t.Context(), env, nil); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("ReadMany of nothing: %v", err)
	}
	// Another environment's networks are not this one's.
	other := fmt.Sprintf("/api/v0/sdk/%s/balances", app.IDs.LiveEnvironmentID)
	if code, body := app.Do(t, http.MethodPost, other, "", map[string]any{"balanceRequests": []any{account(a.Hex(), []any{accesstest.ChainID})}}); code != 422 || errorCode(body) != "network_not_enabled" {
		t.Errorf("the live environment: %d %s", code, body)
	}
}
