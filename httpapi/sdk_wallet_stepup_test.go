package httpapi_test

import (
	"testing"
)

// TestWalletStepUp: a wallet proof with requestedScopes (Dynamic's JS
// SDK's verifyWalletAccount, posted to wallets/verify) re-proves a wallet
// the user has: an elevatedAccessToken of the session, its nonce used up,
// nothing linked. A wallet the user does not have earns nothing (and its
// proof still serves a plain link); a user with an MFA method steps up
// with it, not with a wallet.
func TestWalletStepUp(t *testing.T) { mfBoth(t, noTune, testWalletStepUp) }

func testWalletStepUp(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	path := v0 + "/sdk/" + env + "/wallets/verify"
	h.mfSetMFA(t, map[string]any{"enabled": true, "required": false})
	w := newEVMWallet(t)
	st, res := h.signInAttempt(t, env, w, "")
	wantStatus(t, "sign in", st, 200, res)
	token := str(t, res, "minifiedJwt")
	stepUp := func(wallet evmWallet, scopes ...string) (map[string]any, *response) {
		body := h.walletBody(t, env, wallet)
		if scopes != nil {
			body["requestedScopes"] = scopes
		}
		return body, h.send(t, request{method: "POST", path: path, token: token, body: body})
	}

	body, r := stepUp(w, "credential:link")
	wantStatus(t, "step up with the user's wallet", r.status, 200, r.json)
	elevated := pfClaims(t, str(t, r.json, "elevatedAccessToken"))
	if elevated["scope"] != "credential:link" || elevated["sid"] != pfClaims(t, token)["sid"] {
		t.Fatalf("elevated claims %s", dump(elevated))
	}
	if n := len(list(t, r.json, "user.verifiedCredentials")); n != 1 {
		t.Fatalf("%d credentials after a step-up, want 1", n)
	}
	replay := h.send(t, request{method: "POST", path: path, token: token, body: body})
	wantError(t, "the same proof again", replay.status, replay.json, 422)

	_, r = stepUp(w, "user:basic")
	wantError(t, "a scope that is not a token scope", r.status, r.json, 422)
	wantEq(t, r.json, "code", "invalid_scopes")

	other := newEVMWallet(t)
	body, r = stepUp(other, "credential:link")
	wantError(t, "a wallet the user does not have", r.status, r.json, 422)
	wantEq(t, r.json, "code", "invalid_scopes")
	delete(body, "requestedScopes")
	r = h.send(t, request{method: "POST", path: path, token: token, body: body})
	wantStatus(t, "the same proof links it", r.status, 200, r.json)
	if has(r.json, "elevatedAccessToken") {
		t.Fatalf("a link earned an elevated token: %s", dump(r.json))
	}

	walletsOffered := func() int {
		t.Helper()
		st, res := h.do(t, "POST", "/sdk/"+env+"/stepUp/check", token, map[string]any{"scope": "credential:link"})
		wantStatus(t, "stepUp/check", st, 200, res)
		n := 0
		for _, c := range list(t, res, "credentials") {
			if c.(map[string]any)["format"] == "blockchain" {
				n++
			}
		}
		return n
	}
	if n := walletsOffered(); n != 2 {
		t.Fatalf("stepUp/check offers %d wallets, want the user's 2", n)
	}
	h.mfEnroll(t, token)
	if n := walletsOffered(); n != 0 {
		t.Fatalf("stepUp/check offers %d wallets to a user with an MFA method", n)
	}
	_, r = stepUp(w, "credential:link")
	wantError(t, "a user with an MFA method", r.status, r.json, 422)
	wantEq(t, r.json, "code", "invalid_scopes")
}

// TestCodeStepUp: a code sent to an address the signed-in user has, with
// requestedScopes (the JS SDK's verifyOTP while signed in), answers an
// elevatedAccessToken and links nothing; a code to another address with
// requestedScopes is refused and links nothing either.
func TestCodeStepUp(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testCodeStepUp(t, backend) })
	}
}

func testCodeStepUp(t *testing.T, backend string) {
	h, box := newCodeHarness(t, backend)
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly")
	h.mfSetMFA(t, map[string]any{"enabled": true, "required": false})
	send := func(email string) string { return h.startEmailCode(t, env, email) }
	vid := send("ada@example.com")
	st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid,
		"verificationToken": box.Code(t, "ada@example.com")})
	wantStatus(t, "sign in", st, 200, res)
	token := str(t, res, "minifiedJwt")

	vid = send("ada@example.com")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", token, map[string]any{"verificationUUID": vid,
		"verificationToken": box.Code(t, "ada@example.com"), "requestedScopes": []string{"user:update"}})
	wantStatus(t, "a code to the user's own email, with requestedScopes", st, 200, res)
	if c := pfClaims(t, str(t, res, "elevatedAccessToken")); c["scope"] != "user:update" || c["sid"] != pfClaims(t, token)["sid"] {
		t.Fatalf("elevated claims %s", dump(c))
	}

	vid = send("bob@example.com")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", token, map[string]any{"verificationUUID": vid,
		"verificationToken": box.Code(t, "bob@example.com"), "requestedScopes": []string{"user:update"}})
	wantError(t, "a code to another address, with requestedScopes", st, res, 422)
	wantEq(t, res, "code", "invalid_scopes")
	st, res = h.do(t, "GET", sdk+"/users", token, nil)
	wantStatus(t, "the user", st, 200, res)
	if n := len(list(t, res, "verifiedCredentials")); n != 1 {
		t.Fatalf("%d credentials after two step-ups, want 1: %s", n, dump(res))
	}
}
