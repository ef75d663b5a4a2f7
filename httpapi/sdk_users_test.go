package httpapi_test

import (
	"testing"
)

// TestProfileChangeVerifiesEveryAddress: where an environment signs in
// by email and by SMS, a PUT /users that changes both may not store the
// phone number unverified while the email's verification starts (the
// phone number is in the JWT's phone_number claim, which such an
// environment only ever fills from a verified number).
func TestProfileChangeVerifiesEveryAddress(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			env := h.ids.EnvironmentID
			h.enableCodes(t, env, nil, "emailOnly", "sms")
			for _, tc := range []struct {
				name string
				body map[string]any
			}{
				{"email and phone", map[string]any{"email": "new@example.com", "phoneNumber": "+14155550177"}},
				{"phone and email", map[string]any{"phoneNumber": "+14155550178", "email": "other@example.com"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, _, jwt := h.signIn(t, env, newEVMWallet(t))
					st, res := h.do(t, "PUT", "/sdk/"+env+"/users", jwt, tc.body)
					if st == 200 && has(res, "user.phoneNumber") && str(t, res, "user.phoneNumber") != "" {
						t.Fatalf("the phone number was stored before it was verified: %s", dump(res))
					}
					wantStatus(t, "PUT /users with two addresses to verify", st, 400, res)
					st, res = h.do(t, "GET", "/sdk/"+env+"/users", jwt, nil)
					wantStatus(t, "GET /users", st, 200, res)
					if has(res, "phoneNumber") && str(t, res, "phoneNumber") != "" {
						t.Fatalf("the phone number was stored unverified: %s", dump(res))
					}
				})
			}
			// One at a time, each is verified first.
			_, _, jwt := h.signIn(t, env, newEVMWallet(t))
			st, res := h.do(t, "PUT", "/sdk/"+env+"/users", jwt, map[string]any{"phoneNumber": "+14155550179", "alias": "al"})
			wantStatus(t, "PUT /users with a new phone number", st, 200, res)
			wantEq(t, res, "nextView", "verify-sms")
			wantEq(t, res, "user.alias", "al")
			if has(res, "user.phoneNumber") && str(t, res, "user.phoneNumber") != "" {
				t.Fatalf("the phone number was stored before it was verified: %s", dump(res))
			}
			box.Code(t, "+14155550179")
		})
	}
}

// TestProfileEmailUniqueInAnyCase: two users of an environment may not
// hold the same email in two letter cases, non-ASCII letters included
// (SQLite's lower(), which the unique index uses, folds ASCII only).
func TestProfileEmailUniqueInAnyCase(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			env := h.ids.EnvironmentID
			for _, tc := range []struct{ first, second string }{
				{"al@example.com", "AL@example.com"},
				{"éve@example.com", "ÉVE@example.com"},
				{"ÉVA@example.com", "éva@example.com"},
				{"zoë@example.com", "ZOË@example.com"},
			} {
				t.Run(tc.second, func(t *testing.T) {
					_, _, a := h.signIn(t, env, newEVMWallet(t))
					st, res := h.do(t, "PUT", "/sdk/"+env+"/users", a, map[string]any{"email": tc.first})
					wantStatus(t, "first user's email", st, 200, res)
					_, _, b := h.signIn(t, env, newEVMWallet(t))
					st, res = h.do(t, "PUT", "/sdk/"+env+"/users", b, map[string]any{"email": tc.second})
					wantErrCode(t, "the same email in another case", st, res, 422, "email_already_exists")
				})
			}
			// An operator's new user neither.
			_, _, a := h.signIn(t, env, newEVMWallet(t))
			st, res := h.do(t, "PUT", "/sdk/"+env+"/users", a, map[string]any{"email": "léa@example.com"})
			wantStatus(t, "a user's email", st, 200, res)
			st, res = h.do(t, "POST", "/environments/"+env+"/users", h.token, map[string]any{"email": "LÉA@example.com"})
			wantErrCode(t, "an admin user with the email in another case", st, res, 422, "email_already_exists")
		})
	}
}
