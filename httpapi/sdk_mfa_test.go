package httpapi_test

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// ---- helpers (prefixed mf) ----

// registerPasskey registers a software authenticator's passkey for the
// user of token (GET then POST users/passkeys/register from
// http://localhost:3000) and returns it with the registration's answer.
func (h *harness) registerPasskey(t *testing.T, env, userID, token string) (*passkeytest.Authenticator, *response) {
	t.Helper()
	origin := map[string]string{"Origin": "http://localhost:3000"}
	r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, header: origin})
	wantStatus(t, "registration options", r.status, 200, r.json)
	wantEq(t, r.json, "rp.id", "localhost")
	a, err := passkeytest.New("localhost", "http://localhost:3000")
	if err != nil {
		t.Fatal(err)
	}
	a.UserHandle = []byte(userID)
	body, _ := a.Create(str(t, r.json, "challenge"), "clientDataJson")
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, body: body, header: origin})
	wantStatus(t, "register", r.status, 200, r.json)
	return a, r
}

// mfSignIn signs key's wallet in to the sandbox and returns the body.
func (h *harness) mfSignIn(t *testing.T, key *ecdsa.PrivateKey) map[string]any {
	t.Helper()
	env := h.ids.EnvironmentID
	st, res := h.do(t, "GET", "/sdk/"+env+"/nonce", "", nil)
	wantStatus(t, "nonce", st, 200, res)
	addr := crypto.PubkeyToAddress(key.PublicKey).Hex()
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\nWelcome.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		addr, str(t, res, "nonce"), time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), env)
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	st, res = h.do(t, "POST", "/sdk/"+env+"/verify", "", map[string]any{
		"signedMessage": fmt.Sprintf("0x%x", sig), "messageToSign": msg, "publicWalletAddress": addr,
		"chain": "EVM", "walletName": "metamask", "walletProvider": "browserExtension", "network": "1"})
	wantStatus(t, "wallet sign-in", st, 200, res)
	return res.(map[string]any)
}

func mfScope(t *testing.T, jwt string) []string {
	t.Helper()
	s, _ := pfClaims(t, jwt)["scope"].(string)
	return strings.Fields(s)
}

func mfHas(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// mfSetMFA replaces the sandbox's security.mfa settings.
func (h *harness) mfSetMFA(t *testing.T, mfa map[string]any) {
	t.Helper()
	st, res := h.putSecurity(t, h.ids.EnvironmentID, "mfa", mfa)
	wantStatus(t, "put settings", st, 200, res)
}

// mfEnroll registers and verifies a TOTP device with a code of the
// previous step; it returns the secret and the device.
func (h *harness) mfEnroll(t *testing.T, token string) (string, map[string]any) {
	t.Helper()
	base := "/sdk/" + h.ids.EnvironmentID + "/users/mfa"
	st, res := h.do(t, "GET", base+"/register/totp", token, nil)
	wantStatus(t, "register/totp GET", st, 200, res)
	secret := str(t, res, "secret")
	if !strings.HasPrefix(str(t, res, "uri"), "otpauth://totp/") {
		t.Fatalf("uri %s", dump(res))
	}
	st, res = h.do(t, "POST", base+"/register/totp", token, map[string]any{"type": "totp",
		"code": mfatest.Code(t, secret, -1)})
	wantStatus(t, "register/totp POST", st, 200, res)
	return secret, res.(map[string]any)
}

// mfBoth runs an MFA test on SQLite and, when configured, PostgreSQL.
func mfBoth(t *testing.T, tune func(*dynamicauth.Config), test func(t *testing.T, h *harness)) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { test(t, newHarnessWith(t, backend, tune)) })
	}
}

func noTune(*dynamicauth.Config) {}

func TestMFATOTPAndRecoveryUpgradeTheSameSession(t *testing.T) {
	mfBoth(t, noTune, testMFATOTPAndRecovery)
}

