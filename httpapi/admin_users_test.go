package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/mr-tron/base58"
)

// ---- helpers ----

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

// ---- success paths, with every admin user route covered ----

// refusingRoutes answer an error here by design (no embedded wallets; no
// social account in this fixture: TestOAuthAccessToken reads one).
var refusingRoutes = []string{"/environments/{environmentId}/embeddedWalletVersions",
	"/environments/{environmentId}/embeddedWallets", "/environments/{environmentId}/embeddedWallets/farcaster",
	"/environments/{environmentId}/wallets/recover", "/oauthAccounts/{oauthAccountId}/accessToken"}

func TestAdminUserRoutes(t *testing.T) {
	covered := map[string]bool{}
	group := func(name string, f func(t *testing.T, h *harness)) {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			defer func() {
				h.mu.Lock()
				for k := range h.covered {
					covered[k] = true
				}
				h.mu.Unlock()
			}()
			f(t, h)
		})
	}
	group("create and get", testCreateAndGetUser)
	group("list filters", testListFilters)
	group("list order and paging", testListOrderAndPaging)
	group("update", testUpdateUser)
	group("bulk", testBulkCreate)
	group("wallets", testWallets)
	group("sessions", testSessions)
	group("delete", testDeleteUser)
	group("visitors", testVisitors)
	group("refusing routes", testRefusingRoutes)

	t.Run("every route covered", func(t *testing.T) {
		src := routeSection(t, "// Users, Wallets, Sessions and Visits.", "// Custom fields")
		re := regexp.MustCompile(`HandleFunc\("([A-Z]+) "\+v0\+"([^"]+)"`)
		routes := re.FindAllStringSubmatch(string(src), -1)
		if len(routes) < 25 {
			t.Fatalf("found only %d admin user routes in the route table", len(routes))
		}
		doc, _ := loadContract(t)
		for _, m := range routes {
			method, path := m[1], m[2]
			if item := doc.Paths.Value(path); item == nil || item.GetOperation(method) == nil {
				t.Errorf("%s %s is served but is not in the contract", method, path)
				continue
			}
			if !slices.Contains(refusingRoutes, path) && !covered[method+" "+path] {
				t.Errorf("%s %s has no success-path test", method, path)
			}
		}
	})
}

func testCreateAndGetUser(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)

	st, res := h.do(t, "GET", "/environments/"+env+"/users/"+f.alice, h.token, nil)
	wantStatus(t, "get user", st, 200, res)
	u := obj(t, res, "user")
	wantEq(t, u, "id", f.alice)
	wantEq(t, u, "projectEnvironmentId", env)
	wantEq(t, u, "email", "Alice@Example.com")
	wantEq(t, u, "alias", "ally")
	wantEq(t, u, "firstName", "Alice")
	wantEq(t, u, "lastName", "Liddell")
	wantEq(t, u, "metadata.plan", "gold")
	wantEq(t, u, "walletPublicKey", f.aliceWallet) // stored lower-case, shown EIP-55
	wantEq(t, u, "wallet", "metamask")
	wantEq(t, u, "chain", "EVM")
	wantEq(t, u, "wallets.0.publicKey", f.aliceWallet)
	wantEq(t, u, "wallets.0.chain", "EVM")
	wantEq(t, u, "wallets.0.provider", "browserExtension")
	wantTime(t, u, "createdAt")
	if n := len(list(t, u, "sessions")); n != 0 {
		t.Errorf("admin-made user has %d sessions", n)
	}
	email := find(t, list(t, u, "verifiedCredentials"), "format", "email")
	wantEq(t, email, "email", "alice@example.com")
	wantEq(t, email, "verifiedAt", "2025-01-02T03:04:05.000Z")
	wantEq(t, email, "signInEnabled", true)
	wallet := find(t, list(t, u, "verifiedCredentials"), "format", "blockchain")
	wantEq(t, wallet, "address", f.aliceWallet)
	wantEq(t, wallet, "chain", "eip155")

	// The legacy route finds the environment from the user.
	st, res = h.do(t, "GET", "/users/"+f.alice, h.token, nil)
	wantStatus(t, "get user (legacy)", st, 200, res)
	wantEq(t, res, "user.email", "Alice@Example.com")

	// The signed-in user shows their session and wallet.
	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+f.dave, h.token, nil)
	wantStatus(t, "get signed-in user", st, 200, res)
	wantEq(t, res, "user.walletPublicKey", f.daveWallet.address)
	wantEq(t, res, "user.sessions.0.id", f.daveSession)
	wantEq(t, res, "user.sessions.0.revokedAt", nil)

	// A Solana wallet keeps its case.
	st, res = h.do(t, "GET", "/users/"+f.carol, h.token, nil)
	wantStatus(t, "get carol", st, 200, res)
	wantEq(t, res, "user.walletPublicKey", f.carolSol)
	wantEq(t, res, "user.chain", "SOL")

	// Duplicates within the environment are refused, and change nothing.
	for _, tc := range []struct {
		what string
		body map[string]any
		code string
	}{
		{"same email, other case", map[string]any{"email": "alice@EXAMPLE.com"}, "email_already_exists"},
		{"same username", map[string]any{"username": "BOBBY"}, "username_already_exists"},
		{"wallet of another user, upper case", map[string]any{"email": "new@example.com", "wallets": []any{map[string]any{
			"publicWalletAddress": "0x" + strings.ToUpper(f.aliceWallet[2:]), "chain": "EVM", "walletName": "x",
			"walletProvider": "browserExtension"}}}, "duplicate_exists"},
		{"signed-in wallet", map[string]any{"wallets": []any{map[string]any{"publicWalletAddress": f.daveWallet.address,
			"chain": "ETH", "walletName": "x", "walletProvider": "walletConnect"}}}, "duplicate_exists"},
		{"existing id", map[string]any{"id": f.bob}, "duplicate_exists"},
		{"metadata too large", map[string]any{"metadata": map[string]any{"blob": strings.Repeat("x", 9000)}}, "metadata_size_exceeded"},
	} {
		st, res := h.do(t, "POST", "/environments/"+env+"/users", h.token, tc.body)
		wantCode(t, tc.what, st, res, 422, tc.code)
	}
	wantIDs(t, h, "nothing half-made", "", f.alice, f.bob, f.carol, f.dave)

	// The same email in the live environment is another user.
	h.createUser(t, h.ids.LiveEnvironmentID, map[string]any{"email": "alice@example.com"})
}

