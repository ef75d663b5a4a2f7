package httpapi_test

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestMFATokenServesOnlyItsSession is the attack on the mfaToken: it is
// proof that a second factor was passed in one session, so another
// session of the same user (a stolen token pair that only passed the
// first factor, or a sign-in elsewhere), a session of another user, or
// the revoked session itself must not get a sensitive action done with
// it.
func TestMFATokenServesOnlyItsSession(t *testing.T) { mfBoth(t, noTune, testMFATokenSession) }

func testMFATokenSession(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true})
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	secret, dev := h.mfEnroll(t, full)
	devID := str(t, dev, "id")
	st, res := h.do(t, "GET", base+"/recovery", full, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	codes := list(t, res, "recoveryCodes")

	// Session A passes TOTP and gets a time-bound mfaToken.
	a := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", base+"/auth/totp", a, map[string]any{"code": mfatest.TOTP(t, secret, time.Now()),
		"createMfaToken": map[string]any{"singleUse": false}})
	wantStatus(t, "A: auth/totp", st, 200, res)
	upA, tokA := str(t, res, "minifiedJwt"), str(t, res, "mfaToken")

	// Session B of the same user passes MFA too, without asking for one.
	b := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", base+"/auth/recovery", b, map[string]any{"code": codes[0].(string)})
	wantStatus(t, "B: auth/recovery", st, 200, res)
	upB := str(t, res, "minifiedJwt")

	del := func(token, mfaToken string) *response {
		return h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: token,
			header: map[string]string{"X-Mfa-Auth-Token": mfaToken}})
	}
	r := del(upB, tokA)
	wantError(t, "A's mfaToken in session B", r.status, r.json, 403)

	other, _ := crypto.GenerateKey()
	otherTok := str(t, h.mfSignIn(t, other), "minifiedJwt")
	r = h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: otherTok,
		header: map[string]string{"X-Mfa-Auth-Token": tokA}})
	if r.status != 403 && r.status != 404 {
		t.Fatalf("A's mfaToken for another user: %d %s", r.status, dump(r.json))
	}

	// A is revoked: its token serves no session any more.
	st, res = h.do(t, "POST", "/sdk/"+env+"/revoke", upA, nil)
	if st/100 != 2 {
		t.Fatalf("revoke A: %d %s", st, dump(res))
	}
	r = del(upA, tokA)
	wantError(t, "A's mfaToken with A's revoked session", r.status, r.json, 401)
	r = del(upB, tokA)
	wantError(t, "A's mfaToken in B after A was revoked", r.status, r.json, 403)

	// The device is still there, and B's own proof still works.
	st, res = h.do(t, "GET", base+"/"+devID, upB, nil)
	wantStatus(t, "device survived", st, 200, res)
	st, res = h.do(t, "POST", base+"/auth/recovery", upB, map[string]any{"code": codes[1].(string),
		"createMfaToken": map[string]any{"singleUse": true}})
	wantStatus(t, "B: auth/recovery with an mfaToken", st, 200, res)
	r = del(str(t, res, "minifiedJwt"), str(t, res, "mfaToken"))
	wantStatus(t, "B's own mfaToken", r.status, 204, r.json)
}
