package httpapi_test

import (
	"slices"
	"testing"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
)

// TestAccessDecidedAtSocialSignIn: a social sign-in (against zitadel's
// OP) is decided on the account and the email the provider verified: a
// block list on the email's domain refuses it, a members-only list
// without the email refuses it, and neither writes a user; listed by
// email, the user signs in with the list in the JWT.
func TestAccessDecidedAtSocialSignIn(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			f := newSocialFixture(t, h) // the OP's user: Ada@Example.com, verified
			signIn := func() (int, any) {
				l := f.start(t, f.env)
				return f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code, "codeVerifier": l.verifier})
			}
			noUsers := func(what string) {
				if _, users := h.listUsers(t, h.token, f.env, ""); len(users) != 0 {
					t.Fatalf("%s wrote a user: %v", what, users)
				}
			}
			block := h.newAllowlist(t, f.env, map[string]any{"name": "banned", "outcome": "block"}, map[string]any{"emailDomain": "example.com"})
			st, res := signIn()
			wantError(t, "a blocked email domain", st, res, 403)
			noUsers("a blocked sign-in")
			st, res = h.do(t, "PUT", "/allowlists/"+block+"/disable", h.token, nil)
			wantStatus(t, "disable the block list", st, 200, res)

			members := h.newAllowlist(t, f.env, map[string]any{"name": "members", "outcome": "siteAccess"}, map[string]any{"email": "grace@example.com"})
			st, res = signIn()
			wantError(t, "not a member", st, res, 403)
			noUsers("a non-member's sign-in")

			st, res = h.do(t, "POST", "/allowlists/"+members+"/entries", h.token, map[string]any{"email": "ada@example.com"})
			wantStatus(t, "add Ada", st, 200, res)
			st, res = signIn()
			wantStatus(t, "a member", st, 200, res)
			if c := claimsOf(t, str(t, res, "jwt")); !slices.Equal(listsOf(c), []string{"members"}) {
				t.Fatalf("lists %v", c["lists"])
			}
		})
	}
}

// TestAccessDecidedAtExternalJWTSignIn: an external-JWT sign-in is
// decided on the token's sub (externalUserId entries): a members-only
// list refuses another sub without writing a user and admits a listed
// one with the list in the JWT; a block list refuses it.
func TestAccessDecidedAtExternalJWTSignIn(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h := newHarnessOn(t, backend)
			env := h.ids.EnvironmentID
			app := externaljwttest.New(t)
			h.enableExternalAuth(t, env, map[string]any{"enabled": true, "iss": "https://app.example", "aud": "dynamic", "jwksUrl": app.URL})
			signIn := func(sub string) (int, any) {
				return h.do(t, "POST", "/sdk/"+env+"/externalAuth/signin", "", map[string]any{"jwt": app.Token(t, map[string]any{"sub": sub})})
			}
			h.newAllowlist(t, env, map[string]any{"name": "staff", "outcome": "siteAccess"}, map[string]any{"externalUserId": "app-user-1"})
			st, res := signIn("app-user-2")
			wantError(t, "an unlisted sub", st, res, 403)
			if _, users := h.listUsers(t, h.token, env, ""); len(users) != 0 {
				t.Fatalf("a refused sign-in wrote a user: %v", users)
			}
			st, res = signIn("app-user-1")
			wantStatus(t, "a listed sub", st, 200, res)
			if c := claimsOf(t, str(t, res, "jwt")); !slices.Equal(listsOf(c), []string{"staff"}) {
				t.Fatalf("lists %v", c["lists"])
			}
			h.newAllowlist(t, env, map[string]any{"name": "gone", "outcome": "block"}, map[string]any{"externalUserId": "app-user-1"})
			st, res = signIn("app-user-1")
			wantError(t, "a blocked sub", st, res, 403)
		})
	}
}
