package httpapi_test

import (
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/passkey/passkeytest"
	"github.com/ethereum/go-ethereum/crypto"
)

// putSecurity replaces one member of an environment's security settings
// through the admin settings route and returns its answer.
func (h *harness) putSecurity(t *testing.T, envID, member string, value any) (int, any) {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+envID, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	settings := obj(t, res, "settings")
	sec, _ := settings["security"].(map[string]any)
	if sec == nil {
		sec = map[string]any{}
	}
	sec[member] = value
	settings["security"] = sec
	return h.do(t, "PUT", "/environments/"+envID, h.token, settings)
}

// pkPutPasskeySettings replaces the sandbox's security.passkeys.
func (h *harness) pkPutPasskeySettings(t *testing.T, passkeys any) (int, any) {
	t.Helper()
	return h.putSecurity(t, h.ids.EnvironmentID, "passkeys", passkeys)
}

// TestPasskeySettingsPerEnvironment: security.passkeys set through the
// admin settings route shows on GET /sdk/{env}/settings and governs the
// ceremonies over HTTP: user verification required (answers without the
// UV flag refused at registration and sign-in) and one passkey per user.
func TestPasskeySettingsPerEnvironment(t *testing.T) { mfBoth(t, noTune, testPasskeySettingsHTTP) }

func testPasskeySettingsHTTP(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	origin := map[string]string{"Origin": "http://localhost:3000"}
	st, res := h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.passkeys.userVerification", "preferred")
	wantEq(t, res, "security.passkeys.maxPasskeysPerUser", float64(10))

	for _, bad := range []any{"on", map[string]any{"userVerification": "always"}, map[string]any{"maxPasskeysPerUser": 0},
		map[string]any{"maxPasskeysPerUser": 1.5}, map[string]any{"maxPasskeysPerUser": 101}, map[string]any{"residentKey": "discouraged"}} {
		st, res := h.pkPutPasskeySettings(t, bad)
		wantError(t, "bad passkey settings", st, res, 400, "security.passkeys")
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.passkeys.userVerification", "preferred")

	st, res = h.pkPutPasskeySettings(t, map[string]any{"userVerification": "required", "maxPasskeysPerUser": 1})
	wantStatus(t, "put passkey settings", st, 200, res)
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.passkeys.userVerification", "required")
	wantEq(t, res, "security.passkeys.maxPasskeysPerUser", float64(1))

	// Dynamic's own clients drop security.passkeys (the contract has no
	// such member) when they send the settings back: a PUT without it
	// keeps the stored ones, instead of quietly going back to preferred.
	st, res = h.putSecurity(t, env, "mfa", map[string]any{"enabled": false})
	wantStatus(t, "put settings without security.passkeys", st, 200, res)
	st, res = h.do(t, "GET", "/environments/"+env, h.token, nil)
	wantStatus(t, "get environment", st, 200, res)
	settings := obj(t, res, "settings")
	delete(settings["security"].(map[string]any), "passkeys")
	st, res = h.do(t, "PUT", "/environments/"+env, h.token, settings)
	wantStatus(t, "put settings without security.passkeys", st, 200, res)
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.passkeys.userVerification", "required")
	wantEq(t, res, "security.passkeys.maxPasskeysPerUser", float64(1))

	key, _ := crypto.GenerateKey()
	me := h.mfSignIn(t, key)
	token := str(t, me, "minifiedJwt")
	a, err := passkeytest.New("localhost", "http://localhost:3000")
	if err != nil {
		t.Fatal(err)
	}
	a.UserHandle = []byte(str(t, me, "user.id"))
	register := func() *response {
		r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, header: origin})
		if r.status != 200 {
			return r
		}
		wantEq(t, r.json, "authenticatorSelection.userVerification", "required")
		body, _ := a.Create(str(t, r.json, "challenge"), "clientDataJson")
		return h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, body: body, header: origin})
	}
	a.NoUserVerification = true
	r := register()
	wantError(t, "registration without UV", r.status, r.json, 422)
	a.NoUserVerification = false
	r = register()
	wantStatus(t, "registration with UV", r.status, 200, r.json)
	r = register()
	wantError(t, "a second passkey over the max of 1", r.status, r.json, 422)
	wantEq(t, r.json, "code", "max_passkeys_per_user")

	signIn := func() *response {
		r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/signin", header: origin})
		wantStatus(t, "signin options", r.status, 200, r.json)
		wantEq(t, r.json, "userVerification", "required")
		body, _ := a.Get(str(t, r.json, "challenge"))
		return h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: body, header: origin})
	}
	a.NoUserVerification = true
	r = signIn()
	wantError(t, "sign-in without UV", r.status, r.json, 422)
	a.NoUserVerification = false
	r = signIn()
	wantStatus(t, "sign-in with UV", r.status, 200, r.json)

	// null clears them: the server's defaults again.
	st, res = h.pkPutPasskeySettings(t, nil)
	wantStatus(t, "clear passkey settings", st, 200, res)
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	wantEq(t, res, "security.passkeys.userVerification", "preferred")
	wantEq(t, res, "security.passkeys.maxPasskeysPerUser", float64(10))

	// Discouraged: presence alone signs in, and a second passkey fits.
	st, res = h.pkPutPasskeySettings(t, map[string]any{"userVerification": "discouraged", "maxPasskeysPerUser": 2})
	wantStatus(t, "put passkey settings", st, 200, res)
	a.NoUserVerification = true
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/signin", header: origin})
	wantEq(t, r.json, "userVerification", "discouraged")
	body, _ := a.Get(str(t, r.json, "challenge"))
	r = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/signin", body: body, header: origin})
	wantStatus(t, "presence-only sign-in, UV discouraged", r.status, 200, r.json)
	r = h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, header: origin})
	wantStatus(t, "options for a second passkey under a max of 2", r.status, 200, r.json)
}

