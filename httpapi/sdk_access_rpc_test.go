package httpapi_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access/accesstest"
)

// TestGatesReadTheEnvironmentsRPC: a gate on a network the server has no
// node of its own for (no --evm-rpc) reads its balances from the rpcUrl
// the environment's chain settings name, here a simulated chain served
// over HTTP: before the settings name one the sign-in is refused for want
// of balances (never admitted); once they do, the NFT's holder is
// admitted and a non-holder refused. A server that keeps settings' RPCs
// to public addresses refuses that loopback URL, and the sign-in with it.
func TestGatesReadTheEnvironmentsRPC(t *testing.T) {
	chain, url := accesstest.NewHTTPChain(t)
	apes := chain.DeployERC721(t)
	holder, other := newEVMWallet(t), newEVMWallet(t)
	chain.MintERC721(t, apes, common.HexToAddress(holder.address), 7)
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
				c.Access = dynamicauth.AccessConfig{BalanceTTL: -1, SettingsRPCAllowPrivate: true}
			})
			gateOnLocalChain(t, h, apes)
			st, res := h.signInAttempt(t, h.ids.EnvironmentID, holder, "")
			wantError(t, "no RPC in the settings yet", st, res, 422)
			wantEq(t, res, "code", "unable_to_fetch_balances")

			nameRPC(t, h, url)
			st, res = h.signInAttempt(t, h.ids.EnvironmentID, holder, "")
			wantStatus(t, "the holder, read through the settings' RPC", st, 200, res)
			st, res = h.signInAttempt(t, h.ids.EnvironmentID, other, "")
			wantError(t, "a non-holder", st, res, 403)
		})
	}
	t.Run("public addresses only", func(t *testing.T) {
		h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
			c.Access = dynamicauth.AccessConfig{BalanceTTL: -1}
		})
		gateOnLocalChain(t, h, apes)
		nameRPC(t, h, url)
		st, res := h.signInAttempt(t, h.ids.EnvironmentID, holder, "")
		wantError(t, "a loopback rpcUrl", st, res, 422)
		wantEq(t, res, "code", "unable_to_fetch_balances")
	})
}

// gateOnLocalChain enables a members-only gate on holding the contract's
// NFTs on the simulated chain.
func gateOnLocalChain(t *testing.T, h *harness, contract string) {
	t.Helper()
	env := h.ids.EnvironmentID
	rule := map[string]any{"type": "nft", "address": map[string]any{"networkId": accesstest.ChainID, "contractAddress": contract}}
	st, res := h.do(t, "POST", "/environments/"+env+"/gates", h.token, map[string]any{"name": "holders", "outcome": "siteAccess", "rules": []any{rule}})
	wantStatus(t, "create gate", st, 200, res)
	st, res = h.do(t, "PUT", "/environments/"+env+"/gates/"+str(t, res, "id")+"/enable", h.token, nil)
	wantStatus(t, "enable gate", st, 200, res)
}

// nameRPC offers the simulated chain in the environment's settings, with
// its RPC URL.
func nameRPC(t *testing.T, h *harness, url string) {
	t.Helper()
	m := validSettings(t, h)
	m["chains"] = []any{map[string]any{"name": "EVM", "enabled": true, "networks": []any{
		map[string]any{"networkId": accesstest.ChainID, "chainName": "Local", "enabled": true, "rpcUrl": url}}}}
	st, res := h.do(t, "PUT", "/environments/"+h.ids.EnvironmentID, h.token, m)
	wantStatus(t, "name the RPC in the settings", st, 200, res)
}
