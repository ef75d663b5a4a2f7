package httpapi_test

import (
	"slices"
	"testing"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
)

// TestExternalJWTClaims: an external-JWT sign-in copies the token's email
// onto the user only when the token says it is verified (or the
// environment assumes so for a token without the claim), and its names
// (given_name/family_name, else name split); an email another user has
// refuses the sign-in whole; the user is found again by issuer and sub.
func TestExternalJWTClaims(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testExternalJWTClaims(t, newHarnessOn(t, backend)) })
	}
}

func testExternalJWTClaims(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	app := externaljwttest.New(t)
	cfg := map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic", "jwksUrl": app.URL}
	h.enableExternalAuth(t, env, cfg)
	signIn := func(claims map[string]any) (int, any) {
		t.Helper()
		if _, ok := claims["email_verified"]; !ok {
			claims["email_verified"] = nil
		}
		return h.do(t, "POST", "/sdk/"+env+"/externalAuth/signin", "", map[string]any{"jwt": app.Token(t, claims)})
	}
	formats := func(res any) []string {
		var out []string
		for _, c := range list(t, res, "user.verifiedCredentials") {
			out = append(out, str(t, c, "format")+":"+str(t, c, "public_identifier"))
		}
		slices.Sort(out)
		return out
	}
	wantFormats := func(what string, res any, want ...string) {
		t.Helper()
		if got := formats(res); !slices.Equal(got, want) {
			t.Fatalf("%s: credentials %v, want %v", what, got, want)
		}
	}

	// Verified: email and names copied, the email a credential too.
	st, res := signIn(map[string]any{"sub": "u-ada", "email": "Ada@Example.com", "email_verified": true,
		"given_name": "Ada", "family_name": "Lovelace", "name": "ignored when given_name is there"})
	wantStatus(t, "verified email", st, 200, res)
	ada := str(t, res, "user.id")
	wantEq(t, res, "user.email", "ada@example.com")
	wantEq(t, res, "user.firstName", "Ada")
	wantEq(t, res, "user.lastName", "Lovelace")
	wantFormats("verified email", res, "email:ada@example.com", "externalUser:u-ada")

	// Unverified (explicitly false, or no claim without
	// assumeEmailVerified): names only; "name" split when alone.
	st, res = signIn(map[string]any{"sub": "u-bob", "email": "bob@example.com", "email_verified": false, "name": "Bob van Dijk"})
	wantStatus(t, "unverified email", st, 200, res)
	bob := str(t, res, "user.id")
	if has(res, "user.email") && str(t, res, "user.email") != "" {
		t.Fatalf("an unverified email was copied: %s", dump(res))
	}
	wantEq(t, res, "user.firstName", "Bob")
	wantEq(t, res, "user.lastName", "van Dijk")
	wantFormats("unverified email", res, "externalUser:u-bob")
	st, res = signIn(map[string]any{"sub": "u-carol", "email": "carol@example.com"})
	wantStatus(t, "no email_verified claim", st, 200, res)
	wantFormats("no email_verified claim", res, "externalUser:u-carol")

	// assumeEmailVerified fills in a missing claim; an explicit false wins.
	cfg["assumeEmailVerified"] = true
	h.enableExternalAuth(t, env, cfg)
	st, res = signIn(map[string]any{"sub": "u-dora", "email": "dora@example.com"})
	wantStatus(t, "assumed verified", st, 200, res)
	wantEq(t, res, "user.email", "dora@example.com")
	wantFormats("assumed verified", res, "email:dora@example.com", "externalUser:u-dora")
	st, res = signIn(map[string]any{"sub": "u-eve", "email": "eve@example.com", "email_verified": false})
	wantStatus(t, "explicitly unverified, assumed", st, 200, res)
	wantFormats("explicitly unverified, assumed", res, "externalUser:u-eve")

	// An email another user has refuses the sign-in, new user or returning
	// one, and writes nothing: no user, credential, session or event.
	owned := h.createUser(t, env, map[string]any{"email": "frank@example.com"})
	users, _ := h.listUsers(t, h.token, env, "")
	events, _ := h.eventPages(t, env, "")
	for _, c := range []struct{ what, sub, email string }{
		{"a new sub with a credential's email", "u-mallory", "ada@example.com"},
		{"a new sub with another case of it", "u-mallory", "ADA@example.com"},
		{"a new sub with an admin-made user's email", "u-mallory", "frank@example.com"},
		{"a returning sub taking another's email", "u-bob", "ada@example.com"},
	} {
		st, res := signIn(map[string]any{"sub": c.sub, "email": c.email, "email_verified": true, "given_name": "Mallory"})
		wantError(t, c.what, st, res, 422)
		wantEq(t, res, "code", "user_has_already_account_with_email")
	}
	if n, _ := h.listUsers(t, h.token, env, ""); n != users {
		t.Fatalf("refused sign-ins changed the user count from %d to %d", users, n)
	}
	if after, _ := h.eventPages(t, env, ""); len(after) != len(events) {
		t.Fatalf("refused sign-ins wrote %d events", len(after)-len(events))
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/users/"+bob, h.token, nil)
	wantStatus(t, "bob after the refusal", st, 200, res)
	if e, _ := at(res, "user.email"); e != nil && e != "" {
		t.Fatalf("the refused sign-in set bob's email: %v", e)
	}
	wantEq(t, res, "user.firstName", "Bob")
	_ = owned

	// The same issuer and sub find the same user, whose names follow the
	// token; the email it has is not linked twice.
	st, res = signIn(map[string]any{"sub": "u-ada", "email": "ada@example.com", "email_verified": true,
		"given_name": "Augusta Ada", "family_name": "King"})
	wantStatus(t, "second sign-in", st, 200, res)
	wantEq(t, res, "user.id", ada)
	wantEq(t, res, "user.newUser", false)
	wantEq(t, res, "user.firstName", "Augusta Ada")
	wantEq(t, res, "user.lastName", "King")
	wantFormats("second sign-in", res, "email:ada@example.com", "externalUser:u-ada")
	// A returning user whose token now carries a verified email gets it.
	st, res = signIn(map[string]any{"sub": "u-bob", "email": "bob@example.com", "email_verified": true})
	wantStatus(t, "bob verified later", st, 200, res)
	wantEq(t, res, "user.id", bob)
	wantEq(t, res, "user.email", "bob@example.com")
	wantFormats("bob verified later", res, "email:bob@example.com", "externalUser:u-bob")
	linked := 0
	after, _ := h.eventPages(t, env, "")
	for _, e := range after {
		if e["eventName"] == "user.email.linked" {
			linked++
		}
	}
	if linked != 3 { // ada, dora, bob
		t.Fatalf("%d user.email.linked events, want 3", linked)
	}
}