func testListFilters(t *testing.T, h *harness) {
	f := makeFixtureUsers(t, h)
	lowerAlice, upperAlice := strings.ToLower(f.aliceWallet), "0x"+strings.ToUpper(f.aliceWallet[2:])
	cases := []struct {
		what  string
		query string
		want  []string
	}{
		{"no filter", "", []string{f.alice, f.bob, f.carol, f.dave}},
		{"all: email substring", filter("filterColumn", "all", "filterValue", "EXAMPLE."), []string{f.alice, f.bob}},
		{"all: id", filter("filterColumn", "all", "filterValue", f.carol), []string{f.carol}},
		{"all: wallet address", filter("filterColumn", "all", "filterValue", f.aliceWallet), []string{f.alice}},
		{"all: wallet address part (addresses match whole)", filter("filterColumn", "all", "filterValue", lowerAlice[2:20]), nil},
		{"all: short value (whole values only)", filter("filterColumn", "all", "filterValue", "ca"), nil},
		{"all: username", filter("filterColumn", "all", "filterValue", "obb"), []string{f.bob}},
		{"value without column searches all", filter("filterValue", "carol"), []string{f.carol}},
		{"id", filter("filterColumn", "id", "filterValue", f.bob), []string{f.bob}},
		{"walletPublicKey EIP-55", filter("filterColumn", "walletPublicKey", "filterValue", f.aliceWallet), []string{f.alice}},
		{"walletPublicKey lower", filter("filterColumn", "walletPublicKey", "filterValue", lowerAlice), []string{f.alice}},
		{"walletPublicKey upper", filter("filterColumn", "walletPublicKey", "filterValue", upperAlice), []string{f.alice}},
		{"walletPublicKey signed in", filter("filterColumn", "walletPublicKey", "filterValue", strings.ToLower(f.daveWallet.address)), []string{f.dave}},
		{"walletPublicKey solana", filter("filterColumn", "walletPublicKey", "filterValue", f.carolSol), []string{f.carol}},
		{"walletPublicKey solana wrong case", filter("filterColumn", "walletPublicKey", "filterValue", strings.ToLower(f.carolSol)), nil},
		{"wallet", filter("filterColumn", "wallet", "filterValue", f.daveWallet.address), []string{f.dave}},
		{"email", filter("filterColumn", "email", "filterValue", "alice@"), []string{f.alice}},
		{"alias", filter("filterColumn", "alias", "filterValue", "ALLY"), []string{f.alice}},
		{"firstName", filter("filterColumn", "firstName", "filterValue", "car"), []string{f.carol}},
		{"lastName", filter("filterColumn", "lastName", "filterValue", "build"), []string{f.bob}},
		{"phoneNumber", filter("filterColumn", "phoneNumber", "filterValue", "555"), []string{f.bob}},
		{"jobTitle", filter("filterColumn", "jobTitle", "filterValue", "engineer"), []string{f.bob}},
		{"username", filter("filterColumn", "username", "filterValue", "bobby"), []string{f.bob}},
		{"accountId (no OAuth accounts)", filter("filterColumn", "accountId", "filterValue", "12345"), nil},
		{"percent is literal", filter("filterColumn", "email", "filterValue", "%"), nil},
		{"chain EVM", filter("chain", "EVM"), []string{f.alice, f.dave}},
		{"chain SOL", filter("chain", "SOL"), []string{f.carol}},
		{"chain without wallets", filter("chain", "BTC"), nil},
		{"chain and column", filter("chain", "EVM", "filterColumn", "firstName", "filterValue", "alice"), []string{f.alice}},
		{"social provider (no OAuth accounts)", filter("filterSocialProvider", "google"), nil},
		{"column without value filters nothing", filter("filterColumn", "email"), []string{f.alice, f.bob, f.carol, f.dave}},
		{"unencoded brackets", "filter[filterColumn]=id&filter[filterValue]=" + f.dave, []string{f.dave}},
	}
	for _, tc := range cases {
		wantIDs(t, h, tc.what, tc.query, tc.want...)
	}
}

