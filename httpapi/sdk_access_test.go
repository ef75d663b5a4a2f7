package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
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

// claimsOf decodes a JWT's payload (the signature is checked by the
// session tests and, against the JWKS, by the conformance suite).
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func scopesOf(c map[string]any) []string { s, _ := c["scope"].(string); return strings.Fields(s) }

func listsOf(c map[string]any) []string {
	var out []string
	for _, v := range c["lists"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func (h *harness) newAllowlist(t *testing.T, envID string, body map[string]any, entries ...map[string]any) string {
	t.Helper()
	st, res := h.do(t, "POST", "/environments/"+envID+"/allowlists", h.token, body)
	wantStatus(t, "create allowlist", st, 200, res)
	id := str(t, res, "id")
	for _, e := range entries {
		st, res := h.do(t, "POST", "/allowlists/"+id+"/entries", h.token, e)
		wantStatus(t, "add entry", st, 200, res)
	}
	st, res = h.do(t, "PUT", "/allowlists/"+id+"/enable", h.token, nil)
	wantStatus(t, "enable allowlist", st, 200, res)
	return id
}

func TestAllowlistsDecideSignInAndRefresh(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	member, stranger := newEVMWallet(t), newEVMWallet(t)

	st, res := h.do(t, "POST", "/environments/"+env+"/allowlists", h.token, map[string]any{"name": "x", "outcome": "everyone"})
	wantError(t, "bad outcome", st, res, 400)
	h.newAllowlist(t, env, map[string]any{"name": "members", "outcome": "siteAccess"},
		map[string]any{"walletPublicKey": strings.ToLower(member.address), "alias": "m"})
	st, res = h.do(t, "POST", "/environments/"+env+"/allowlists", h.token, map[string]any{"name": "members"})
	wantError(t, "same name", st, res, 422)
	wantEq(t, res, "code", "allowlist_already_exists")

	st, res = h.signInAttempt(t, env, stranger, "")
	wantError(t, "stranger at a members-only site", st, res, 403)
	wantEq(t, res, "payload.walletPublicKey", strings.ToLower(stranger.address))
	if _, users := h.listUsers(t, h.token, env, ""); len(users) != 0 {
		t.Fatalf("a refused sign-in wrote a user: %v", users)
	}

	st, res = h.signInAttempt(t, env, member, "")
	wantStatus(t, "member signs in", st, 200, res)
	c := claimsOf(t, str(t, res, "jwt"))
	if !slices.Equal(listsOf(c), []string{"members"}) || slices.Contains(scopesOf(c), "vip") {
		t.Fatalf("lists %v scope %v", c["lists"], c["scope"])
	}
	session := str(t, res, "minifiedJwt")

	vip := h.newAllowlist(t, env, map[string]any{"name": "vips", "outcome": "scope", "scope": "vip"},
		map[string]any{"walletPublicKey": member.address})
	st, res = h.do(t, "POST", "/sdk/"+env+"/refresh", session, nil)
	wantStatus(t, "refresh", st, 200, res)
	c = claimsOf(t, str(t, res, "jwt"))
	if !slices.Equal(listsOf(c), []string{"members", "vips"}) || !slices.Contains(scopesOf(c), "vip") || !slices.Contains(scopesOf(c), "user:basic") {
		t.Fatalf("after joining vips: lists %v scope %v", c["lists"], c["scope"])
	}

	// (a substring of the address in other case: a query under 3
	// characters matches an alias whole, sqlstore.MinSearchRunes)
	st, res = h.do(t, "GET", "/allowlists/"+vip+"/entries?query="+strings.ToUpper(member.address[2:10]), h.token, nil)
	wantStatus(t, "entries", st, 200, res)
	wantEq(t, res, "count", 1.0)
	st, res = h.do(t, "DELETE", "/allowlistEntries/"+str(t, res, "entries.0.id"), h.token, nil)
	wantStatus(t, "delete entry", st, 204, res)
	st, res = h.do(t, "POST", "/sdk/"+env+"/refresh", session, nil)
	wantStatus(t, "refresh after leaving vips", st, 200, res)
	if c = claimsOf(t, str(t, res, "jwt")); slices.Contains(scopesOf(c), "vip") {
		t.Fatalf("the scope outlived the entry: %v", c["scope"])
	}

	h.newAllowlist(t, env, map[string]any{"name": "banned", "outcome": "block"}, map[string]any{"walletPublicKey": member.address})
	st, res = h.do(t, "POST", "/sdk/"+env+"/refresh", session, nil)
	wantError(t, "refresh of a blocked user", st, res, 403)
}

// TestGateScopeAtSignInAndRefresh runs on both backends: a gate is
// stored and enabled through the admin API, and read back from the store
// at each sign-in and refresh.
func TestGateScopeAtSignInAndRefresh(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testGateScopeAtSignInAndRefresh(t, backend) })
	}
}

