package httpapi_test

import (
	"fmt"
	"sync"
	"testing"
)

// TestCodeVerifyNeedsTheUserUpdateStepUp: with the user.update MFA action
// required, PUT /users {email} needs an elevatedAccessToken, and so does
// the same change through emailVerifications/create and verify (a stolen
// session would otherwise put its own email on the account, a sign-in
// method): a verification that a stepped-up PUT /users of the session
// started needs nothing more, one started any other way needs the token.
func TestCodeVerifyNeedsTheUserUpdateStepUp(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			sdk := "/sdk/" + h.ids.EnvironmentID
			h.enableCodes(t, h.ids.EnvironmentID, nil, "emailOnly")
			h.mfSetMFA(t, map[string]any{"enabled": true, "actions": []any{map[string]any{"action": "user.update", "required": true}}})
			send := func(email string) string { return h.startEmailCode(t, h.ids.EnvironmentID, email) }
			verify := func(token, elevated, vid, email string, scopes ...string) *response {
				body := map[string]any{"verificationUUID": vid, "verificationToken": box.Code(t, email)}
				if scopes != nil {
					body["requestedScopes"] = scopes
				}
				return h.send(t, request{method: "POST", path: v0 + sdk + "/emailVerifications/verify", token: token, body: body,
					header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
			}
			vid := send("ada@example.com")
			st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid,
				"verificationToken": box.Code(t, "ada@example.com")})
			wantStatus(t, "sign in", st, 200, res)
			token := str(t, res, "minifiedJwt")

			st, res = h.do(t, "PUT", sdk+"/users", token, map[string]any{"email": "mallory@evil.example"})
			wantError(t, "PUT /users {email} without an elevated token", st, res, 403)
			r := verify(token, "", send("mallory@evil.example"), "mallory@evil.example")
			wantError(t, "emailVerifications/verify of a new email without an elevated token", r.status, r.json, 403)
			st, res = h.do(t, "GET", sdk+"/users", token, nil)
			wantStatus(t, "me", st, 200, res)
			wantEq(t, res, "email", "ada@example.com")

			// The user steps up with a code to their own address, changes
			// the email by PUT /users, and verifies it with no token again.
			r = verify(token, "", send("ada@example.com"), "ada@example.com", "user:update")
			wantStatus(t, "step-up by a code", r.status, 200, r.json)
			elevated := str(t, r.json, "elevatedAccessToken")
			r = h.send(t, request{method: "PUT", path: v0 + sdk + "/users", token: token, body: map[string]any{"email": "bo@example.com"},
				header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
			wantStatus(t, "PUT /users {email} with the elevated token", r.status, 200, r.json)
			wantEq(t, r.json, "nextView", "verify-email")
			r = verify(token, "", str(t, r.json, "emailVerification.verificationUUID"), "bo@example.com")
			wantStatus(t, "verify the change PUT /users started", r.status, 200, r.json)
			wantEq(t, r.json, "user.email", "bo@example.com")
			// A verification of the public route, with the token: allowed.
			r = verify(token, elevated, send("cy@example.com"), "cy@example.com")
			wantStatus(t, "emailVerifications/verify with the elevated token", r.status, 200, r.json)
		})
	}
}

// TestRefusedCodeVerifyKeepsTheProof: with user.update's step-up
// required and its tokens single-use, an emailVerifications/verify the
// link refuses (an address another user holds) spends not the
// elevatedAccessToken it came with: the same token then links a free
// address, once. Two verifies racing with one token: one passes.
func TestRefusedCodeVerifyKeepsTheProof(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			sdk := "/sdk/" + h.ids.EnvironmentID
			h.enableCodes(t, h.ids.EnvironmentID, nil, "emailOnly")
			h.requireUpdateStepUp(t)
			send := func(email string) string { return h.startEmailCode(t, h.ids.EnvironmentID, email) }
			signIn := func(email string) string {
				t.Helper()
				st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": send(email),
					"verificationToken": box.Code(t, email)})
				wantStatus(t, "sign in "+email, st, 200, res)
				return str(t, res, "minifiedJwt")
			}
			signIn("taken@example.com")
			token := signIn("ada@example.com")
			verifyID := func(elevated, vid, code string, scopes ...string) *response {
				body := map[string]any{"verificationUUID": vid, "verificationToken": code}
				if scopes != nil {
					body["requestedScopes"] = scopes
				}
				return h.send(t, request{method: "POST", path: v0 + sdk + "/emailVerifications/verify", token: token, body: body,
					header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
			}
			verify := func(elevated, email string, scopes ...string) *response {
				vid := send(email)
				return verifyID(elevated, vid, box.Code(t, email), scopes...)
			}
			stepUp := func() string {
				t.Helper()
				r := verify("", "ada@example.com", "user:update")
				wantStatus(t, "step-up by a code", r.status, 200, r.json)
				return str(t, r.json, "elevatedAccessToken")
			}

			elevated := stepUp()
			r := verify(elevated, "taken@example.com")
			wantError(t, "verify of another user's email with the elevated token", r.status, r.json, 422)
			wantEq(t, r.json, "code", "email_already_exists")
			r = verify(elevated, "bo@example.com")
			wantStatus(t, "the same elevated token with a free email", r.status, 200, r.json)
			r = verify(elevated, "cy@example.com")
			wantError(t, "the elevated token again (single-use)", r.status, r.json, 403)
			r = verify("not-a-token", "taken@example.com")
			wantError(t, "an unknown token with another user's email", r.status, r.json, 403)

			elevated = stepUp()
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i, email := range []string{"dee@example.com", "eve@example.com"} {
				vid := send(email)
				code := box.Code(t, email)
				wg.Go(func() { statuses[i] = verifyID(elevated, vid, code).status })
			}
			wg.Wait()
			if !(statuses[0] == 200 && statuses[1] == 403 || statuses[0] == 403 && statuses[1] == 200) {
				t.Fatalf("two verifies with one single-use token answered %v, want one 200 and one 403", statuses)
			}
		})
	}
}