func testListOrderAndPaging(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)

	// Default: newest first.
	st, res := h.do(t, "GET", "/environments/"+env+"/users", h.token, nil)
	wantStatus(t, "list users", st, 200, res)
	us := list(t, res, "users")
	for i := 1; i < len(us); i++ {
		if parseTime(t, us[i-1], "createdAt").Before(parseTime(t, us[i], "createdAt")) {
			t.Errorf("default order is not newest first: %s", dump(res))
		}
	}
	if us[0].(map[string]any)["id"] != f.dave {
		t.Errorf("newest user is not the one who signed in last: %s", dump(res))
	}

	_, asc := h.listUsers(t, h.token, env, "orderBy=lastName:asc")
	if !slices.Equal(asc[2:], []string{f.bob, f.alice}) {
		t.Errorf("lastName:asc = %v, want … bob, alice", asc)
	}
	_, plain := h.listUsers(t, h.token, env, "orderBy=lastName")
	if !slices.Equal(plain, asc) {
		t.Errorf("lastName (no direction) = %v, want ascending %v", plain, asc)
	}
	_, desc := h.listUsers(t, h.token, env, "orderBy=lastName:desc")
	if !slices.Equal(desc[:2], []string{f.alice, f.bob}) {
		t.Errorf("lastName:desc = %v, want alice, bob, …", desc)
	}

	count, p1 := h.listUsers(t, h.token, env, "orderBy=createdAt:asc&limit=2")
	count2, p2 := h.listUsers(t, h.token, env, "orderBy=createdAt:asc&limit=2&offset=2")
	_, p3 := h.listUsers(t, h.token, env, "orderBy=createdAt:asc&limit=2&offset=4")
	if count != 4 || count2 != 4 || len(p1) != 2 || len(p2) != 2 || len(p3) != 0 || !sameSet(append(p1, p2...), []string{f.alice, f.bob, f.carol, f.dave}) {
		t.Errorf("paging: counts %d %d, pages %v %v %v", count, count2, p1, p2, p3)
	}

	// includeSessions adds each user's sessions.
	st, res = h.do(t, "GET", "/environments/"+env+"/users?includeSessions=true", h.token, nil)
	wantStatus(t, "list with sessions", st, 200, res)
	dave := find(t, list(t, res, "users"), "id", f.dave)
	wantEq(t, dave, "sessions.0.id", f.daveSession)
	wantTime(t, dave, "sessions.0.createdAt")
	if n := len(list(t, find(t, list(t, res, "users"), "id", f.bob), "sessions")); n != 0 {
		t.Errorf("bob has %d sessions", n)
	}
	_, res = h.do(t, "GET", "/environments/"+env+"/users", h.token, nil)
	if has(find(t, list(t, res, "users"), "id", f.dave), "sessions") {
		t.Errorf("sessions listed without includeSessions")
	}
}

func testUpdateUser(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)
	st, res := h.do(t, "PUT", "/environments/"+env+"/users/"+f.bob, h.token, map[string]any{
		"firstName": "  Robert ", "country": "GB", "metadata": map[string]any{"tier": 2}})
	wantStatus(t, "update user", st, 200, res)
	wantEq(t, res, "user.firstName", "Robert")
	wantEq(t, res, "user.country", "GB")
	wantEq(t, res, "user.username", "bobby") // absent: unchanged
	wantEq(t, res, "user.metadata.tier", 2)

	st, res = h.do(t, "PUT", "/users/"+f.bob, h.token, map[string]any{"country": nil, "jobTitle": ""})
	wantStatus(t, "update user (legacy)", st, 200, res)
	wantEq(t, res, "user.country", nil)
	wantEq(t, res, "user.jobTitle", nil)
	wantEq(t, res, "user.firstName", "Robert")

	st, res = h.do(t, "PUT", "/users/"+f.alice, h.token, map[string]any{"username": "Bobby"})
	wantCode(t, "taken username", st, res, 422, "username_already_exists")
	st, res = h.do(t, "PUT", "/users/"+f.alice, h.token, map[string]any{"alias": strings.Repeat("a", 256)})
	wantError(t, "long alias", st, res, 400, "alias")
	st, res = h.do(t, "PUT", "/users/"+f.alice, h.token, map[string]any{"firstName": 7})
	wantError(t, "wrong type", st, res, 400, "firstName")
	st, res = h.do(t, "PUT", "/users/"+f.alice, h.token, map[string]any{"metadata": map[string]any{"x": strings.Repeat("y", 8200)}})
	wantCode(t, "metadata too large", st, res, 422, "metadata_size_exceeded")
	st, res = h.do(t, "GET", "/users/"+f.alice, h.token, nil)
	wantStatus(t, "get alice", st, 200, res)
	wantEq(t, res, "user.alias", "ally")
	wantEq(t, res, "user.metadata.plan", "gold")

	// Bad create bodies name the field.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"email": "not an email"}, "email"},
		{map[string]any{"emailVerifiedAt": "2025-01-01T00:00:00Z"}, "emailVerifiedAt"},
		{map[string]any{"id": "abc"}, "id"},
		{map[string]any{"wallets": []any{map[string]any{"publicWalletAddress": "0x1234", "chain": "EVM",
			"walletName": "m", "walletProvider": "browserExtension"}}}, "wallets[0].publicWalletAddress"},
		{map[string]any{"wallets": []any{map[string]any{"publicWalletAddress": "0OIl", "chain": "SOL",
			"walletName": "m", "walletProvider": "browserExtension"}}}, "wallets[0].publicWalletAddress"},
		{map[string]any{"wallets": []any{map[string]any{"publicWalletAddress": "bc1q", "chain": "BTC",
			"walletName": "m", "walletProvider": "browserExtension"}}}, "wallets[0].chain"},
		{map[string]any{"wallets": []any{map[string]any{"chain": "EVM", "walletName": "m", "walletProvider": "browserExtension"}}}, "publicWalletAddress"},
		{map[string]any{"team": strings.Repeat("t", 300)}, "team"},
	} {
		st, res := h.do(t, "POST", "/environments/"+env+"/users", h.token, tc.body)
		wantError(t, "create "+dump(tc.body), st, res, 400, tc.field)
	}
}

