package httpapi_test

// The harness's helpers for end users: wallets that sign in, users made
// and listed through the admin API, and the assertions on them.

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/mr-tron/base58"
)

// adminNum reads a JSON number.
func adminNum(t *testing.T, v any, path string) float64 {
	t.Helper()
	x, ok := at(v, path)
	if !ok {
		t.Fatalf("no %q in %s", path, dump(v))
	}
	f, ok := x.(float64)
	if !ok {
		t.Fatalf("%q is %T (%v), want number", path, x, x)
	}
	return f
}

// evmWallet is a key that signs in through the SDK.
type evmWallet struct {
	key     *ecdsa.PrivateKey
	address string // EIP-55
}

func newEVMWallet(t *testing.T) evmWallet {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return evmWallet{key: k, address: crypto.PubkeyToAddress(k.PublicKey).Hex()}
}

func newSolanaAddress(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return base58.Encode(pub)
}

// signIn signs the wallet in through POST /sdk/{env}/verify and returns
// the user id, the session id and the session token.
func (h *harness) signIn(t *testing.T, envID string, w evmWallet) (userID, sessionID, jwt string) {
	t.Helper()
	return h.signInHost(t, envID, w, "")
}

// signInHost is signIn with the request's Host header set to host.
func (h *harness) signInHost(t *testing.T, envID string, w evmWallet, host string) (userID, sessionID, jwt string) {
	t.Helper()
	st, res := h.signInAttempt(t, envID, w, host)
	wantStatus(t, "wallet sign-in", st, 200, res)
	return str(t, res, "user.id"), str(t, res, "user.sessionId"), str(t, res, "minifiedJwt")
}

// signInAttempt posts a signed sign-in message (with the Host header set
// to host, if any) and returns the answer.
func (h *harness) signInAttempt(t *testing.T, envID string, w evmWallet, host string) (int, any) {
	t.Helper()
	return h.walletCall(t, envID, w, "/verify", "", host)
}

// walletCall sends a fresh signed SIWE message of w to the SDK route path
// ("/verify", "/verify/link", "/verify/transfer"), with bearer if set.
func (h *harness) walletCall(t *testing.T, envID string, w evmWallet, path, bearer, host string) (int, any) {
	t.Helper()
	body := h.walletBody(t, envID, w)
	if path == "/verify/transfer" {
		body["skipEmptyAccountCheck"] = true
	}
	r := h.send(t, request{method: "POST", path: v0 + "/sdk/" + envID + path, token: bearer, host: host, body: body})
	return r.status, r.json
}

// walletBody is a sign-in request of w: a fresh nonce in a signed SIWE
// message.
func (h *harness) walletBody(t *testing.T, envID string, w evmWallet) map[string]any {
	t.Helper()
	st, res := h.do(t, "GET", "/sdk/"+envID+"/nonce", "", nil)
	wantStatus(t, "nonce", st, 200, res)
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\n"+
		"Welcome to Test. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		w.address, str(t, res, "nonce"), time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), envID)
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), w.key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return map[string]any{"signedMessage": fmt.Sprintf("0x%x", sig), "messageToSign": msg, "publicWalletAddress": w.address,
		"chain": "EVM", "walletName": "metamask", "walletProvider": "browserExtension", "network": "1"}
}

// sdkUserStatus is the status of GET /sdk/{env}/users with a session token.
func (h *harness) sdkUserStatus(t *testing.T, envID, jwt string) int {
	t.Helper()
	st, _ := h.do(t, "GET", "/sdk/"+envID+"/users", jwt, nil)
	return st
}

// createUser creates a user through the admin API and returns it.
func (h *harness) createUser(t *testing.T, envID string, body map[string]any) map[string]any {
	t.Helper()
	st, res := h.do(t, "POST", "/environments/"+envID+"/users", h.token, body)
	wantStatus(t, "create user", st, 200, res)
	return obj(t, res, "user")
}

// listUsers lists with a raw query string and returns the count and ids.
func (h *harness) listUsers(t *testing.T, token, envID, query string) (int, []string) {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+envID+"/users?"+query, token, nil)
	wantStatus(t, "list users ?"+query, st, 200, res)
	var ids []string
	for _, u := range list(t, res, "users") {
		ids = append(ids, str(t, u, "id"))
	}
	return int(adminNum(t, res, "count")), ids
}

// filter renders filter[...] parameters the way the official client
// does: brackets percent-encoded.
func filter(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape("filter["+kv[i]+"]")+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func wantIDs(t *testing.T, h *harness, what, query string, want ...string) {
	t.Helper()
	count, ids := h.listUsers(t, h.token, h.ids.EnvironmentID, query)
	if count != len(want) || !sameSet(ids, want) {
		t.Errorf("%s (?%s): got count %d ids %v, want %v", what, query, count, ids, want)
	}
}

func wantCode(t *testing.T, what string, st int, res any, status int, code string) {
	t.Helper()
	wantError(t, what, st, res, status)
	if got, _ := at(res, "code"); got != code {
		t.Errorf("%s: code %v, want %q: %s", what, got, code, dump(res))
	}
}

// fixtureUsers are made by the admin API and by a real sign-in.
type fixtureUsers struct {
	alice, bob, carol, dave string
	aliceWallet, carolSol   string
	daveWallet              evmWallet
	daveSession, daveJWT    string
}

func makeFixtureUsers(t *testing.T, h *harness) fixtureUsers {
	t.Helper()
	env := h.ids.EnvironmentID
	var f fixtureUsers
	f.aliceWallet = newEVMWallet(t).address
	alice := h.createUser(t, env, map[string]any{
		"email": "Alice@Example.com", "emailVerifiedAt": "2025-01-02T03:04:05.000Z", "alias": "ally", "firstName": "Alice",
		"lastName": "Liddell", "metadata": map[string]any{"plan": "gold"},
		"wallets": []any{map[string]any{"publicWalletAddress": strings.ToLower(f.aliceWallet), "chain": "EVM",
			"walletName": "metamask", "walletProvider": "browserExtension"}}})
	f.alice = str(t, alice, "id")
	f.bob = str(t, h.createUser(t, env, map[string]any{"email": "bob@example.org", "username": "bobby",
		"phoneNumber": "+15550100", "jobTitle": "Engineer", "lastName": "Builder"}), "id")
	f.carolSol = newSolanaAddress(t)
	f.carol = str(t, h.createUser(t, env, map[string]any{"firstName": "Carol", "wallets": []any{map[string]any{
		"publicWalletAddress": f.carolSol, "chain": "SOL", "walletName": "phantom", "walletProvider": "browserExtension"}}}), "id")
	f.daveWallet = newEVMWallet(t)
	time.Sleep(2 * time.Millisecond) // dave is the newest user
	f.dave, f.daveSession, f.daveJWT = h.signIn(t, env, f.daveWallet)
	return f
}
