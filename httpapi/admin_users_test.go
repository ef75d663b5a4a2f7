package httpapi_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

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
