package httpapi_test

import (
	"slices"
	"strings"
	"testing"
)

// A merge's proof is one wallet's signature: it must not hand over an
// account whose sign-in asks for a second factor. Whoever holds only
// Bob's wallet key cannot sign in as Bob (he has a TOTP device), and must
// not take his account by linking that wallet and merging.
func TestMergeRefusesAnAccountProtectedByMFA(t *testing.T) {
	mfBoth(t, noTune, testMergeRefusesProtected)
}

func testMergeRefusesProtected(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	h.mfSetMFA(t, map[string]any{"enabled": true, "required": false})
	// account is a user with two wallets (so a link of either offers a
	// merge, not a transfer).
	account := func() (id, jwt string, ws []evmWallet) {
		ws = []evmWallet{newEVMWallet(t), newEVMWallet(t)}
		id, _, jwt = h.signIn(t, env, ws[0])
		st, res := h.walletCall(t, env, ws[1], "/verify/link", jwt, "")
		wantStatus(t, "link a second wallet", st, 200, res)
		return id, str(t, res, "minifiedJwt"), ws
	}
	unchanged := func(what, id string, ws []evmWallet) {
		t.Helper()
		want := []string{strings.ToLower(ws[0].address), strings.ToLower(ws[1].address)}
		if got := h.walletsOf(t, env, id); !slices.Equal(got, want) && !slices.Equal(got, []string{want[1], want[0]}) {
			t.Fatalf("%s: the protected account has %v, want %v", what, got, want)
		}
	}
	_, _, mallory := h.signIn(t, env, newEVMWallet(t))

	bob, bobJWT, bobWallets := account()
	h.mfEnroll(t, bobJWT)
	st, res := h.walletCall(t, env, bobWallets[0], "/verify/link", mallory, "")
	wantError(t, "link a wallet of an account with MFA", st, res, 422)
	wantEq(t, res, "code", "merge_accounts_invalid")
	unchanged("after the link", bob, bobWallets)

	// A merge offered before the owner enrolled is refused once they have.
	carol, carolJWT, carolWallets := account()
	st, res = h.walletCall(t, env, carolWallets[0], "/verify/link", mallory, "")
	wantError(t, "link a wallet of an account without MFA", st, res, 422)
	wantEq(t, res, "code", "merge_accounts_confirmation")
	h.mfEnroll(t, carolJWT)
	for _, path := range []string{"/verify/merge", "/users/merge"} {
		st, res = h.do(t, "POST", "/sdk/"+env+path, mallory, map[string]any{"mergeUserResolutions": []any{}})
		wantError(t, path+" of an account that enrolled since", st, res, 422)
		wantEq(t, res, "code", "merge_accounts_invalid")
		unchanged(path, carol, carolWallets)
	}
}

// A merge moves every credential of the other account to the caller,
// passkeys included: a passkey of the merged account signs in to the
// account it joined (and is listed there), as its wallets do. Its
// authenticator still answers with the user handle it was registered
// under, the merged user's id.
func TestMergeCarriesPasskeys(t *testing.T) {
	mfBoth(t, noTune, testMergeCarriesPasskeys)
}

func testMergeCarriesPasskeys(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	origin := map[string]string{"Origin": "http://localhost:3000"}
	ws := []evmWallet{newEVMWallet(t), newEVMWallet(t)}
	bob, _, bobJWT := h.signIn(t, env, ws[0])
	st, res := h.walletCall(t, env, ws[1], "/verify/link", bobJWT, "")
	wantStatus(t, "link a second wallet", st, 200, res)
	bobJWT = str(t, res, "minifiedJwt")
	a, _ := h.registerPasskey(t, env, bob, bobJWT)

	aliceWallet := newEVMWallet(t)
	alice, _, aliceJWT := h.signIn(t, env, aliceWallet)
	st, res = h.walletCall(t, env, ws[0], "/verify/link", aliceJWT, "")
	wantError(t, "link a wallet of another account", st, res, 422)
	wantEq(t, res, "code", "merge_accounts_confirmation")
	st, res = h.do(t, "POST", "/sdk/"+env+"/verify/merge", aliceJWT, map[string]any{"mergeUserResolutions": []any{}})
	wantStatus(t, "merge", st, 200, res)
	aliceJWT = str(t, res, "minifiedJwt")

	st, res = h.do(t, "GET", "/sdk/"+env+"/users/passkeys", aliceJWT, nil)
	wantStatus(t, "list passkeys", st, 200, res)
	if n := len(list(t, res, "passkeys")); n != 1 {
		t.Fatalf("the merged account's passkey: %d listed, want 1: %s", n, dump(res))
	}
	r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/signin", header: origin})
	wantStatus(t, "signin options", r.status, 200, r.json)
	body, _ := a.Get(str(t, r.json, "challenge"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: body, header: origin})
	wantStatus(t, "sign in with the merged account's passkey", r.status, 200, r.json)
	wantEq(t, r.json, "user.id", alice)

	// And it is the joined account's second factor once MFA is on.
	h.mfSetMFA(t, map[string]any{"enabled": true})
	_, _, pending := h.signIn(t, env, aliceWallet)
	if !mfHas(mfScope(t, pending), "requiresAdditionalAuth") {
		t.Fatal("the account with the merged passkey is not MFA-pending")
	}
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/authenticate", token: pending, header: origin})
	wantStatus(t, "authenticate options", r.status, 200, r.json)
	body, _ = a.Get(str(t, r.json, "challenge"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/mfa/auth/passkey", token: pending, body: body, header: origin})
	wantStatus(t, "MFA with the merged account's passkey", r.status, 200, r.json)
	if !mfHas(mfScope(t, str(t, r.json, "minifiedJwt")), "user:basic") {
		t.Fatal("auth/passkey left the session pending")
	}
	// Another user handle for the passkey is refused.
	a.UserHandle = []byte(alice)
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/authenticate", token: pending, header: origin})
	wantStatus(t, "authenticate options", r.status, 200, r.json)
	body, _ = a.Get(str(t, r.json, "challenge"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/mfa/auth/passkey", token: pending, body: body, header: origin})
	wantError(t, "an assertion naming another user handle", r.status, r.json, 422)
}