func testBulkCreate(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)
	taken := map[string]any{"publicWalletAddress": f.daveWallet.address, "chain": "EVM", "walletName": "m", "walletProvider": "browserExtension"}
	fresh := newEVMWallet(t).address
	rows := []any{
		map[string]any{"email": "erin@example.com", "firstName": "Erin"},
		map[string]any{"email": "frank@example.com", "wallets": []any{taken}}, // wallet belongs to dave
		map[string]any{"email": "not-an-email"},
		map[string]any{"email": "bob@example.org", "firstName": "Bobby"},
	}
	st, res := h.do(t, "POST", "/environments/"+env+"/users/bulk?upsert=false", h.token, rows)
	wantStatus(t, "bulk create", st, 200, res)
	wantEq(t, res, "total", 4)
	if len(list(t, res, "created")) != 1 || len(list(t, res, "updated")) != 0 || len(list(t, res, "failed")) != 3 {
		t.Fatalf("bulk create: %s", dump(res))
	}
	erin := str(t, res, "created.0.id")
	wantEq(t, res, "created.0.firstName", "Erin")
	wantEq(t, res, "failed.0.code", "duplicate_exists")
	if !strings.HasPrefix(str(t, res, "failed.0.error"), "[1]") || !strings.HasPrefix(str(t, res, "failed.1.error"), "[2]") ||
		!strings.Contains(str(t, res, "failed.1.error"), "email") {
		t.Errorf("failures do not name their rows: %s", dump(res))
	}
	wantEq(t, res, "failed.2.code", "email_already_exists")
	// The refused row left no half-made user.
	wantIDs(t, h, "frank was not created", filter("filterColumn", "email", "filterValue", "frank@"))

	// Upsert: bob (by email) and dave (by wallet) are updated, a new row
	// is created, a bad row fails alone.
	rows = []any{
		map[string]any{"email": "BOB@example.org", "firstName": "Bobby", "wallets": []any{map[string]any{
			"publicWalletAddress": fresh, "chain": "EVM", "walletName": "rabby", "walletProvider": "browserExtension"}}},
		map[string]any{"alias": "dave", "wallets": []any{taken}},
		map[string]any{"email": "gina@example.com"},
		map[string]any{"email": "erin@example.com", "wallets": []any{taken}}, // erin and dave are different users
	}
	st, res = h.do(t, "POST", "/environments/"+env+"/users/bulk?upsert=true", h.token, rows)
	wantStatus(t, "bulk upsert", st, 200, res)
	if len(list(t, res, "created")) != 1 || len(list(t, res, "updated")) != 2 || len(list(t, res, "failed")) != 1 {
		t.Fatalf("bulk upsert: %s", dump(res))
	}
	bob := find(t, list(t, res, "updated"), "id", f.bob)
	wantEq(t, bob, "firstName", "Bobby")
	wantEq(t, bob, "email", "bob@example.org")
	wantEq(t, bob, "walletPublicKey", fresh)
	wantEq(t, find(t, list(t, res, "updated"), "id", f.dave), "alias", "dave")
	wantEq(t, res, "created.0.email", "gina@example.com")
	wantEq(t, res, "failed.0.code", "duplicate_exists")
	st, res = h.do(t, "GET", "/users/"+erin, h.token, nil)
	wantStatus(t, "erin unchanged", st, 200, res)
	if n := len(list(t, res, "user.wallets")); n != 0 {
		t.Errorf("erin got %d wallets from a refused row", n)
	}

	// A malformed row refuses the whole request, naming it.
	st, res = h.do(t, "POST", "/environments/"+env+"/users/bulk", h.token, []any{map[string]any{"email": "h@example.com"},
		map[string]any{"firstName": 3}})
	wantError(t, "bulk with a wrong type", st, res, 400, "[1].firstName")
	st, res = h.do(t, "POST", "/environments/"+env+"/users/bulk?upsert=perhaps", h.token, []any{})
	wantError(t, "bulk bad upsert", st, res, 400, "upsert")
	st, res = h.do(t, "POST", "/environments/"+env+"/users/bulk", h.token, map[string]any{"email": "x@example.com"})
	wantError(t, "bulk with an object", st, res, 400, "array")
	wantIDs(t, h, "no h@ user", filter("filterColumn", "email", "filterValue", "h@example.com"))
}