func testMFATOTPAndRecovery(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true})
	key, _ := crypto.GenerateKey()
	first := h.mfSignIn(t, key)
	full := str(t, first, "minifiedJwt")
	if !mfHas(mfScope(t, full), "user:basic") {
		t.Fatal("a user without a device gets a full session")
	}
	secret, dev := h.mfEnroll(t, full)
	wantEq(t, dev, "verified", true)
	wantEq(t, dev, "default", true)
	devID := str(t, dev, "id")

	st, res := h.do(t, "GET", base, full, nil)
	wantStatus(t, "list devices", st, 200, res)
	wantEq(t, res, "count", float64(1))
	st, res = h.do(t, "GET", base+"/methods", full, nil)
	wantStatus(t, "methods", st, 200, res)
	wantEq(t, res, "userHasVerifiedMfaMethods", true)
	st, res = h.do(t, "GET", base+"/"+devID, full, nil)
	wantStatus(t, "get device", st, 200, res)
	st, res = h.do(t, "PUT", base+"/"+devID, full, map[string]any{"default": true})
	wantStatus(t, "put device", st, 204, res)
	st, res = h.do(t, "GET", base+"/recovery", full, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	codes := list(t, res, "recoveryCodes")
	if len(codes) != 10 {
		t.Fatalf("recovery codes: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/users", full, nil)
	wantStatus(t, "GET /users", st, 200, res)
	wantEq(t, res, "mfaBackupCodeAcknowledgement", "pending")
	st, res = h.do(t, "PUT", "/sdk/"+env+"/users", full, map[string]any{"mfaBackupCodeAcknowledgement": "complete"})
	wantStatus(t, "acknowledge the codes", st, 200, res)
	wantEq(t, res, "user.mfaBackupCodeAcknowledgement", "complete")
	st, res = h.do(t, "GET", "/sdk/"+env+"/users", full, nil)
	wantStatus(t, "GET /users after acknowledging", st, 200, res)
	wantEq(t, res, "mfaBackupCodeAcknowledgement", "complete")

	// Pending: GET /users refused, MFA routes served.
	pending := h.mfSignIn(t, key)
	ptok := str(t, pending, "minifiedJwt")
	if sc := mfScope(t, ptok); !mfHas(sc, "requiresAdditionalAuth") || mfHas(sc, "user:basic") {
		t.Fatalf("pending scope %v", sc)
	}
	wantEq(t, pending, "user.scope", "requiresAdditionalAuth")
	st, res = h.do(t, "GET", "/sdk/"+env+"/users", ptok, nil)
	wantError(t, "GET /users while pending", st, res, 403)
	st, res = h.do(t, "GET", base+"/recovery", ptok, nil)
	wantError(t, "recovery codes while pending", st, res, 403)
	st, res = h.do(t, "GET", base+"/register/totp", ptok, nil)
	wantError(t, "another device while pending", st, res, 403)

	for _, steps := range []int{-2, 2} {
		st, res = h.do(t, "POST", base+"/auth/totp", ptok, map[string]any{"code": mfatest.Code(t, secret, steps)})
		wantError(t, fmt.Sprintf("code two steps away (%d)", steps), st, res, 422)
	}
	code := mfatest.TOTP(t, secret, time.Now())
	st, res = h.do(t, "POST", base+"/auth/totp", ptok, map[string]any{"code": code, "requestedScopes": []string{"user:basic"}})
	wantError(t, "requestedScopes that are not token scopes", st, res, 422)
	wantEq(t, res, "code", "invalid_scopes")
	st, res = h.do(t, "POST", base+"/auth/totp", ptok, map[string]any{"code": code, "createMfaToken": map[string]any{"singleUse": true},
		"requestedScopes": []string{"credential:link"}})
	wantStatus(t, "auth/totp (the code was not spent by the refused request)", st, 200, res)
	if len(strings.Split(str(t, res, "elevatedAccessToken"), ".")) != 3 {
		t.Fatalf("no elevatedAccessToken: %s", dump(res))
	}
	up := str(t, res, "minifiedJwt")
	c := pfClaims(t, up)
	if c["sid"] != pfClaims(t, ptok)["sid"] || !mfHas(mfScope(t, up), "user:basic") || dump(c["amr"]) != `["wallet","totp"]` {
		t.Fatalf("upgraded claims %s", dump(c))
	}
	mfaToken := str(t, res, "mfaToken")
	st, res = h.do(t, "GET", "/sdk/"+env+"/users", up, nil)
	wantStatus(t, "GET /users after MFA", st, 200, res)

	again := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", base+"/auth/totp", again, map[string]any{"code": code})
	wantError(t, "the same code again", st, res, 422)
	wantEq(t, res, "code", "mfa_invalid_code")
	st, res = h.do(t, "POST", base+"/auth/recovery", again, map[string]any{"code": codes[0].(string)})
	wantStatus(t, "auth/recovery", st, 200, res)
	if dump(pfClaims(t, str(t, res, "minifiedJwt"))["amr"]) != `["wallet","recovery"]` {
		t.Fatalf("recovery amr %s", dump(res))
	}
	st, res = h.do(t, "POST", base+"/auth/recovery", str(t, h.mfSignIn(t, key), "minifiedJwt"), map[string]any{"code": codes[0].(string)})
	wantError(t, "the used recovery code again", st, res, 422)
	wantEq(t, res, "code", "mfa_invalid_code")
	st, res = h.do(t, "POST", "/sdk/"+env+"/users/mfa/recovery", up, nil)
	wantStatus(t, "new recovery codes", st, 200, res)

	// Deleting a device takes the single-use mfaToken, once.
	r := h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: up})
	wantError(t, "delete without mfaToken", r.status, r.json, 403)
	r = h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: up, header: map[string]string{"X-Mfa-Auth-Token": mfaToken}})
	wantStatus(t, "delete device", r.status, 204, r.json)
	r = h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: up, header: map[string]string{"X-Mfa-Auth-Token": mfaToken}})
	wantStatus(t, "the mfaToken again", r.status, 403, r.json)

	// Admin resets.
	h.mfEnroll(t, up)
	for _, rq := range []struct{ method, path string }{{"DELETE", "/users/" + str(t, first, "user.id") + "/mfa"},
		{"POST", "/users/" + str(t, first, "user.id") + "/mfa/reset"}} {
		st, res = h.do(t, rq.method, rq.path, h.token, nil)
		wantStatus(t, rq.method+" "+rq.path, st, 204, res)
		if sc := mfScope(t, str(t, h.mfSignIn(t, key), "minifiedJwt")); !mfHas(sc, "user:basic") {
			t.Fatalf("after %s the next sign-in is still pending: %v", rq.path, sc)
		}
		h.mfEnroll(t, up)
	}
	st, res = h.do(t, "DELETE", "/users/"+newUUID(t)+"/mfa", h.token, nil)
	wantError(t, "reset of an unknown user", st, res, 404)
}