// TestRefusedCodeVerifyKeepsTheCode: what emailVerifications/verify can
// refuse without the code (the user.update step-up missing or spent,
// requestedScopes of an address the user has not) is refused before the
// code is checked, so the same code then goes through. Wrong guesses
// still count at once: of 50 concurrent ones with a good proof, 5 are
// compared, and the right code is refused after them.
func TestRefusedCodeVerifyKeepsTheCode(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			sdk := "/sdk/" + h.ids.EnvironmentID
			h.enableCodes(t, h.ids.EnvironmentID, nil, "emailOnly")
			h.requireUpdateStepUp(t)
			send := func(email string) string { return h.startEmailCode(t, h.ids.EnvironmentID, email) }
			st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": send("ada@example.com"),
				"verificationToken": box.Code(t, "ada@example.com")})
			wantStatus(t, "sign in", st, 200, res)
			token := str(t, res, "minifiedJwt")
			verify := func(elevated, vid, code string, scopes ...string) *response {
				body := map[string]any{"verificationUUID": vid, "verificationToken": code}
				if scopes != nil {
					body["requestedScopes"] = scopes
				}
				return h.send(t, request{method: "POST", path: v0 + sdk + "/emailVerifications/verify", token: token, body: body,
					header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
			}
			stepUp := func() string {
				t.Helper()
				r := verify("", send("ada@example.com"), box.Code(t, "ada@example.com"), "user:update")
				wantStatus(t, "step-up by a code", r.status, 200, r.json)
				return str(t, r.json, "elevatedAccessToken")
			}

			vid, code := send("bo@example.com"), box.Code(t, "bo@example.com")
			r := verify("", vid, code)
			wantError(t, "verify without the elevated token", r.status, r.json, 403)
			r = verify("not-a-token", vid, code)
			wantError(t, "verify with an unknown token", r.status, r.json, 403)
			r = verify("", vid, code, "user:update")
			wantErrCode(t, "requestedScopes with a code to a new address", r.status, r.json, 422, "invalid_scopes")
			elevated := stepUp()
			r = verify(elevated, vid, code)
			wantStatus(t, "the same code with the elevated token", r.status, 200, r.json)
			wantEq(t, r.json, "user.email", "bo@example.com")

			vid, code = send("cy@example.com"), box.Code(t, "cy@example.com")
			r = verify(elevated, vid, code)
			wantError(t, "verify with a spent single-use token", r.status, r.json, 403)
			r = verify(stepUp(), vid, code)
			wantStatus(t, "the same code with a fresh token", r.status, 200, r.json)

			vid, code = send("dee@example.com"), box.Code(t, "dee@example.com")
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			elevated = stepUp()
			counts := map[string]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range 50 {
				wg.Go(func() {
					r := verify(elevated, vid, wrong)
					c, _ := at(r.json, "code")
					mu.Lock()
					counts[fmt.Sprint(r.status, " ", c)]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if counts["422 wrong_email_verification_token"] != 5 || counts["422 too_many_email_verification_attempts"] != 45 {
				t.Fatalf("50 concurrent wrong guesses answered %v; want 5 checked and 45 locked", counts)
			}
			r = verify(elevated, vid, code)
			wantErrCode(t, "the right code after the lock", r.status, r.json, 422, "too_many_email_verification_attempts")
		})
	}
}