func testWallets(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)

	st, res := h.do(t, "GET", "/environments/"+env+"/wallets", h.token, nil)
	wantStatus(t, "list wallets", st, 200, res)
	wantEq(t, res, "count", 3)
	wantEq(t, res, "limit", 100)
	wantEq(t, res, "offset", 0)
	aliceW := find(t, list(t, res, "wallets"), "userId", f.alice)
	wantEq(t, aliceW, "publicKey", f.aliceWallet)
	wantEq(t, aliceW, "lowerPublicKey", strings.ToLower(f.aliceWallet))
	wantEq(t, aliceW, "projectEnvironmentId", env)
	wantEq(t, aliceW, "chain", "EVM")
	st, res = h.do(t, "GET", "/environments/"+env+"/wallets?limit=1&offset=2", h.token, nil)
	wantStatus(t, "page wallets", st, 200, res)
	if len(list(t, res, "wallets")) != 1 || adminNum(t, res, "count") != 3 {
		t.Errorf("wallet paging: %s", dump(res))
	}

	// Link a wallet to bob, who has none.
	extra := newEVMWallet(t).address
	body := map[string]any{"publicWalletAddress": strings.ToLower(extra), "chain": "EVM", "walletName": "rainbow", "walletProvider": "walletConnect"}
	st, res = h.do(t, "POST", "/environments/"+env+"/users/"+f.bob+"/wallets", h.token, body)
	wantStatus(t, "create wallet", st, 200, res)
	wantEq(t, res, "publicKey", extra)
	wantEq(t, res, "name", "rainbow")
	wantEq(t, res, "provider", "walletConnect")
	walletID := wantUUID(t, res, "id")
	st, res = h.do(t, "POST", "/users/"+f.alice+"/wallets", h.token, body)
	wantCode(t, "wallet of another user", st, res, 422, "duplicate_exists")
	sol := newSolanaAddress(t)
	st, res = h.do(t, "POST", "/users/"+f.alice+"/wallets", h.token, map[string]any{"publicWalletAddress": sol, "chain": "SOL",
		"walletName": "phantom", "walletProvider": "browserExtension"})
	wantStatus(t, "create wallet (legacy)", st, 200, res)
	wantEq(t, res, "publicKey", sol)
	wantEq(t, res, "chain", "SOL")

	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+f.bob+"/wallets", h.token, nil)
	wantStatus(t, "user wallets", st, 200, res)
	wantEq(t, res, "count", 1)
	wantEq(t, res, "wallets.0.id", walletID)
	st, res = h.do(t, "GET", "/users/"+f.alice+"/wallets", h.token, nil)
	wantStatus(t, "user wallets (legacy)", st, 200, res)
	wantEq(t, res, "count", 2)
	st, res = h.do(t, "GET", "/environments/"+env+"/wallets/"+walletID, h.token, nil)
	wantStatus(t, "get wallet", st, 200, res)
	wantEq(t, res, "publicKey", extra)
	st, res = h.do(t, "GET", "/wallets/"+walletID, h.token, nil)
	wantStatus(t, "get wallet (legacy)", st, 200, res)
	wantEq(t, res, "id", walletID)
	st, res = h.do(t, "GET", "/environments/"+h.ids.LiveEnvironmentID+"/wallets/"+walletID, h.token, nil)
	wantError(t, "wallet via another environment", st, res, 404)

	// The new wallet is bob's only sign-in credential: it cannot go.
	st, res = h.do(t, "DELETE", "/environments/"+env+"/wallets/"+walletID, h.token, nil)
	wantCode(t, "last sign-in credential", st, res, 422, "cannot_delete_last_sign_in_verified_credential")
	// Alice keeps her email and Solana wallet: her EVM wallet can go.
	aliceEVM := str(t, aliceW, "id")
	st, res = h.do(t, "DELETE", "/wallets/"+aliceEVM, h.token, nil)
	wantStatus(t, "delete wallet (legacy)", st, 204, res)
	st, res = h.do(t, "GET", "/wallets/"+aliceEVM, h.token, nil)
	wantError(t, "deleted wallet", st, res, 404)
	wantIDs(t, h, "deleted wallet no longer matches", filter("filterColumn", "wallet", "filterValue", f.aliceWallet))
	st, res = h.do(t, "GET", "/users/"+f.alice+"/wallets", h.token, nil)
	wantStatus(t, "alice wallets", st, 200, res)
	solID := str(t, res, "wallets.0.id")
	st, res = h.do(t, "DELETE", "/environments/"+env+"/wallets/"+solID, h.token, nil)
	wantStatus(t, "delete wallet", st, 204, res)
	// A wallet id that is an email credential is not a wallet.
	st, res = h.do(t, "GET", "/users/"+f.alice, h.token, nil)
	wantStatus(t, "get alice", st, 200, res)
	emailID := str(t, find(t, list(t, res, "user.verifiedCredentials"), "format", "email"), "id")
	st, res = h.do(t, "GET", "/wallets/"+emailID, h.token, nil)
	wantError(t, "email credential as wallet", st, res, 404)
}