// TestMFATOTPCodeRaceAcceptsOnce: the same code sent by four requests at
// once, from two pending sessions, upgrades exactly one.
func TestMFATOTPCodeRaceAcceptsOnce(t *testing.T) { mfBoth(t, noTune, testMFACodeRace) }

func testMFACodeRace(t *testing.T, h *harness) {
	h.mfSetMFA(t, map[string]any{"enabled": true})
	key, _ := crypto.GenerateKey()
	secret, _ := h.mfEnroll(t, str(t, h.mfSignIn(t, key), "minifiedJwt"))
	tokens := []string{str(t, h.mfSignIn(t, key), "minifiedJwt"), str(t, h.mfSignIn(t, key), "minifiedJwt")}
	path := "/sdk/" + h.ids.EnvironmentID + "/users/mfa/auth/totp"
	code := mfatest.TOTP(t, secret, time.Now())
	counts := mfStatuses(4, func(i int) int {
		st, _ := h.do(t, "POST", path, tokens[i%2], map[string]any{"code": code})
		return st
	})
	if counts[200] != 1 || counts[422] != 3 {
		t.Fatalf("the same code four times at once: %v, want 1×200 and 3×422", counts)
	}
}

func TestMFAWrongCodesLockUnderConcurrency(t *testing.T) {
	// Per-IP limits off: the lock under test is the per-user one.
	mfBoth(t, func(c *dynamicauth.Config) { c.RateLimits = &ratelimit.Policy{Disabled: true} }, testMFALock)
}