func testGateScopeAtSignInAndRefresh(t *testing.T, backend string) {
	chain := accesstest.NewChain(t)
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Access = dynamicauth.AccessConfig{Nodes: map[int64]access.Node{accesstest.ChainID: chain.Client}, BalanceTTL: -1}
	})
	env := h.ids.EnvironmentID
	apes := chain.DeployERC721(t)
	holder, other := newEVMWallet(t), newEVMWallet(t)
	chain.MintERC721(t, apes, common.HexToAddress(holder.address), 7)

	rule := map[string]any{"type": "nft", "address": map[string]any{"networkId": accesstest.ChainID, "contractAddress": apes},
		"filter": map[string]any{"tokenId": "7"}}
	st, res := h.do(t, "POST", "/environments/"+env+"/gates", h.token, map[string]any{"name": "apes", "outcome": "scope", "scope": "ape", "rules": []any{rule}})
	wantStatus(t, "create gate", st, 200, res)
	wantEq(t, res, "enabledAt", nil)
	gate := str(t, res, "id")
	st, res = h.do(t, "POST", "/environments/"+env+"/gates", h.token, map[string]any{"name": "bad", "outcome": "scope",
		"rules": []any{map[string]any{"type": "nft", "address": map[string]any{"networkId": 1, "contractAddress": "0x12"}}}})
	wantError(t, "bad contract address", st, res, 422)
	wantEq(t, res, "code", "invalid_gate")
	st, res = h.do(t, "PUT", "/environments/"+env+"/gates/"+gate+"/enable", h.token, nil)
	wantStatus(t, "enable gate", st, 200, res)

	st, res = h.signInAttempt(t, env, holder, "")
	wantStatus(t, "holder signs in", st, 200, res)
	if c := claimsOf(t, str(t, res, "jwt")); !slices.Contains(scopesOf(c), "ape") {
		t.Fatalf("holder's scope %v lacks the gate's", c["scope"])
	}
	session := str(t, res, "minifiedJwt")
	st, res = h.signInAttempt(t, env, other, "")
	wantStatus(t, "a scope gate does not block", st, 200, res)
	if c := claimsOf(t, str(t, res, "jwt")); slices.Contains(scopesOf(c), "ape") {
		t.Fatalf("non-holder got the scope: %v", c["scope"])
	}

	chain.BurnERC721(t, apes, 7) // sold
	st, res = h.do(t, "POST", "/sdk/"+env+"/refresh", session, nil)
	wantStatus(t, "refresh", st, 200, res)
	if c := claimsOf(t, str(t, res, "jwt")); slices.Contains(scopesOf(c), "ape") {
		t.Fatalf("the scope outlived the NFT: %v", c["scope"])
	}

	// a members-only gate whose node is down turns sign-ins away
	st, res = h.do(t, "POST", "/environments/"+env+"/gates", h.token, map[string]any{"name": "offchain", "outcome": "siteAccess",
		"rules": []any{map[string]any{"type": "token", "address": map[string]any{"networkId": 99999, "contractAddress": apes}}}})
	wantStatus(t, "gate on a network without a node", st, 200, res)
	st, res = h.do(t, "PUT", "/environments/"+env+"/gates/"+str(t, res, "id")+"/enable", h.token, nil)
	wantStatus(t, "enable", st, 200, res)
	st, res = h.signInAttempt(t, env, holder, "")
	wantError(t, "no node, no access", st, res, 422)
	wantEq(t, res, "code", "unable_to_fetch_balances")
}

