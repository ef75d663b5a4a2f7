package httpapi_test

import (
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestMFAEnrollThroughAuthTOTP: Dynamic's JS SDK enrolls a TOTP device
// with GET register/totp and then auth/totp naming the new device (not
// register/totp's POST): the device's first code verifies it and upgrades
// the session. Another user's session cannot name the device, and a
// session still pending MFA cannot confirm a waiting device that way while
// the user has a verified one (the first factor alone must not add a
// second), nor may a full session without proof of a factor passed in
// it (stepUp/check says so for credential:link). PUT users/mfa/{id} without a body, as the SDK's
// setDefaultMfaDevice sends it, makes the device the default.
func TestMFAEnrollThroughAuthTOTP(t *testing.T) { mfBoth(t, noTune, testMFAEnrollThroughAuth) }

func testMFAEnrollThroughAuth(t *testing.T, h *harness) {
	base := "/sdk/" + h.ids.EnvironmentID + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true, "required": false})
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	register := func(token string) (id, secret string) {
		t.Helper()
		st, res := h.do(t, "GET", base+"/register/totp", token, nil)
		wantStatus(t, "register/totp GET", st, 200, res)
		return str(t, res, "id"), str(t, res, "secret")
	}
	authTOTP := func(token, id, secret string) (int, any) {
		return h.do(t, "POST", base+"/auth/totp", token, map[string]any{"id": id, "code": mfatest.TOTP(t, secret, time.Now())})
	}
	device := func(token, id string) any {
		t.Helper()
		st, res := h.do(t, "GET", base+"/"+id, token, nil)
		wantStatus(t, "get device", st, 200, res)
		return res
	}

	id1, secret1 := register(full)
	otherKey, _ := crypto.GenerateKey()
	other := str(t, h.mfSignIn(t, otherKey), "minifiedJwt")
	st, res := authTOTP(other, id1, secret1)
	wantError(t, "another user's waiting device", st, res, 404)
	wantEq(t, device(full, id1), "verified", false)

	st, res = authTOTP(full, id1, secret1)
	wantStatus(t, "auth/totp naming the waiting device", st, 200, res)
	up := str(t, res, "minifiedJwt")
	if amr, _ := pfClaims(t, up)["amr"].([]any); !slices.Contains(amr, any("totp")) {
		t.Fatalf("amr of the enrolled session: %s", dump(pfClaims(t, up)))
	}
	d := device(up, id1)
	wantEq(t, d, "verified", true)
	wantEq(t, d, "default", true)

	// Adding a second device takes proof of a factor passed in the session
	// (Dynamic: registerTotpMfaDevice needs an elevatedAccessToken with
	// credential:link): the full session alone, a stolen one say, cannot
	// enroll a device of its own to pass every later check with.
	st, res = h.do(t, "GET", base+"/register/totp", up, nil)
	wantError(t, "a second device without proof of a factor", st, res, 403)
	st, res = h.do(t, "POST", "/sdk/"+h.ids.EnvironmentID+"/stepUp/check", up, map[string]any{"scope": "credential:link"})
	wantStatus(t, "stepUp/check credential:link", st, 200, res)
	wantEq(t, res, "isRequired", true)
	st, res = h.do(t, "POST", base+"/auth/totp", up, map[string]any{"id": id1, "code": mfatest.Code(t, secret1, 1),
		"requestedScopes": []string{"credential:link"}})
	wantStatus(t, "auth/totp for credential:link", st, 200, res)
	r := h.send(t, request{method: "GET", path: v0 + base + "/register/totp", token: up,
		header: map[string]string{"X-Dyn-Elevated-Access-Token": str(t, res, "elevatedAccessToken")}})
	wantStatus(t, "register/totp GET with the elevated token", r.status, 200, r.json)
	id2, secret2 := str(t, r.json, "id"), str(t, r.json, "secret")

	// The second device waits; the next sign-in is pending and may not
	// confirm it (the refusal spends nothing).
	pending := str(t, h.mfSignIn(t, key), "minifiedJwt")
	if !mfHas(mfScope(t, pending), "requiresAdditionalAuth") {
		t.Fatalf("not pending: %v", mfScope(t, pending))
	}
	st, res = authTOTP(pending, id2, secret2)
	wantError(t, "a pending session confirming a waiting device", st, res, 403)
	wantEq(t, device(up, id2), "verified", false)
	st, res = authTOTP(up, id2, secret2)
	wantStatus(t, "the full session confirms it", st, 200, res)
	wantEq(t, device(up, id2), "verified", true)
	wantEq(t, device(up, id2), "default", false)

	r = h.send(t, request{method: "PUT", path: v0 + base + "/" + id2, token: up, body: ""})
	wantStatus(t, "PUT without a body (setDefaultMfaDevice)", r.status, 204, r.json)
	wantEq(t, device(up, id2), "default", true)
	wantEq(t, device(up, id1), "default", false)
	st, res = h.do(t, "PUT", base+"/"+id1, up, map[string]any{"default": "yes"})
	wantError(t, "a body that is not MFAUpdateDeviceRequest", st, res, 400)
	wantEq(t, device(up, id2), "default", true)
}