func testMFALock(t *testing.T, h *harness) {
	h.mfSetMFA(t, map[string]any{"enabled": true})
	key, _ := crypto.GenerateKey()
	secret, _ := h.mfEnroll(t, str(t, h.mfSignIn(t, key), "minifiedJwt"))
	ptok := str(t, h.mfSignIn(t, key), "minifiedJwt")
	path := "/sdk/" + h.ids.EnvironmentID + "/users/mfa/auth/totp"
	recovery := "/sdk/" + h.ids.EnvironmentID + "/users/mfa/auth/recovery"
	right := mfatest.TOTP(t, secret, time.Now())
	wrong := fmt.Sprintf("%06d", (atoi(right)+1)%1_000_000)
	// TOTP and recovery codes share the one per-user bound: guesses at
	// both at once get no more than 5 compared between them.
	counts := mfStatuses(30, func(i int) int {
		if i%2 == 1 {
			st, _ := h.do(t, "POST", recovery, ptok, map[string]any{"code": "AAAAA-AAAAA"})
			return st
		}
		st, _ := h.do(t, "POST", path, ptok, map[string]any{"code": wrong})
		return st
	})
	if counts[422] != 5 || counts[429] != 25 {
		t.Fatalf("30 parallel wrong TOTP and recovery codes: %v, want 5×422 then 25×429", counts)
	}
	st, res := h.do(t, "POST", path, ptok, map[string]any{"code": right})
	wantError(t, "the right code while locked", st, res, 429)
	wantEq(t, res, "code", "mfa_rate_limited")
}

// mfStatuses runs request n times at once and counts the statuses.
func mfStatuses(n int, request func(i int) int) map[int]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := request(i)
			mu.Lock()
			counts[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return counts
}

func rawJSON(b []byte) json.RawMessage { return json.RawMessage(b) }

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

func TestPasskeysRegisterSignInAndMFA(t *testing.T) { mfBoth(t, noTune, testPasskeysHTTP) }