func TestChainalysisToggleScreensSignIns(t *testing.T) {
	listed := newEVMWallet(t)
	file := filepath.Join(t.TempDir(), "sdn.txt")
	if err := os.WriteFile(file, []byte("# OFAC SDN\n"+strings.ToLower(listed.address)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	screener, err := access.NewListScreener(file)
	if err != nil {
		t.Fatal(err)
	}
	screener.SetCheckEvery(0)
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) { c.Access.Screener = screener })
	env := h.ids.EnvironmentID
	path := "/environments/" + env + "/integrations/chainalysis"

	st, res := h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "get", st, 200, res)
	wantEq(t, res, "sanctionsApiEnabled", false)
	st, res = h.signInAttempt(t, env, listed, "")
	wantStatus(t, "screening off", st, 200, res)
	listedUser := str(t, res, "user.id")

	st, res = h.do(t, "PUT", path+"/sanctions/enable", h.token, nil)
	wantStatus(t, "enable", st, 200, res)
	wantEq(t, res, "sanctionsApiEnabled", true)
	wantEq(t, res, "projectEnvironmentId", env)
	st, res = h.signInAttempt(t, env, listed, "")
	wantError(t, "a listed wallet", st, res, 403)
	wantEq(t, res, "code", "chainalysis_blocked_wallet")
	clean := newEVMWallet(t)
	st, res = h.signInAttempt(t, env, clean, "")
	wantStatus(t, "an unlisted wallet", st, 200, res)
	cleanUser := str(t, res, "user.id")

	// Each check is recorded and shown on the admin user: the clean
	// wallet's OK; the listed wallet's BLOCKED (its user signed in while
	// screening was off, and was refused since).
	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+cleanUser, h.token, nil)
	wantStatus(t, "admin user", st, 200, res)
	checks := list(t, res, "user.chainalysisChecks")
	if len(checks) != 1 {
		t.Fatalf("checks of the clean user: %s", dump(checks))
	}
	wantEq(t, checks[0], "result", "OK")
	if got := str(t, checks[0], "walletPublicKey"); !strings.EqualFold(got, clean.address) {
		t.Errorf("checked wallet %s, want %s", got, clean.address)
	}
	wantTime(t, checks[0], "createdAt")
	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+listedUser, h.token, nil)
	wantStatus(t, "admin user", st, 200, res)
	wantEq(t, res, "user.chainalysisChecks.0.result", "BLOCKED")
	wantEq(t, res, "user.chainalysisChecks.0.response", "listed on the sanctions list")
	if n := len(list(t, res, "user.chainalysisChecks")); n != 1 {
		t.Fatalf("the listed wallet's checks: %s", dump(res))
	}

	// The users list shows each user's checks too (read for the page at
	// once); a user never screened has none.
	st, res = h.do(t, "POST", "/environments/"+env+"/users", h.token, map[string]any{"email": "never@example.com"})
	wantStatus(t, "create a user", st, 200, res)
	neverID := str(t, res, "user.id")
	st, res = h.do(t, "GET", "/environments/"+env+"/users?limit=10", h.token, nil)
	wantStatus(t, "users list", st, 200, res)
	results := map[string][]string{}
	for _, u := range list(t, res, "users") {
		um := u.(map[string]any)
		cs, ok := um["chainalysisChecks"].([]any)
		if !ok {
			t.Fatalf("a listed user without chainalysisChecks: %s", dump(um))
		}
		for _, c := range cs {
			results[um["id"].(string)] = append(results[um["id"].(string)], c.(map[string]any)["result"].(string))
		}
	}
	if got := results[cleanUser]; !slices.Equal(got, []string{"OK"}) {
		t.Errorf("the clean user's listed checks: %v", got)
	}
	if got := results[listedUser]; !slices.Equal(got, []string{"BLOCKED"}) {
		t.Errorf("the listed user's listed checks: %v", got)
	}
	if got := results[neverID]; len(got) != 0 {
		t.Errorf("an unscreened user's listed checks: %v", got)
	}

	// The refusal is an event an operator's webhook hears.
	st, res = h.do(t, "GET", "/environments/"+env+"/events?resourceType=wallet", h.token, nil)
	wantStatus(t, "events", st, 200, res)
	var names []string
	for _, e := range list(t, res, "data") {
		names = append(names, e.(map[string]any)["eventName"].(string))
	}
	if !slices.Contains(names, "wallet.sanctions.blocked") {
		t.Fatalf("no wallet.sanctions.blocked event: %v", names)
	}

	// The list file gone: a wallet that cannot be screened is refused
	// (never let through), its FAILED check shown on the admin user.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	st, res = h.signInAttempt(t, env, clean, "")
	wantError(t, "a wallet that cannot be screened", st, res, 403)
	wantEq(t, res, "code", "sanctions_screening_failed")
	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+cleanUser, h.token, nil)
	wantStatus(t, "admin user", st, 200, res)
	wantEq(t, res, "user.chainalysisChecks.0.result", "FAILED")

	st, res = h.do(t, "PUT", path+"/sanctions/disable", h.token, nil)
	wantStatus(t, "disable", st, 200, res)
	wantEq(t, res, "sanctionsApiEnabled", false)
	st, res = h.signInAttempt(t, env, clean, "")
	wantStatus(t, "screening off: the list is not read", st, 200, res)
}

