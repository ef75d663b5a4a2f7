package dynamicauth_test

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access/accesstest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
)

// TestBalancesReadTheEnvironmentsRPC: GET /sdk/{env}/chains/EVM/balances
// on a network the server has no node of its own for (no --evm-rpc)
// reads the rpcUrl the environment's chain settings name, through the
// same guarded client token gates use: here go-ethereum's simulated
// chain served over HTTP. Before the settings name a URL the answer is
// network_rpc_not_configured; after, the holder's balances; a server that
// keeps settings' RPCs to public addresses refuses the loopback URL
// (balance_unavailable), and so does one with --no-settings-rpc.
func TestBalancesReadTheEnvironmentsRPC(t *testing.T) {
	chain, url := accesstest.NewHTTPChain(t)
	holder := common.HexToAddress("0x00000000000000000000000000000000000000b3")
	usd := chain.DeployERC20(t, 6)
	chain.Pay(t, holder, big.NewInt(2e18))
	chain.MintERC20(t, usd, holder, 7_250_000)

	for _, c := range []struct {
		name     string
		tune     func(*dynamicauth.Config)
		wantCode string // "" for 200
	}{
		{"private addresses allowed", func(c *dynamicauth.Config) { c.Access.SettingsRPCAllowPrivate = true }, ""},
		{"public addresses only", func(*dynamicauth.Config) {}, "balance_unavailable"},
		{"settings RPCs off", func(c *dynamicauth.Config) {
			c.Access.SettingsRPCAllowPrivate, c.Access.NoSettingsRPC = true, true
		}, "network_rpc_not_configured"},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := dynamicauthtest.New(t, c.tune)
			env := app.IDs.EnvironmentID
			path := "/api/v0/sdk/" + env + "/chains/EVM/balances?networkId=1337&includeNative=true&accountAddress=" +
				holder.Hex() + "&whitelistedContracts=" + usd
			devnet := map[string]any{"networkId": accesstest.ChainID, "chainName": "Devnet", "enabled": true}
			putEVMNetworks(t, app, devnet)
			if code, body := app.Do(t, http.MethodGet, path, "", nil); code != 422 || errorCode(body) != "network_rpc_not_configured" {
				t.Fatalf("no rpcUrl in the settings: %d %s", code, body)
			}
			devnet["rpcUrl"] = url
			putEVMNetworks(t, app, devnet)
			code, body := app.Do(t, http.MethodGet, path, "", nil)
			if c.wantCode != "" {
				if code != 422 || errorCode(body) != c.wantCode {
					t.Fatalf("%d %s, want 422 %s", code, body, c.wantCode)
				}
				return
			}
			var list []map[string]any
			if err := json.Unmarshal(body, &list); code != 200 || err != nil || len(list) != 2 {
				t.Fatalf("balances through the settings' RPC: %d %s", code, body)
			}
			if list[0]["isNative"] != true || list[0]["balance"] != 2.0 || list[1]["balance"] != 7.25 {
				t.Fatalf("balances = %s", body)
			}
		})
	}
}

// TestSettingsRPCAnswerBounded: an environment's admin names an rpcUrl
// whose node answers without end (a JSON-RPC result that never closes).
// The SDK's balances route refuses (balance_unavailable) having read a
// bounded part of it: go-ethereum's RPC client decodes whatever the body
// holds, so without a bound on the guarded client one admin's node could
// fill the server's memory with a few requests.
func TestSettingsRPCAnswerBounded(t *testing.T) {
	const streamed = 128 << 20
	var sent atomic.Int64
	done := make(chan struct{}, 1)
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat("0", 64<<10))
		if _, err := w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":"0x`)); err != nil {
			return
		}
		for sent.Load() < streamed {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer node.Close()

	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.Access.SettingsRPCAllowPrivate = true })
	holder := common.HexToAddress("0x00000000000000000000000000000000000000b3")
	putEVMNetworks(t, app, map[string]any{"networkId": accesstest.ChainID, "chainName": "Devnet", "enabled": true,
		"rpcUrl": node.URL})
	path := "/api/v0/sdk/" + app.IDs.EnvironmentID + "/chains/EVM/balances?networkId=1337&includeNative=true&accountAddress=" +
		holder.Hex()
	if code, body := app.Do(t, http.MethodGet, path, "", nil); code != 422 || errorCode(body) != "balance_unavailable" {
		t.Fatalf("balances from an endless node: %d %s, want 422 balance_unavailable", code, body)
	}
	<-done
	if n := sent.Load(); n > 32<<20 {
		t.Fatalf("the server read %d MiB of the node's answer; it must stop at a bound", n>>20)
	}
}

// putEVMNetworks replaces the EVM networks the environment's settings
// offer.
func putEVMNetworks(t *testing.T, app *dynamicauthtest.App, networks ...any) {
	t.Helper()
	env := app.IDs.EnvironmentID
	code, body := app.Do(t, http.MethodGet, "/api/v0/environments/"+env, app.OwnerToken, nil)
	if code != http.StatusOK {
		t.Fatalf("get environment: %d %s", code, body)
	}
	var got struct {
		Settings map[string]any `json:"settings"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	got.Settings["chains"] = []any{map[string]any{"name": "EVM", "enabled": true, "networks": networks}}
	if code, body := app.Do(t, http.MethodPut, "/api/v0/environments/"+env, app.OwnerToken, got.Settings); code != http.StatusOK {
		t.Fatalf("put settings: %d %s", code, body)
	}
}

func errorCode(body []byte) string {
	var e struct{ Code string }
	_ = json.Unmarshal(body, &e)
	return e.Code
}