func testSessions(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)
	if st := h.sdkUserStatus(t, env, f.daveJWT); st != 200 {
		t.Fatalf("fresh session: GET /sdk/users = %d", st)
	}
	st, res := h.do(t, "GET", "/users/"+f.dave+"/sessions/"+f.daveSession, h.token, nil)
	wantStatus(t, "get session", st, 200, res)
	wantEq(t, res, "id", f.daveSession)
	wantEq(t, res, "revokedAt", nil)
	wantTime(t, res, "createdAt")
	st, res = h.do(t, "GET", "/users/"+f.bob+"/sessions/"+f.daveSession, h.token, nil)
	wantError(t, "session of another user", st, res, 404)

	st, res = h.do(t, "PUT", "/sessions/"+f.daveSession+"/revoke", h.token, nil)
	wantStatus(t, "revoke session", st, 200, res)
	wantEq(t, res, "id", f.daveSession)
	revokedAt := wantTime(t, res, "revokedAt")
	if st := h.sdkUserStatus(t, env, f.daveJWT); st != 401 {
		t.Errorf("revoked session: GET /sdk/users = %d, want 401", st)
	}
	st, res = h.do(t, "PUT", "/sessions/"+f.daveSession+"/revoke", h.token, nil)
	wantStatus(t, "revoke again", st, 200, res)
	if !parseTime(t, res, "revokedAt").Equal(revokedAt) {
		t.Errorf("revoking twice moved revokedAt")
	}

	// Revoke all: two live sessions, both refused at once.
	_, _, jwt1 := h.signIn(t, env, f.daveWallet)
	_, _, jwt2 := h.signIn(t, env, f.daveWallet)
	st, res = h.do(t, "POST", "/environments/"+env+"/users/"+f.dave+"/sessions/revoke", h.token, nil)
	wantStatus(t, "revoke all", st, 204, res)
	for i, jwt := range []string{jwt1, jwt2} {
		if st := h.sdkUserStatus(t, env, jwt); st != 401 {
			t.Errorf("session %d after revoke all: GET /sdk/users = %d, want 401", i, st)
		}
	}
	_, _, jwt3 := h.signIn(t, env, f.daveWallet)
	st, res = h.do(t, "POST", "/users/"+f.dave+"/sessions/revoke", h.token, nil)
	wantStatus(t, "revoke all (legacy)", st, 204, res)
	if st := h.sdkUserStatus(t, env, jwt3); st != 401 {
		t.Errorf("session after legacy revoke all: GET /sdk/users = %d, want 401", st)
	}
	st, res = h.do(t, "GET", "/users/"+f.dave, h.token, nil)
	wantStatus(t, "get dave", st, 200, res)
	for _, s := range list(t, res, "user.sessions") {
		if v, _ := at(s, "revokedAt"); v == nil {
			t.Errorf("session %s still live after revoke all", str(t, s, "id"))
		}
	}
}

func testDeleteUser(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	f := makeFixtureUsers(t, h)
	st, res := h.do(t, "DELETE", "/environments/"+env+"/users/"+f.dave, h.token, nil)
	wantStatus(t, "delete user", st, 204, res)
	if st := h.sdkUserStatus(t, env, f.daveJWT); st != 401 {
		t.Errorf("deleted user's session: GET /sdk/users = %d, want 401", st)
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+f.dave, h.token, nil)
	wantError(t, "deleted user", st, res, 404)
	wantIDs(t, h, "deleted wallet is free", filter("filterColumn", "wallet", "filterValue", f.daveWallet.address))
	// Signing in again makes a new user.
	again, _, _ := h.signIn(t, env, f.daveWallet)
	if again == f.dave {
		t.Errorf("sign-in after delete returned the deleted user")
	}

	st, res = h.do(t, "DELETE", "/users/"+f.carol, h.token, nil)
	wantStatus(t, "delete user (legacy)", st, 204, res)
	st, res = h.do(t, "DELETE", "/users/"+f.carol, h.token, nil)
	wantError(t, "delete twice", st, res, 404)
	wantIDs(t, h, "after deletes", "", f.alice, f.bob, again)
}

func testVisitors(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	a, b := newEVMWallet(t).address, newSolanaAddress(t)
	for _, v := range []map[string]any{
		{"address": strings.ToLower(a), "chain": "EVM", "provider": "browserExtension", "walletName": "metamask"},
		{"address": b, "chain": "SOL", "provider": "browserExtension", "walletName": "phantom"},
		{"address": a, "chain": "ETH", "provider": "walletConnect", "walletName": "rainbow"},
	} {
		st, res := h.do(t, "POST", "/sdk/"+env+"/connect", "", v)
		wantStatus(t, "connect", st, 204, res)
		time.Sleep(2 * time.Millisecond) // distinct createdAt, so "newest first" is one order
	}
	visitors := func(query string) (int, []any) {
		st, res := h.do(t, "GET", "/environments/"+env+"/visitors?"+query, h.token, nil)
		wantStatus(t, "visitors ?"+query, st, 200, res)
		return int(adminNum(t, res, "count")), list(t, res, "visitors")
	}
	n, vs := visitors("")
	if n != 3 || len(vs) != 3 {
		t.Fatalf("visitors: %d %s", n, dump(vs))
	}
	wantEq(t, vs[0], "walletName", "rainbow") // newest first
	wantEq(t, vs[0], "address", a)            // EIP-55
	wantEq(t, vs[0], "projectEnvironmentId", env)
	if n, _ := visitors(filter("filterColumn", "walletPublicKey", "filterValue", strings.ToLower(a))); n != 2 {
		t.Errorf("visitors by EVM address: %d, want 2", n)
	}
	if n, _ := visitors(filter("chain", "EVM")); n != 2 {
		t.Errorf("visitors on EVM: %d, want 2", n)
	}
	if n, vs := visitors(filter("filterColumn", "all", "filterValue", "PHANTOM")); n != 1 || str(t, vs[0], "address") != b {
		t.Errorf("visitors search: %d %s", n, dump(vs))
	}
	id := str(t, vs[0], "id")
	if n, _ := visitors(filter("filterColumn", "id", "filterValue", id)); n != 1 {
		t.Errorf("visitor by id: %d", n)
	}
	if _, vs := visitors("orderBy=walletName:asc&limit=1&offset=1"); len(vs) != 1 || str(t, vs[0], "walletName") != "phantom" {
		t.Errorf("visitors ordered and paged: %s", dump(vs))
	}
	st, res := h.do(t, "GET", "/environments/"+env+"/visitors?"+filter("filterColumn", "email"), h.token, nil)
	wantError(t, "visitor filter column", st, res, 400, "filter[filterColumn]")
}

