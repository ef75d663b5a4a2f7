package httpapi_test

import (
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/access/accesstest"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
)

// TestAccessDecidedAtPasskeySignIn: a passkey sign-in is decided on its
// user (here, by the wallet the user signed up with), on both backends:
// a members-only list without the wallet refuses it, a block list naming
// the wallet refuses it, and neither creates a session; listed, the user
// signs in with the list in the JWT, and a scope gate on an NFT the
// wallet holds (a contract deployed on the simulated chain) adds its
// scope.
func TestAccessDecidedAtPasskeySignIn(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testAccessDecidedAtPasskeySignIn(t, backend) })
	}
}

func testAccessDecidedAtPasskeySignIn(t *testing.T, backend string) {
	chain := accesstest.NewChain(t)
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Access = dynamicauth.AccessConfig{Nodes: map[int64]access.Node{accesstest.ChainID: chain.Client}, BalanceTTL: -1}
	})
	env := h.ids.EnvironmentID
	origin := map[string]string{"Origin": "http://localhost:3000"}
	key, _ := crypto.GenerateKey()
	wallet := crypto.PubkeyToAddress(key.PublicKey)
	me := h.mfSignIn(t, key) // before any list: the user and their wallet exist
	a, err := passkeytest.New("localhost", "http://localhost:3000")
	if err != nil {
		t.Fatal(err)
	}
	a.UserHandle = []byte(str(t, me, "user.id"))
	r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: str(t, me, "minifiedJwt"), header: origin})
	wantStatus(t, "registration options", r.status, 200, r.json)
	body, err := a.Create(str(t, r.json, "challenge"), "clientDataJson")
	if err != nil {
		t.Fatal(err)
	}
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: str(t, me, "minifiedJwt"), body: body, header: origin})
	wantStatus(t, "register a passkey", r.status, 200, r.json)

	signIn := func() *response {
		t.Helper()
		r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/signin", header: origin})
		wantStatus(t, "signin options", r.status, 200, r.json)
		body, err := a.Get(str(t, r.json, "challenge"))
		if err != nil {
			t.Fatal(err)
		}
		return h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: body, header: origin})
	}
	sessions := func() int {
		t.Helper()
		st, res := h.do(t, "GET", "/environments/"+env+"/events?resourceType=user", h.token, nil)
		wantStatus(t, "events", st, 200, res)
		n := 0
		for _, e := range list(t, res, "data") {
			if e.(map[string]any)["eventName"] == "user.session.created" {
				n++
			}
		}
		return n
	}
	refused := func(what string) {
		t.Helper()
		before := sessions()
		r := signIn()
		wantError(t, what, r.status, r.json, 403)
		if after := sessions(); after != before {
			t.Fatalf("%s created a session (%d session.created events, were %d)", what, after, before)
		}
	}

	members := h.newAllowlist(t, env, map[string]any{"name": "members", "outcome": "siteAccess"}, map[string]any{"email": "someone@example.com"})
	refused("a passkey of a non-member")

	st, res := h.do(t, "POST", "/allowlists/"+members+"/entries", h.token, map[string]any{"walletPublicKey": wallet.Hex()})
	wantStatus(t, "list the wallet", st, 200, res)
	apes := chain.DeployERC721(t)
	chain.MintERC721(t, apes, wallet, 3)
	st, res = h.do(t, "POST", "/environments/"+env+"/gates", h.token, map[string]any{"name": "apes", "outcome": "scope", "scope": "ape",
		"rules": []any{map[string]any{"type": "nft", "address": map[string]any{"networkId": accesstest.ChainID, "contractAddress": apes}}}})
	wantStatus(t, "create gate", st, 200, res)
	st, res = h.do(t, "PUT", "/environments/"+env+"/gates/"+str(t, res, "id")+"/enable", h.token, nil)
	wantStatus(t, "enable gate", st, 200, res)
	r = signIn()
	wantStatus(t, "a member's passkey", r.status, 200, r.json)
	c := claimsOf(t, str(t, r.json, "jwt"))
	if !slices.Equal(listsOf(c), []string{"members"}) || !slices.Contains(scopesOf(c), "ape") {
		t.Fatalf("a member holding the NFT: lists %v scope %v", c["lists"], c["scope"])
	}

	h.newAllowlist(t, env, map[string]any{"name": "banned", "outcome": "block"}, map[string]any{"walletPublicKey": wallet.Hex()})
	refused("a passkey of a blocked wallet's user")
}