// TestAllowlistsIgnoreUnverifiedProfileContacts: where the environment
// does not sign in by email or SMS, a profile update stores the email and
// phone number as typed, unverified. Access rules must not read them: a
// user who signed in with a wallet would otherwise type an allowlisted
// address (eve@corp.example, a listed number) into their profile and have
// the list's scope in their next tokens, or pass a members-only list.
func TestAllowlistsIgnoreUnverifiedProfileContacts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		entry map[string]any
		field map[string]any
	}{
		{"email", map[string]any{"email": "boss@corp.example"}, map[string]any{"email": "boss@corp.example"}},
		{"email domain", map[string]any{"emailDomain": "corp.example"}, map[string]any{"email": "eve@corp.example"}},
		{"phone number", map[string]any{"phoneNumber": "+14155550100"}, map[string]any{"phoneNumber": "+14155550100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			env := h.ids.EnvironmentID
			h.newAllowlist(t, env, map[string]any{"name": "staff", "outcome": "scope", "scope": "admin"}, tc.entry)
			_, _, session := h.signIn(t, env, newEVMWallet(t))

			st, res := h.do(t, "PUT", "/sdk/"+env+"/users", session, tc.field)
			wantStatus(t, "profile update", st, 200, res)
			wantEq(t, res, "nextView", "done") // stored as typed: nothing verified it
			if c := claimsOf(t, str(t, res, "jwt")); slices.Contains(scopesOf(c), "admin") || slices.Contains(listsOf(c), "staff") {
				t.Fatalf("an unverified profile value matched the allowlist: lists %v scope %v", c["lists"], c["scope"])
			}
			st, res = h.do(t, "POST", "/sdk/"+env+"/refresh", session, nil)
			wantStatus(t, "refresh", st, 200, res)
			if c := claimsOf(t, str(t, res, "jwt")); slices.Contains(scopesOf(c), "admin") || slices.Contains(listsOf(c), "staff") {
				t.Fatalf("an unverified profile value matched the allowlist at refresh: lists %v scope %v", c["lists"], c["scope"])
			}
		})
	}
}
