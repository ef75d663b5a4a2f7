package httpapi_test

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/mfa/mfatest"
	"github.com/ethereum/go-ethereum/crypto"
)

// With the user.update MFA action required, a profile change needs an
// elevatedAccessToken with user:update from a second factor of the same
// session; stepUp/check says so and lists the factors; a token of another
// user, or one without the scope, is refused.
func TestStepUpAndElevatedAccessTokens(t *testing.T) { mfBoth(t, noTune, testStepUp) }

func testStepUp(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true, "actions": []any{
		map[string]any{"action": "user.update", "required": true},
		map[string]any{"action": "wallet.waas.export", "required": false}}})
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	check := func(tok, scope string) (int, any) {
		return h.do(t, "POST", "/sdk/"+env+"/stepUp/check", tok, map[string]any{"scope": scope})
	}
	st, res := check(full, "user:update")
	wantStatus(t, "stepUp/check without a factor", st, 200, res)
	wantEq(t, res, "isRequired", true)
	// without a second factor: their wallet, proved again (wallets/verify)
	if c := list(t, res, "credentials"); len(c) != 1 || c[0].(map[string]any)["format"] != "blockchain" {
		t.Fatalf("credentials of a user without factors: %s", dump(res))
	}
	secret, dev := h.mfEnroll(t, full)
	devID := str(t, dev, "id")
	st, res = check(full, "user:update")
	wantStatus(t, "stepUp/check", st, 200, res)
	wantEq(t, res, "isRequired", true)
	wantEq(t, res, "defaultCredentialId", devID)
	if c := list(t, res, "credentials"); len(c) != 1 || dump(c[0]) != `{"format":"totp","id":"`+devID+`","type":"totp"}` {
		t.Fatalf("credentials %s", dump(res))
	}
	// adding a factor to a user who has one takes a step-up
	for scope, want := range map[string]bool{"wallet:export": false, "credential:link": true} {
		st, res = check(full, scope)
		wantStatus(t, "stepUp/check "+scope, st, 200, res)
		wantEq(t, res, "isRequired", want)
	}
	st, res = check(full, "user:basic")
	wantError(t, "stepUp/check of a scope that is not a token scope", st, res, 422)
	wantEq(t, res, "code", "invalid_scopes")
	st, res = h.do(t, "POST", "/sdk/"+env+"/stepUp/check", full, map[string]any{"scope": 7})
	wantError(t, "stepUp/check of a number", st, res, 400)

	// A profile change without the token is refused and changes nothing.
	put := func(tok, elevated string, body map[string]any) *response {
		return h.send(t, request{method: "PUT", path: v0 + "/sdk/" + env + "/users", token: tok, body: body,
			header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
	}
	r := put(full, "", map[string]any{"firstName": "Mallory"})
	wantError(t, "PUT /users without an elevated token", r.status, r.json, 403)
	st, res = h.do(t, "GET", "/sdk/"+env+"/users", full, nil)
	wantStatus(t, "GET /users after the refused update", st, 200, res)
	if m, _ := res.(map[string]any); m["firstName"] == "Mallory" {
		t.Fatal("the refused update changed the profile")
	}
	r = put(full, "", map[string]any{"mfaBackupCodeAcknowledgement": "complete"})
	wantStatus(t, "the acknowledgement alone needs no step-up", r.status, 200, r.json)

	// A second factor with requestedScopes gives the token.
	st, res = h.do(t, "POST", base+"/auth/totp", full, map[string]any{"code": mfatest.TOTP(t, secret, time.Now()),
		"requestedScopes": []string{"user:update"}})
	wantStatus(t, "auth/totp for user:update", st, 200, res)
	elevated := str(t, res, "elevatedAccessToken")
	tok := str(t, res, "minifiedJwt")

	// Another user of the environment cannot use it.
	other, _ := crypto.GenerateKey()
	otherTok := str(t, h.mfSignIn(t, other), "minifiedJwt")
	r = put(otherTok, elevated, map[string]any{"firstName": "Eve"})
	wantError(t, "another user's elevated token", r.status, r.json, 403)
	// Nor another session of the same user.
	st, res = h.do(t, "GET", base+"/recovery", tok, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	code := list(t, res, "recoveryCodes")[0].(string)
	pending := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", base+"/auth/recovery", pending, map[string]any{"code": code})
	wantStatus(t, "another session passes its factor", st, 200, res)
	again := str(t, res, "minifiedJwt")
	r = put(again, elevated, map[string]any{"firstName": "Eve"})
	wantError(t, "the elevated token from another session", r.status, r.json, 403)
	// A tampered token is unknown.
	r = put(tok, elevated[:len(elevated)-2]+"AA", map[string]any{"firstName": "Eve"})
	wantError(t, "a tampered elevated token", r.status, r.json, 403)
	for range 2 { // time-bound: serves until it expires
		r = put(tok, elevated, map[string]any{"firstName": "Ada"})
		wantStatus(t, "PUT /users with the elevated token", r.status, 200, r.json)
		wantEq(t, r.json, "user.firstName", "Ada")
	}

	// Deleting a device: an elevated token with credential:unlink stands
	// in for the mfaToken; one without that scope does not.
	del := func(elevated string) *response {
		return h.send(t, request{method: "DELETE", path: v0 + base + "/" + devID, token: tok,
			header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
	}
	r = del(elevated)
	wantError(t, "delete with a token lacking credential:unlink", r.status, r.json, 403)
	st, res = h.do(t, "POST", base+"/auth/totp", tok, map[string]any{"code": mfatest.Code(t, secret, 1),
		"requestedScopes": []string{"credential:unlink"}})
	wantStatus(t, "auth/totp for credential:unlink", st, 200, res)
	r = del(str(t, res, "elevatedAccessToken"))
	wantStatus(t, "delete with credential:unlink", r.status, 204, r.json)

	// Without a session-level step-up the update needs no token.
	h.mfSetMFA(t, map[string]any{"enabled": false})
	r = put(tok, "", map[string]any{"firstName": "Grace"})
	wantStatus(t, "PUT /users when user.update needs no MFA", r.status, 200, r.json)
}

// A single-use elevatedAccessToken sent for a scope it lacks, or from
// another session of its user, is refused without being spent: the right
// call afterwards still gets its one use.
func TestElevatedTokenRefusedUseDoesNotSpendIt(t *testing.T) {
	mfBoth(t, noTune, testElevatedRefusedUse)
}

func testElevatedRefusedUse(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.requireUpdateStepUp(t)
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	secret, dev := h.mfEnroll(t, full)
	st, res := h.do(t, "GET", base+"/recovery", full, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	recovery := list(t, res, "recoveryCodes")[0].(string)

	st, res = h.do(t, "POST", base+"/auth/totp", full, map[string]any{"code": mfatest.TOTP(t, secret, time.Now()),
		"requestedScopes": []string{"user:update"}})
	wantStatus(t, "auth/totp for user:update", st, 200, res)
	elevated, tok := str(t, res, "elevatedAccessToken"), str(t, res, "minifiedJwt")

	// The wrong scope: deleting a device needs credential:unlink.
	r := h.send(t, request{method: "DELETE", path: v0 + base + "/" + str(t, dev, "id"), token: tok,
		header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
	wantError(t, "the token for a scope it lacks", r.status, r.json, 403)
	// The wrong session: another session of the same user.
	pending := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", base+"/auth/recovery", pending, map[string]any{"code": recovery})
	wantStatus(t, "another session passes its factor", st, 200, res)
	put := func(jwt string) *response {
		return h.send(t, request{method: "PUT", path: v0 + "/sdk/" + env + "/users", token: jwt,
			body: map[string]any{"firstName": "Ada"}, header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
	}
	r = put(str(t, res, "minifiedJwt"))
	wantError(t, "the token from another session", r.status, r.json, 403)

	r = put(tok)
	wantStatus(t, "the right scope and session after two refused uses", r.status, 200, r.json)
	wantEq(t, r.json, "user.firstName", "Ada")
	r = put(tok)
	wantError(t, "the single-use token a second time", r.status, r.json, 403)
}

// The user.update MFA action passed with an mfaToken (x-mfa-auth-token),
// as Dynamic's JS SDK's updateUser sends it after an MFA authentication
// with createMfaTokenOptions: a single-use one serves once, one of another
// session none; an elevatedAccessToken sent beside it is what counts.
func TestStepUpWithMFAToken(t *testing.T) { mfBoth(t, noTune, testStepUpWithMFAToken) }

func testStepUpWithMFAToken(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true, "actions": []any{
		map[string]any{"action": "user.update", "required": true}}})
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	secret, _ := h.mfEnroll(t, full)
	put := func(jwt, mfaToken, elevated, name string) *response {
		return h.send(t, request{method: "PUT", path: v0 + "/sdk/" + env + "/users", token: jwt,
			body:   map[string]any{"firstName": name},
			header: map[string]string{"X-Mfa-Auth-Token": mfaToken, "X-Dyn-Elevated-Access-Token": elevated}})
	}
	st, res := h.do(t, "POST", base+"/auth/totp", full, map[string]any{"code": mfatest.TOTP(t, secret, time.Now()),
		"createMfaToken": map[string]any{"singleUse": true}})
	wantStatus(t, "auth/totp with createMfaToken", st, 200, res)
	mfaToken, tok := str(t, res, "mfaToken"), str(t, res, "minifiedJwt")

	r := put(tok, "forged", "", "Mallory")
	wantError(t, "PUT /users with a forged mfaToken", r.status, r.json, 403)
	// another session of the same user cannot use it, nor spend it
	st, res = h.do(t, "GET", base+"/recovery", tok, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	pending := str(t, h.mfSignIn(t, key), "minifiedJwt")
	st, res = h.do(t, "POST", base+"/auth/recovery", pending, map[string]any{"code": list(t, res, "recoveryCodes")[0].(string)})
	wantStatus(t, "another session passes its factor", st, 200, res)
	other := str(t, res, "minifiedJwt")
	r = put(other, mfaToken, "", "Eve")
	wantError(t, "the mfaToken of another session", r.status, r.json, 403)
	// an elevated token beside it is the proof checked
	r = put(tok, mfaToken, "not-an-elevated-token", "Eve")
	wantError(t, "a forged elevated token beside the mfaToken", r.status, r.json, 403)

	r = put(tok, mfaToken, "", "Ada")
	wantStatus(t, "PUT /users with the mfaToken", r.status, 200, r.json)
	wantEq(t, r.json, "user.firstName", "Ada")
	r = put(tok, mfaToken, "", "Ada")
	wantError(t, "the single-use mfaToken a second time", r.status, r.json, 403)
}

// A refused PUT /users changes nothing: not the profile, not the recovery
// codes' acknowledgement sent with it, and an invalid field does not spend
// the single-use step-up token either (it is refused before any write). A
// username another user holds, found by the write itself, leaves the
// acknowledgement as it was.
func TestRefusedProfileUpdateChangesNothing(t *testing.T) {
	mfBoth(t, noTune, testRefusedProfileUpdate)
}

func testRefusedProfileUpdate(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	base := "/sdk/" + env + "/users/mfa"
	h.mfSetMFA(t, map[string]any{"enabled": true})
	other, _ := crypto.GenerateKey()
	st, res := h.do(t, "PUT", "/sdk/"+env+"/users", str(t, h.mfSignIn(t, other), "minifiedJwt"),
		map[string]any{"username": "taken_name"})
	wantStatus(t, "another user takes a username", st, 200, res)
	h.requireUpdateStepUp(t)
	key, _ := crypto.GenerateKey()
	full := str(t, h.mfSignIn(t, key), "minifiedJwt")
	secret, _ := h.mfEnroll(t, full)
	st, res = h.do(t, "GET", base+"/recovery", full, nil)
	wantStatus(t, "recovery codes", st, 200, res)
	elevate := func(step int) (string, string) {
		st, res := h.do(t, "POST", base+"/auth/totp", full, map[string]any{"code": mfatest.Code(t, secret, step),
			"requestedScopes": []string{"user:update"}})
		wantStatus(t, "auth/totp for user:update", st, 200, res)
		return str(t, res, "elevatedAccessToken"), str(t, res, "minifiedJwt")
	}
	elevated, tok := elevate(0)
	put := func(elevated string, body map[string]any) *response {
		return h.send(t, request{method: "PUT", path: v0 + "/sdk/" + env + "/users", token: tok, body: body,
			header: map[string]string{"X-Dyn-Elevated-Access-Token": elevated}})
	}
	unchanged := func(what string) {
		t.Helper()
		st, res := h.do(t, "GET", "/sdk/"+env+"/users", tok, nil)
		wantStatus(t, "GET /users after "+what, st, 200, res)
		wantEq(t, res, "mfaBackupCodeAcknowledgement", "pending")
		if m, _ := res.(map[string]any); m["firstName"] != nil || m["username"] != nil {
			t.Fatalf("%s changed the profile: %s", what, dump(res))
		}
	}

	r := put(elevated, map[string]any{"mfaBackupCodeAcknowledgement": "complete", "firstName": "Ada", "country": "Narnia"})
	wantError(t, "PUT /users with an invalid country", r.status, r.json, 400)
	unchanged("an invalid field")
	r = put("", map[string]any{"mfaBackupCodeAcknowledgement": "done"})
	wantError(t, "PUT /users with an invalid acknowledgement", r.status, r.json, 400)
	unchanged("an invalid acknowledgement")
	r = put(elevated, map[string]any{"mfaBackupCodeAcknowledgement": "complete", "firstName": "Ada", "username": "taken_name"})
	wantError(t, "PUT /users with a taken username (the token unspent so far)", r.status, r.json, 422)
	wantEq(t, r.json, "code", "username_already_exists")
	unchanged("a taken username")

	elevated, tok = elevate(1)
	r = put(elevated, map[string]any{"mfaBackupCodeAcknowledgement": "complete", "firstName": "Ada"})
	wantStatus(t, "the change, valid", r.status, 200, r.json)
	wantEq(t, r.json, "user.mfaBackupCodeAcknowledgement", "complete")
	wantEq(t, r.json, "user.firstName", "Ada")
}
