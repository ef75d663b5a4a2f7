package httpapi_test

import "testing"

// TestUnverifiedEmailDoesNotLockOutOwner: while email codes are off, PUT
// /users stores a profile email unverified. Once they are on, the
// address's owner is not kept out by whoever typed it first: their code
// sign-in creates their own user (never the claimant's) and their verify
// adds it to their account, and the claimant's profile loses it. An email
// an operator gave a user is that user's: the address's code sign-in signs
// in to them.
func TestUnverifiedEmailDoesNotLockOutOwner(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testUnverifiedEmailClaims(t, backend) })
	}
}

func testUnverifiedEmailClaims(t *testing.T, backend string) {
	h, box := newCodeHarness(t, backend)
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env

	// Email codes off: Mallory's profile takes Victor's address, Mike's
	// Wendy's.
	mallory, _, mjwt := h.signIn(t, env, newEVMWallet(t))
	_, _, kjwt := h.signIn(t, env, newEVMWallet(t))
	for jwt, email := range map[string]string{mjwt: "victor@example.com", kjwt: "wendy@example.com"} {
		st, res := h.do(t, "PUT", sdk+"/users", jwt, map[string]any{"email": email})
		wantStatus(t, "PUT /users "+email+" with codes off", st, 200, res)
		wantEq(t, res, "nextView", "done")
		wantEq(t, res, "user.email", email)
	}
	olga := str(t, h.createUser(t, env, map[string]any{"email": "olga@example.com"}), "id")
	wendy, _, wjwt := h.signIn(t, env, newEVMWallet(t))
	h.enableCodes(t, env, nil, "emailOnly")

	code := func(email string) string { return h.startEmailCode(t, env, email) }
	vid := code("victor@example.com")
	st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid,
		"verificationToken": box.Code(t, "victor@example.com")})
	wantStatus(t, "victor's code sign-in", st, 200, res)
	wantEq(t, res, "user.newUser", true)
	wantEq(t, res, "user.email", "victor@example.com")
	if str(t, res, "user.id") == mallory {
		t.Fatal("victor was signed in to mallory's account")
	}

	// Wendy verifies her address on her (wallet) account.
	st, res = h.do(t, "PUT", sdk+"/users", wjwt, map[string]any{"email": "wendy@example.com"})
	wantStatus(t, "PUT /users wendy's address", st, 200, res)
	wantEq(t, res, "nextView", "verify-email")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/verify", wjwt, map[string]any{
		"verificationUUID": str(t, res, "emailVerification.verificationUUID"), "verificationToken": box.Code(t, "wendy@example.com")})
	wantStatus(t, "wendy's verify", st, 200, res)
	wantEq(t, res, "user.id", wendy)
	wantEq(t, res, "user.email", "wendy@example.com")

	for _, jwt := range []string{mjwt, kjwt} {
		st, res = h.do(t, "GET", sdk+"/users", jwt, nil)
		wantStatus(t, "a claimant's user", st, 200, res)
		if has(res, "user.email") && str(t, res, "user.email") != "" {
			t.Fatalf("a claimant kept an address its owner proved: %s", dump(res))
		}
	}

	// The operator's user.
	vid = code("olga@example.com")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid,
		"verificationToken": box.Code(t, "olga@example.com")})
	wantStatus(t, "olga's code sign-in", st, 200, res)
	wantEq(t, res, "user.id", olga)
	wantEq(t, res, "user.newUser", false)
	wantEq(t, res, "user.email", "olga@example.com")
}