func testRefusingRoutes(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/environments/" + env + "/embeddedWalletVersions", nil},
		{"POST", "/environments/" + env + "/embeddedWallets", map[string]any{"identifier": "a@example.com", "type": "email"}},
		{"POST", "/environments/" + env + "/embeddedWallets/farcaster", map[string]any{}},
		{"POST", "/environments/" + env + "/wallets/recover", map[string]any{}},
	} {
		st, res := h.do(t, tc.method, tc.path, h.token, tc.body)
		wantCode(t, tc.method+" "+tc.path, st, res, 422, "no_compatible_wallet_service_enabled")
		wantEq(t, res, "error", "no embedded wallet provider configured")
	}
	st, res := h.do(t, "GET", "/oauthAccounts/"+randomUUID+"/accessToken", h.token, nil)
	wantCode(t, "unknown oauth account", st, res, 404, "oauth_account_not_found")
	// Reach still applies first.
	other := h.newOrganization(t, "Embedded Co")
	_, tok := h.envToken(t, h.token, other.sandboxID)
	st, res = h.do(t, "GET", "/environments/"+env+"/embeddedWalletVersions", tok, nil)
	wantError(t, "embedded wallets out of reach", st, res, 403)
}

// ---- reach, scopes, validation ----

func TestAdminUsersReach(t *testing.T) {
	h := newHarness(t)
	env, live := h.ids.EnvironmentID, h.ids.LiveEnvironmentID
	f := makeFixtureUsers(t, h)
	st, res := h.do(t, "GET", "/users/"+f.alice+"/wallets", h.token, nil)
	wantStatus(t, "alice wallets", st, 200, res)
	aliceWallet := str(t, res, "wallets.0.id")
	newUser := map[string]any{"email": "zed@example.com"}

	// A read-only users token lists and reads, and writes nothing.
	_, readTok := h.envToken(t, h.token, env, "environment.users.read")
	if n, _ := h.listUsers(t, readTok, env, ""); n != 4 {
		t.Errorf("read token lists %d users, want 4", n)
	}
	for _, tc := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/environments/" + env + "/users/" + f.alice, nil, 200},
		{"GET", "/users/" + f.alice, nil, 200},
		{"GET", "/wallets/" + aliceWallet, nil, 200},
		{"GET", "/environments/" + env + "/wallets", nil, 200},
		{"GET", "/environments/" + env + "/visitors", nil, 200},
		{"GET", "/users/" + f.dave + "/sessions/" + f.daveSession, nil, 200},
		{"POST", "/environments/" + env + "/users", newUser, 403},
		{"POST", "/environments/" + env + "/users/bulk", []any{newUser}, 403},
		{"PUT", "/users/" + f.alice, map[string]any{"alias": "x"}, 403},
		{"DELETE", "/environments/" + env + "/users/" + f.alice, nil, 403},
		{"POST", "/users/" + f.dave + "/sessions/revoke", nil, 403},
		{"PUT", "/sessions/" + f.daveSession + "/revoke", nil, 403},
		{"DELETE", "/wallets/" + aliceWallet, nil, 403},
	} {
		st, res := h.do(t, tc.method, tc.path, readTok, tc.body)
		if tc.want == 200 {
			wantStatus(t, "read token "+tc.method+" "+tc.path, st, 200, res)
		} else {
			wantError(t, "read token "+tc.method+" "+tc.path, st, res, tc.want)
		}
	}

	// A token without users scopes reaches the environment but not its users.
	_, settingsTok := h.envToken(t, h.token, env, "environment.settings.read")
	st, res = h.do(t, "GET", "/environments/"+env+"/users", settingsTok, nil)
	wantError(t, "settings-only token", st, res, 403, "environment.users.read")

	// A token of the live environment sees nothing of the sandbox.
	_, liveTok := h.envToken(t, h.token, live)
	if n, _ := h.listUsers(t, liveTok, live, ""); n != 0 {
		t.Errorf("live token lists %d live users, want 0", n)
	}
	hidden := []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/environments/" + env + "/users", nil, 403},
		{"POST", "/environments/" + env + "/users", newUser, 403},
		{"GET", "/environments/" + env + "/wallets", nil, 403},
		{"GET", "/environments/" + env + "/visitors", nil, 403},
		{"GET", "/environments/" + live + "/users/" + f.alice, nil, 404},
		{"PUT", "/environments/" + live + "/users/" + f.alice, map[string]any{"alias": "x"}, 404},
		{"GET", "/environments/" + live + "/users/" + f.alice + "/wallets", nil, 404},
		{"GET", "/environments/" + live + "/wallets/" + aliceWallet, nil, 404},
		{"GET", "/users/" + f.alice, nil, 404},
		{"PUT", "/users/" + f.alice, map[string]any{"alias": "x"}, 404},
		{"DELETE", "/users/" + f.alice, nil, 404},
		{"GET", "/users/" + f.alice + "/wallets", nil, 404},
		{"POST", "/users/" + f.alice + "/wallets", map[string]any{"publicWalletAddress": newEVMWallet(t).address,
			"chain": "EVM", "walletName": "m", "walletProvider": "browserExtension"}, 404},
		{"GET", "/wallets/" + aliceWallet, nil, 404},
		{"DELETE", "/wallets/" + aliceWallet, nil, 404},
		{"POST", "/users/" + f.dave + "/sessions/revoke", nil, 404},
		{"PUT", "/sessions/" + f.daveSession + "/revoke", nil, 404},
		{"GET", "/users/" + f.dave + "/sessions/" + f.daveSession, nil, 404},
	}
	for _, tc := range hidden {
		st, res := h.do(t, tc.method, tc.path, liveTok, tc.body)
		wantError(t, "live token "+tc.method+" "+tc.path, st, res, tc.want)
	}

	// Another organization's owner: the same.
	member, org, _ := h.newUser(t, "stranger@example.com")
	strangerTok := h.orgWideToken(t, member, org)
	for _, tc := range hidden {
		want := tc.want
		if strings.HasPrefix(tc.path, "/environments/"+live) {
			want = 403 // the path environment is out of reach too
		}
		st, res := h.do(t, tc.method, tc.path, strangerTok, tc.body)
		wantError(t, "stranger "+tc.method+" "+tc.path, st, res, want)
	}

	// A viewer of the organization reads but cannot write.
	viewer := h.addMember(t, h.ids.OrganizationID, "viewer", "viewer@example.com")
	viewerTok := h.orgWideToken(t, viewer, h.ids.OrganizationID)
	if n, _ := h.listUsers(t, viewerTok, env, ""); n != 4 {
		t.Errorf("viewer lists %d users, want 4", n)
	}
	st, res = h.do(t, "PUT", "/users/"+f.alice, viewerTok, map[string]any{"alias": "x"})
	wantError(t, "viewer writes", st, res, 403, "developer")

	// Nothing changed: every user, wallet and session is intact.
	wantIDs(t, h, "all users intact", "", f.alice, f.bob, f.carol, f.dave)
	if st := h.sdkUserStatus(t, env, f.daveJWT); st != 200 {
		t.Errorf("dave's session after refused revokes: %d", st)
	}
	st, res = h.do(t, "GET", "/users/"+f.alice, h.token, nil)
	wantStatus(t, "alice intact", st, 200, res)
	wantEq(t, res, "user.alias", "ally")
	if n := len(list(t, res, "user.wallets")); n != 1 {
		t.Errorf("alice has %d wallets", n)
	}
}