func testPasskeysHTTP(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	origin := map[string]string{"Origin": "http://localhost:3000"}
	key, _ := crypto.GenerateKey()
	me := h.mfSignIn(t, key)
	token := str(t, me, "minifiedJwt")
	userID := str(t, me, "user.id")

	a, r := h.registerPasskey(t, env, userID, token)
	found := false
	for _, c := range list(t, r.json, "user.verifiedCredentials") {
		found = found || c.(map[string]any)["format"] == "passkey"
	}
	if !found {
		t.Fatalf("no passkey credential: %s", dump(r.json))
	}
	st, res := h.do(t, "GET", "/sdk/"+env+"/users/passkeys", token, nil)
	wantStatus(t, "list passkeys", st, 200, res)
	pkID := str(t, list(t, res, "passkeys")[0], "id")
	st, res = h.do(t, "PUT", "/sdk/"+env+"/users/passkeys", token, map[string]any{"id": pkID, "alias": "laptop"})
	wantStatus(t, "rename", st, 200, res)
	wantEq(t, res, "alias", "laptop")

	signIn := func() *response {
		r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/signin", header: origin})
		wantStatus(t, "signin options", r.status, 200, r.json)
		body, _ := a.Get(str(t, r.json, "challenge"))
		return h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: body, header: origin})
	}
	r = signIn()
	wantStatus(t, "passkey sign-in", r.status, 200, r.json)
	wantEq(t, r.json, "user.id", userID)
	if pfClaims(t, str(t, r.json, "minifiedJwt"))["sid"] == pfClaims(t, token)["sid"] {
		t.Fatal("a passkey sign-in reused a session")
	}

	// Passkey as the second factor of a pending session.
	h.mfSetMFA(t, map[string]any{"enabled": true})
	ptok := str(t, h.mfSignIn(t, key), "minifiedJwt")
	if !mfHas(mfScope(t, ptok), "requiresAdditionalAuth") {
		t.Fatal("a user with a passkey is MFA-pending when MFA is on")
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/users/mfa/methods", ptok, nil)
	wantStatus(t, "methods", st, 200, res)
	if len(list(t, res, "passkeys")) != 1 {
		t.Fatalf("methods: %s", dump(res))
	}
	// Registration options for another passkey: the answer would be
	// refused (the session must pass MFA first), so no authenticator is
	// asked to make one.
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/mfa/register/passkey", token: ptok, header: origin})
	wantError(t, "mfa register/passkey options while pending with a factor", r.status, r.json, 403)
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/authenticate", token: ptok, header: origin})
	wantStatus(t, "authenticate options", r.status, 200, r.json)
	body, _ := a.Get(str(t, r.json, "challenge"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/mfa/auth/passkey", token: ptok, body: body, header: origin})
	wantStatus(t, "auth/passkey", r.status, 200, r.json)
	up := str(t, r.json, "minifiedJwt")
	if pfClaims(t, up)["sid"] != pfClaims(t, ptok)["sid"] || !mfHas(mfScope(t, up), "user:basic") {
		t.Fatalf("auth/passkey claims %s", dump(pfClaims(t, up)))
	}
	// The same assertion again.
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/mfa/auth/passkey", token: ptok, body: body, header: origin})
	wantStatus(t, "replayed auth/passkey", r.status, 422, r.json)

	// MFA passkey registration (a second passkey) with the full session.
	b := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/mfa/register/passkey", token: up, header: origin})
	wantStatus(t, "mfa register/passkey options", b.status, 200, b.json)
	if len(list(t, b.json, "registration.excludeCredentials")) != 1 {
		t.Fatalf("excludeCredentials: %s", dump(b.json))
	}
	a2, _ := passkeytest.New("localhost", "http://localhost:3000")
	a2.UserHandle = []byte(userID)
	att, _ := a2.Create(str(t, b.json, "registration.challenge"), "clientDataJSON")
	register := func(proof map[string]string) *response {
		hdr := map[string]string{"Origin": origin["Origin"]}
		maps.Copy(hdr, proof)
		return h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/mfa/register/passkey", token: up,
			body: map[string]any{"id": str(t, b.json, "id"), "attestation": rawJSON(att)}, header: hdr})
	}
	// The user has a second factor (the first passkey): a session that
	// passed none in this request's place (a stolen one, say) cannot add
	// another; an mfaToken of a factor passed in it can.
	r = register(nil)
	wantError(t, "mfa register/passkey without proof of a factor", r.status, r.json, 403)
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/authenticate", token: up, header: origin})
	wantStatus(t, "authenticate options", r.status, 200, r.json)
	var assertion map[string]any
	raw, _ := a.Get(str(t, r.json, "challenge"))
	if err := json.Unmarshal(raw, &assertion); err != nil {
		t.Fatal(err)
	}
	assertion["createMfaToken"] = map[string]any{"singleUse": true}
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/mfa/auth/passkey", token: up, body: assertion, header: origin})
	wantStatus(t, "auth/passkey for an mfaToken", r.status, 200, r.json)
	r = register(map[string]string{"X-Mfa-Auth-Token": str(t, r.json, "mfaToken")})
	wantStatus(t, "mfa register/passkey", r.status, 200, r.json)

	// While passkeys are a second factor, deleting one takes proof of a
	// factor passed in the session too (a stolen session would delete the
	// only factor, then enroll its own as the first).
	st, res = h.do(t, "DELETE", "/sdk/"+env+"/users/passkeys", up, map[string]any{"passkeyId": pkID})
	wantError(t, "delete passkey without proof of a factor", st, res, 403)
	st, res = h.do(t, "GET", "/sdk/"+env+"/users/passkeys", up, nil)
	wantStatus(t, "list passkeys", st, 200, res)
	if n := len(list(t, res, "passkeys")); n != 2 {
		t.Fatalf("passkeys after the refused delete: %d, want 2", n)
	}

	h.mfSetMFA(t, map[string]any{"enabled": false})
	st, res = h.do(t, "DELETE", "/sdk/"+env+"/users/passkeys", token, map[string]any{"passkeyId": pkID})
	wantStatus(t, "delete passkey", st, 204, res)
	r = signIn()
	wantError(t, "deleted passkey", r.status, r.json, 404)
	wantEq(t, r.json, "code", "passkey_not_found")
}
