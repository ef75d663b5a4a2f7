package httpapi_test

import "testing"

// allowNewMFALinking on a code sign-in (the JS SDK's verifyOTP): with MFA
// optional and no MFA method yet, the answer carries an
// elevatedAccessToken with credential:link for the new session, which
// then proves the factor a later device is added with; otherwise none.
func TestCodeSignInAllowNewMFALinking(t *testing.T) {
	h, box := newCodeHarness(t, "sqlite")
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly")
	signIn := func(email string, allow bool) map[string]any {
		t.Helper()
		st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": email})
		wantStatus(t, "create "+email, st, 200, res)
		body := map[string]any{"verificationUUID": str(t, res, "verificationUUID"), "verificationToken": box.Code(t, email)}
		if allow {
			body["allowNewMFALinking"] = true
		}
		st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", body)
		wantStatus(t, "sign in "+email, st, 200, res)
		return res.(map[string]any)
	}
	if res := signIn("off@example.com", true); res["elevatedAccessToken"] != nil {
		t.Fatalf("MFA off: an elevated token was given: %s", dump(res))
	}
	h.mfSetMFA(t, map[string]any{"enabled": true, "required": false})
	if res := signIn("ada@example.com", false); res["elevatedAccessToken"] != nil {
		t.Fatalf("not asked: an elevated token was given: %s", dump(res))
	}
	res := signIn("ada@example.com", true)
	token, linking := str(t, res, "minifiedJwt"), str(t, res, "elevatedAccessToken")
	if c := pfClaims(t, linking); c["scope"] != "credential:link" || c["sid"] != pfClaims(t, token)["sid"] {
		t.Fatalf("elevated claims %s", dump(c))
	}

	// With a device, adding another takes proof: the sign-in's token is it.
	h.mfEnroll(t, token)
	reg := request{method: "GET", path: v0 + sdk + "/users/mfa/register/totp", token: token}
	if r := h.send(t, reg); r.status != 403 {
		t.Fatalf("a second device without proof: %d %s", r.status, dump(r.json))
	}
	reg.header = map[string]string{"X-Dyn-Elevated-Access-Token": linking}
	if r := h.send(t, reg); r.status != 200 {
		t.Fatalf("a second device with the sign-in's credential:link token: %d %s", r.status, dump(r.json))
	}
	// Now the user has a method: a sign-in is MFA-pending and gets none.
	if res := signIn("ada@example.com", true); res["elevatedAccessToken"] != nil {
		t.Fatalf("a user with a device was given a credential:link token at sign-in: %s", dump(res))
	}
}