func TestAdminUsersInvalidInput(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	users := "/environments/" + env + "/users"
	for _, tc := range []struct {
		method, path, param string
		body                any
	}{
		{"GET", "/environments/abc/users", "environmentId", nil},
		{"GET", users + "/abc", "userId", nil},
		{"PUT", users + "/abc", "userId", map[string]any{}},
		{"DELETE", "/users/abc", "userId", nil},
		{"POST", "/users/abc/sessions/revoke", "userId", nil},
		{"PUT", "/sessions/abc/revoke", "sessionId", nil},
		{"GET", "/users/" + randomUUID + "/sessions/abc", "sessionId", nil},
		{"GET", "/environments/" + env + "/wallets/abc", "walletId", nil},
		{"DELETE", "/wallets/abc", "walletId", nil},
		{"GET", "/users/abc/wallets", "userId", nil},
		{"GET", "/oauthAccounts/abc/accessToken", "oauthAccountId", nil},
		{"GET", "/environments/abc/visitors", "environmentId", nil},
		{"GET", users + "?limit=0", "limit", nil},
		{"GET", users + "?limit=1001", "limit", nil},
		{"GET", users + "?limit=ten", "limit", nil},
		{"GET", users + "?offset=-1", "offset", nil},
		{"GET", users + "?orderBy=password", "orderBy", nil},
		{"GET", users + "?orderBy=email:sideways", "orderBy", nil},
		{"GET", users + "?includeSessions=maybe", "includeSessions", nil},
		{"GET", users + "?" + filter("filterColumn", "password"), "filter[filterColumn]", nil},
		{"GET", users + "?" + filter("chain", "DOGE"), "filter[chain]", nil},
		{"GET", users + "?" + filter("filterSocialProvider", "myspace"), "filter[filterSocialProvider]", nil},
		{"GET", "/environments/" + env + "/wallets?limit=5000", "limit", nil},
		{"GET", "/environments/" + env + "/visitors?orderBy=email", "orderBy", nil},
		{"POST", users, "body", "[]"},
		{"POST", users, "metadata", map[string]any{"metadata": "text"}},
		{"POST", users, "wallets", map[string]any{"wallets": "0xabc"}},
	} {
		st, res := h.do(t, tc.method, tc.path, h.token, tc.body)
		wantError(t, tc.method+" "+tc.path, st, res, 400, tc.param)
	}
	for _, path := range []string{users + "/" + randomUUID, "/users/" + randomUUID, "/wallets/" + randomUUID,
		"/users/" + randomUUID + "/sessions/" + randomUUID} {
		st, res := h.do(t, "GET", path, h.token, nil)
		wantError(t, "GET "+path, st, res, 404)
	}
	st, res := h.do(t, "GET", "/environments/"+randomUUID+"/users", h.token, nil)
	wantError(t, "unknown environment", st, res, 404)
}

// routeSection is the part of the route table (server.go) from the line
// starting with begin to the one starting with end.
func routeSection(t *testing.T, begin, end string) string {
	t.Helper()
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "\t"+begin)
	j := strings.Index(s[max(i, 0):], "\t"+end)
	if i < 0 || j < 0 {
		t.Fatalf("route table has no section %q … %q", begin, end)
	}
	return s[i : i+j]
}
