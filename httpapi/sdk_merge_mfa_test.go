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