// TestPasskeyMaxPerUserUnderConcurrency: with maxPasskeysPerUser 1, two
// registrations begun before either finished, then finished at once:
// exactly one passkey is stored.
func TestPasskeyMaxPerUserUnderConcurrency(t *testing.T) { mfBoth(t, noTune, testPasskeyMaxRace) }

func testPasskeyMaxRace(t *testing.T, h *harness) {
	env := h.ids.EnvironmentID
	origin := map[string]string{"Origin": "http://localhost:3000"}
	st, res := h.pkPutPasskeySettings(t, map[string]any{"maxPasskeysPerUser": 1})
	wantStatus(t, "put passkey settings", st, 200, res)
	key, _ := crypto.GenerateKey()
	me := h.mfSignIn(t, key)
	token := str(t, me, "minifiedJwt")
	bodies := make([][]byte, 2)
	for i := range bodies {
		r := h.send(t, request{method: "GET", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, header: origin})
		wantStatus(t, "registration options", r.status, 200, r.json)
		a, err := passkeytest.New("localhost", "http://localhost:3000")
		if err != nil {
			t.Fatal(err)
		}
		a.UserHandle = []byte(str(t, me, "user.id"))
		bodies[i], _ = a.Create(str(t, r.json, "challenge"), "clientDataJson")
	}
	out := make([]*response, len(bodies))
	var wg sync.WaitGroup
	for i, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/users/passkeys/register", token: token, body: body, header: origin})
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, r := range out {
		switch {
		case r.status == 200:
			ok++
		case r.status == 422 && r.json.(map[string]any)["code"] == "max_passkeys_per_user":
			refused++
		default:
			t.Errorf("racing registration: %d %s", r.status, dump(r.json))
		}
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/users/passkeys", token, nil)
	wantStatus(t, "list passkeys", st, 200, res)
	if ok != 1 || refused != 1 || len(list(t, res, "passkeys")) != 1 {
		t.Fatalf("two racing registrations under a max of 1: %d stored, %d refused, %d listed", ok, refused, len(list(t, res, "passkeys")))
	}
}
