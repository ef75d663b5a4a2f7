package httpapi_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/access/accesstest"
)

// walletsOf lists the wallet addresses (lower case) the admin API shows
// for a user.
func (h *harness) walletsOf(t *testing.T, envID, userID string) []string {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+envID+"/users/"+userID, h.token, nil)
	wantStatus(t, "admin user", st, 200, res)
	var out []string
	for _, c := range list(t, res, "user.verifiedCredentials") {
		if a, ok := c.(map[string]any)["address"].(string); ok {
			out = append(out, strings.ToLower(a))
		}
	}
	slices.Sort(out)
	return out
}

// TestAccessDecidedAtLinkAndTransfer: linking a wallet (POST /verify/link)
// and taking one over from another user (POST /verify/transfer) go
// through the same decision as a sign-in, before anything is written: a
// sanctioned wallet and a wallet on a block list are refused at both and
// stay where they were; a wallet holding the gate's NFT, real on the
// simulated chain, adds the gate's scope to the linking user's JWT (every
// wallet of a user counts).
func TestAccessDecidedAtLinkAndTransfer(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testAccessDecidedAtLinkAndTransfer(t, backend) })
	}
}

func testAccessDecidedAtLinkAndTransfer(t *testing.T, backend string) {
	chain := accesstest.NewChain(t)
	listed, listedOwned := newEVMWallet(t), newEVMWallet(t)
	file := filepath.Join(t.TempDir(), "sdn.txt")
	if err := os.WriteFile(file, []byte(listed.address+"\n"+listedOwned.address+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	screener, err := access.NewListScreener(file)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Access = dynamicauth.AccessConfig{Nodes: map[int64]access.Node{accesstest.ChainID: chain.Client}, BalanceTTL: -1,
			Screener: screener}
	})
	env := h.ids.EnvironmentID
	apes := chain.DeployERC721(t)

	// Wallets other users hold, signed in before any rule is on.
	banned, bannedOwned, holder, heldElsewhere := newEVMWallet(t), newEVMWallet(t), newEVMWallet(t), newEVMWallet(t)
	chain.MintERC721(t, apes, common.HexToAddress(holder.address), 1)
	chain.MintERC721(t, apes, common.HexToAddress(heldElsewhere.address), 2)
	listedOwner, _, _ := h.signIn(t, env, listedOwned)
	bannedOwner, _, _ := h.signIn(t, env, bannedOwned)
	apeOwner, _, _ := h.signIn(t, env, heldElsewhere)

	st, res := h.do(t, "PUT", "/environments/"+env+"/integrations/chainalysis/sanctions/enable", h.token, nil)
	wantStatus(t, "screening on", st, 200, res)
	h.newAllowlist(t, env, map[string]any{"name": "banned", "outcome": "block"},
		map[string]any{"walletPublicKey": banned.address}, map[string]any{"walletPublicKey": bannedOwned.address})
	rule := map[string]any{"type": "nft", "address": map[string]any{"networkId": accesstest.ChainID, "contractAddress": apes}}
	st, res = h.do(t, "POST", "/environments/"+env+"/gates", h.token, map[string]any{"name": "apes", "outcome": "scope",
		"scope": "ape", "rules": []any{rule}})
	wantStatus(t, "create gate", st, 200, res)
	st, res = h.do(t, "PUT", "/environments/"+env+"/gates/"+str(t, res, "id")+"/enable", h.token, nil)
	wantStatus(t, "enable gate", st, 200, res)

	me := newEVMWallet(t)
	myID, _, session := h.signIn(t, env, me)
	mine := []string{strings.ToLower(me.address)}
	refused := func(what string, w evmWallet, path, code string) {
		t.Helper()
		st, res := h.walletCall(t, env, w, path, session, "")
		wantError(t, what, st, res, 403)
		if code != "" {
			wantEq(t, res, "code", code)
		}
		wantEq(t, res, "payload.walletPublicKey", strings.ToLower(w.address))
		if got := h.walletsOf(t, env, myID); !slices.Equal(got, mine) {
			t.Fatalf("%s: a refused call changed the user's wallets: %v", what, got)
		}
	}
	refused("link a sanctioned wallet", listed, "/verify/link", access.CodeSanctioned)
	refused("transfer a sanctioned wallet", listedOwned, "/verify/transfer", access.CodeSanctioned)
	refused("link a blocked wallet", banned, "/verify/link", "")
	refused("transfer a blocked wallet", bannedOwned, "/verify/transfer", "")
	for owner, w := range map[string]evmWallet{listedOwner: listedOwned, bannedOwner: bannedOwned} {
		if got := h.walletsOf(t, env, owner); !slices.Equal(got, []string{strings.ToLower(w.address)}) {
			t.Fatalf("a refused transfer moved %s: its owner has %v", w.address, got)
		}
	}

	st, res = h.walletCall(t, env, holder, "/verify/link", session, "")
	wantStatus(t, "link an ape holder", st, 200, res)
	if c := claimsOf(t, str(t, res, "jwt")); !slices.Contains(scopesOf(c), "ape") {
		t.Fatalf("the linked holder's NFT did not grant the scope: %v", c["scope"])
	}

	other := newEVMWallet(t)
	_, _, otherSession := h.signIn(t, env, other)
	st, res = h.walletCall(t, env, heldElsewhere, "/verify/transfer", otherSession, "")
	wantStatus(t, "transfer an ape holder", st, 200, res)
	if c := claimsOf(t, str(t, res, "jwt")); !slices.Contains(scopesOf(c), "ape") {
		t.Fatalf("the transferred holder's NFT did not grant the scope: %v", c["scope"])
	}
	if got := h.walletsOf(t, env, apeOwner); len(got) != 0 {
		t.Fatalf("the transferred wallet stayed with its owner: %v", got)
	}
}
