package httpapi_test

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// ---- helpers (prefixed pf: other test files own the unprefixed names) ----

// pfUser is an end user signed in through POST /sdk/{env}/verify with a
// real wallet signature.
type pfUser struct {
	id, token, jwt, sid string
	key                 *ecdsa.PrivateKey
}

// pfSignIn signs a new wallet in to envID (a sandbox without origins
// accepts the domain localhost:3000).
func (h *harness) pfSignIn(t *testing.T, envID string) *pfUser {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	st, res := h.do(t, "GET", "/sdk/"+envID+"/nonce", "", nil)
	wantStatus(t, "nonce", st, 200, res)
	addr := crypto.PubkeyToAddress(key.PublicKey).Hex()
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\n"+
		"Welcome to Test. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		addr, str(t, res, "nonce"), time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), envID)
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	st, res = h.do(t, "POST", "/sdk/"+envID+"/verify", "", map[string]any{
		"signedMessage": fmt.Sprintf("0x%x", sig), "messageToSign": msg, "publicWalletAddress": addr,
		"chain": "EVM", "walletName": "metamask", "walletProvider": "browserExtension", "network": "1"})
	wantStatus(t, "wallet sign-in", st, 200, res)
	u := &pfUser{id: str(t, res, "user.id"), token: str(t, res, "minifiedJwt"), jwt: str(t, res, "jwt"), key: key}
	u.sid = str(t, pfClaims(t, u.token), "sid")
	return u
}

// pfClaims decodes a JWT's payload (the signature is the server's business).
func pfClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return m
}

// pfField creates a custom field in the default sandbox and returns it.
func (h *harness) pfField(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	st, res := h.do(t, "POST", "/environments/"+h.ids.EnvironmentID+"/custom/fields", h.token, body)
	wantStatus(t, "create custom field "+fmt.Sprint(body["name"]), st, 200, res)
	return res.(map[string]any)
}

func (h *harness) pfFields(t *testing.T) []any {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+h.ids.EnvironmentID+"/custom/fields", h.token, nil)
	wantStatus(t, "list custom fields", st, 200, res)
	return res.([]any)
}

func pfNum(t *testing.T, v any, path string) float64 {
	t.Helper()
	x, ok := at(v, path)
	f, isNum := x.(float64)
	if !ok || !isNum {
		t.Fatalf("%q is not a number in %s", path, dump(v))
	}
	return f
}

func pfNames(t *testing.T, l []any, key string) string {
	t.Helper()
	var out []string
	for _, e := range l {
		out = append(out, str(t, e, key))
	}
	return strings.Join(out, ",")
}

// pfMe reads the signed-in user.
func (h *harness) pfMe(t *testing.T, u *pfUser) map[string]any {
	t.Helper()
	st, res := h.do(t, "GET", "/sdk/"+h.ids.EnvironmentID+"/users", u.token, nil)
	wantStatus(t, "get user", st, 200, res)
	return res.(map[string]any)
}

func (h *harness) pfUpdate(t *testing.T, u *pfUser, body any) (int, any) {
	t.Helper()
	return h.do(t, "PUT", "/sdk/"+h.ids.EnvironmentID+"/users", u.token, body)
}

// pfSetKyc makes the sandbox's standard kyc fields these.
func (h *harness) pfSetKyc(t *testing.T, kyc []any) {
	t.Helper()
	m := validSettings(t, h)
	m["kyc"] = kyc
	st, res := h.do(t, "PUT", "/environments/"+h.ids.EnvironmentID, h.token, m)
	wantStatus(t, "set kyc", st, 200, res)
}

func pfWantCode(t *testing.T, what string, st int, res any, status int, code, field string) {
	t.Helper()
	wantError(t, what, st, res, status, field)
	if code != "" {
		wantEq(t, res, "code", code)
	}
}

// ---- custom fields (admin) ----

func TestCustomFieldsCRUD(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	nick := h.pfField(t, map[string]any{"name": "Nickname", "enabled": true, "required": true, "fieldType": "text",
		"validationRules": map[string]any{"unique": true, "regex": "^[a-z0-9]+$"}, "position": 0})
	wantUUID(t, nick, "id")
	wantEq(t, nick, "key", "nickname")
	wantEq(t, nick, "position", 0)
	wantEq(t, nick, "validationRules.unique", true)

	// Dynamic's CLI sends no position: the field goes last.
	st, res := h.do(t, "POST", "/environments/"+env+"/custom/fields", h.token,
		`{"name":"Colour","enabled":true,"required":false,"fieldType":"select","validationRules":{"validOptions":[{"label":"Red"},{"label":"Blue","key":"blue"}]}}`)
	wantStatus(t, "create without position", st, 200, res)
	colour := res.(map[string]any)
	wantEq(t, colour, "position", 1)
	wantEq(t, colour, "validationRules.validOptions.1.key", "blue")

	terms := h.pfField(t, map[string]any{"name": "Terms", "enabled": true, "required": true, "fieldType": "checkbox",
		"validationRules": map[string]any{"checkboxText": "I agree"}, "position": 0})
	fields := h.pfFields(t)
	if got := pfNames(t, fields, "name"); got != "Terms,Nickname,Colour" {
		t.Fatalf("order = %s", got)
	}
	for i, f := range fields {
		wantEq(t, f, "position", i)
	}

	st, res = h.do(t, "GET", "/custom/fields/"+str(t, nick, "id"), h.token, nil)
	wantStatus(t, "get field", st, 200, res)
	wantEq(t, res, "name", "Nickname")
	wantEq(t, res, "validationRules.regex", "^[a-z0-9]+$")

	// Refusals change nothing.
	base := func() map[string]any {
		return map[string]any{"name": "Other", "enabled": true, "required": false, "fieldType": "text", "position": 0}
	}
	with := func(k string, v any) map[string]any { m := base(); m[k] = v; return m }
	bad := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"invalid regex", with("validationRules", map[string]any{"regex": "([a-"}), 422, "invalid_regex", "regex"},
		{"repeated options", map[string]any{"name": "Size", "enabled": true, "required": false, "fieldType": "select", "position": 0,
			"validationRules": map[string]any{"validOptions": []any{map[string]any{"label": "S"}, map[string]any{"label": "s"}}}}, 422, "repeated_options", "validOptions"},
		{"duplicate name", with("name", "nickNAME"), 422, "duplicate_exists", "name"},
		{"position past the end", with("position", 4), 422, "invalid_position", "position"},
		{"fractional position", with("position", 1.5), 422, "invalid_position", "position"},
		{"negative position", with("position", -1), 422, "invalid_position", "position"},
		{"unknown type", with("fieldType", "number"), 400, "", "fieldType"},
		{"missing name", `{"enabled":true,"required":false,"fieldType":"text","position":0}`, 400, "", "name"},
		{"blank name", with("name", "  "), 400, "", "name"},
		{"rule of another type", with("validationRules", map[string]any{"checkboxText": "x"}), 400, "", "checkboxText"},
	}
	for _, c := range bad {
		st, res := h.do(t, "POST", "/environments/"+env+"/custom/fields", h.token, c.body)
		pfWantCode(t, c.name, st, res, c.status, c.code, c.field)
	}
	if got := pfNames(t, h.pfFields(t), "name"); got != "Terms,Nickname,Colour" {
		t.Fatalf("after refusals: %s", got)
	}

	// Rename and move; the key stays.
	st, res = h.do(t, "PUT", "/custom/fields/"+str(t, colour, "id"), h.token, map[string]any{"name": "Favourite colour",
		"enabled": true, "required": false, "fieldType": "select", "position": 0,
		"validationRules": map[string]any{"validOptions": []any{map[string]any{"label": "Red"}}}})
	wantStatus(t, "update field", st, 200, res)
	wantEq(t, res, "key", "colour")
	wantEq(t, res, "position", 0)
	if got := pfNames(t, h.pfFields(t), "name"); got != "Favourite colour,Terms,Nickname" {
		t.Fatalf("after move: %s", got)
	}
	st, res = h.do(t, "PUT", "/custom/fields/"+str(t, colour, "id"), h.token, with("position", 3))
	pfWantCode(t, "move past the end", st, res, 422, "invalid_position", "position")

	// The SDK's settings carry the fields.
	st, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	cf := list(t, res, "customFields")
	if got := pfNames(t, cf, "name"); got != "Favourite colour,Terms,Nickname" {
		t.Fatalf("settings customFields = %s", dump(cf))
	}
	wantEq(t, cf[2], "type", "custom")
	wantEq(t, cf[2], "validationType", "text")
	wantEq(t, cf[2], "unique", true)
	wantEq(t, cf[2], "required", true)

	st, res = h.do(t, "DELETE", "/custom/fields/"+str(t, terms, "id"), h.token, nil)
	wantStatus(t, "delete field", st, 204, res)
	st, res = h.do(t, "GET", "/custom/fields/"+str(t, terms, "id"), h.token, nil)
	pfWantCode(t, "deleted field", st, res, 404, "custom_field_not_found", "")
	st, res = h.do(t, "DELETE", "/custom/fields/"+str(t, terms, "id"), h.token, nil)
	wantStatus(t, "delete again", st, 404, res)
	fields = h.pfFields(t)
	if got := pfNames(t, fields, "name"); got != "Favourite colour,Nickname" || pfNum(t, fields[1], "position") != 1 {
		t.Fatalf("after delete: %s", dump(fields))
	}
	_, res = h.do(t, "GET", "/sdk/"+env+"/settings", "", nil)
	if n := len(list(t, res, "customFields")); n != 2 {
		t.Errorf("settings keep %d custom fields after a delete, want 2", n)
	}

	// Reach: a live token does not see sandbox fields; scopes apply.
	_, live := h.envToken(t, h.token, h.ids.LiveEnvironmentID)
	st, res = h.do(t, "GET", "/custom/fields/"+str(t, nick, "id"), live, nil)
	pfWantCode(t, "other environment's field", st, res, 404, "custom_field_not_found", "")
	st, res = h.do(t, "GET", "/environments/"+env+"/custom/fields", live, nil)
	wantStatus(t, "other environment's list", st, 403, res)
	_, readOnly := h.envToken(t, h.token, env, "environment.settings.read")
	st, res = h.do(t, "GET", "/environments/"+env+"/custom/fields", readOnly, nil)
	wantStatus(t, "read-only token lists", st, 200, res)
	st, res = h.do(t, "POST", "/environments/"+env+"/custom/fields", readOnly, base())
	wantStatus(t, "read-only token creates", st, 403, res)
	st, res = h.do(t, "DELETE", "/custom/fields/"+str(t, nick, "id"), readOnly, nil)
	wantStatus(t, "read-only token deletes", st, 403, res)
	st, res = h.do(t, "GET", "/custom/fields/not-a-uuid", h.token, nil)
	wantStatus(t, "bad id", st, 400, res)
}

// ---- the signed-in user's profile (SDK) ----

func TestProfileUpdate(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	h.pfSetKyc(t, []any{map[string]any{"name": "email", "required": true, "enabled": true, "unique": true, "verify": false},
		map[string]any{"name": "alias", "required": false, "enabled": true, "unique": false, "verify": false}})
	h.pfField(t, map[string]any{"name": "Nickname", "enabled": true, "required": true, "fieldType": "text",
		"validationRules": map[string]any{"unique": true, "regex": "^[a-zA-Z0-9]+$"}, "position": 0})
	h.pfField(t, map[string]any{"name": "Colour", "enabled": true, "required": false, "fieldType": "select",
		"validationRules": map[string]any{"validOptions": []any{map[string]any{"label": "Red"}, map[string]any{"label": "Blue"}}}, "position": 1})

	a := h.pfSignIn(t, env)
	me := h.pfMe(t, a)
	if got := pfNames(t, list(t, me, "missingFields"), "name"); got != "email,Nickname" {
		t.Fatalf("missingFields = %s", dump(me["missingFields"]))
	}
	wantEq(t, me, "scope", "user:basic userDataForm")
	wantEq(t, list(t, me, "missingFields")[1], "type", "custom")

	// Each bad update is refused whole, naming the field; nothing changes.
	before := dump(h.pfMe(t, a))
	bad := []struct {
		name   string
		body   any
		status int
		code   string
		field  string
	}{
		{"bad email", map[string]any{"email": "nope"}, 422, "invalid_email", "email"},
		{"bad username", map[string]any{"username": "a b"}, 422, "invalid_username", "username"},
		{"bad phone", map[string]any{"phoneNumber": "call me"}, 422, "invalid_phone", "phoneNumber"},
		{"bad country", map[string]any{"country": "USA"}, 400, "", "country"},
		{"bad alias", map[string]any{"alias": "<b>"}, 400, "", "alias"},
		{"wrong type", map[string]any{"firstName": 12}, 400, "", "firstName"},
		{"metadata not object", map[string]any{"metadata": "x"}, 400, "", "metadata"},
		{"regex fails", map[string]any{"email": "ok@example.com", "metadata": map[string]any{"Nickname": "no spaces"}}, 422, "invalid_metadata_value", "metadata.Nickname"},
		{"not an option", map[string]any{"metadata": map[string]any{"Colour": "Green"}}, 422, "invalid_metadata_value", "metadata.Colour"},
		{"required cleared", map[string]any{"metadata": map[string]any{"Nickname": ""}}, 422, "invalid_metadata_value", "metadata.Nickname"},
		{"required email cleared", map[string]any{"email": ""}, 422, "email_cannot_be_null", "email"},
		{"too much metadata", map[string]any{"metadata": map[string]any{"blob": strings.Repeat("x", 9000)}}, 422, "metadata_size_exceeded", "metadata"},
	}
	for _, c := range bad {
		st, res := h.pfUpdate(t, a, c.body)
		pfWantCode(t, c.name, st, res, c.status, c.code, c.field)
	}
	if after := dump(h.pfMe(t, a)); after != before {
		t.Fatalf("refused updates changed the user:\nbefore %s\nafter  %s", before, after)
	}

	// A good update: fresh tokens for the same session.
	st, res := h.pfUpdate(t, a, map[string]any{"email": "Ada@Example.com", "username": "ada", "alias": "Ada",
		"phoneNumber": "+1 415 555 0100", "country": "gb", "policiesConsent": true,
		"metadata": map[string]any{"Nickname": "Ada1", "Colour": "Blue", "free": map[string]any{"x": 1}}})
	wantStatus(t, "update self", st, 200, res)
	wantEq(t, res, "nextView", "done")
	wantEq(t, res, "user.email", "Ada@Example.com")
	wantEq(t, res, "user.phoneNumber", "+14155550100")
	wantEq(t, res, "user.country", "GB")
	wantEq(t, res, "user.metadata.Nickname", "Ada1")
	wantEq(t, res, "user.metadata.free.x", 1)
	wantEq(t, res, "user.scope", "user:basic")
	if n := len(list(t, res, "user.missingFields")); n != 0 {
		t.Errorf("missingFields after filling them: %s", dump(res))
	}
	fresh := str(t, res, "minifiedJwt")
	claims := pfClaims(t, fresh)
	wantEq(t, claims, "sid", a.sid)
	wantEq(t, claims, "sub", a.id)
	wantEq(t, claims, "email", "Ada@Example.com")
	wantEq(t, claims, "username", "ada")
	wantEq(t, pfClaims(t, str(t, res, "jwt")), "sid", a.sid)
	if pfNum(t, res, "expiresAt") < float64(time.Now().Unix()) {
		t.Errorf("expiresAt in the past: %s", dump(res))
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/users", fresh, nil)
	wantStatus(t, "new token works", st, 200, res)
	wantEq(t, res, "username", "ada")
	h.pfMe(t, a) // the old token too: same session

	// Metadata is a patch: null removes a key, others stay.
	st, res = h.pfUpdate(t, a, map[string]any{"metadata": map[string]any{"free": nil}})
	wantStatus(t, "remove a key", st, 200, res)
	if has(res, "user.metadata.free") || !has(res, "user.metadata.Colour") {
		t.Errorf("metadata patch: %s", dump(res))
	}

	// Uniqueness across users of the environment, ignoring case.
	b := h.pfSignIn(t, env)
	for _, c := range []struct {
		name, code, field string
		body              map[string]any
	}{
		{"email taken", "email_already_exists", "email", map[string]any{"email": "ada@example.COM"}},
		{"username taken", "username_already_exists", "username", map[string]any{"username": "ADA"}},
		{"nickname taken", "custom_field_data_not_unique", "metadata.Nickname", map[string]any{"email": "b@example.com", "metadata": map[string]any{"Nickname": "ada1"}}},
	} {
		st, res := h.pfUpdate(t, b, c.body)
		pfWantCode(t, c.name, st, res, 422, c.code, c.field)
	}
	if m := h.pfMe(t, b); has(m, "email") {
		t.Errorf("a refused update stored the email: %s", dump(m))
	}

	check := func(u *pfUser, field, value string, want bool) {
		t.Helper()
		q := url.Values{"filter[field]": {field}, "filter[value]": {value}}
		st, res := h.do(t, "GET", "/sdk/"+env+"/users/check?"+q.Encode(), u.token, nil)
		wantStatus(t, "check "+field, st, 200, res)
		wantEq(t, res, "field", field)
		wantEq(t, res, "value", value)
		wantEq(t, res, "available", want)
	}
	check(b, "username", "Ada", false)
	check(b, "username", "bob", true)
	check(b, "email", "ADA@example.com", false)
	check(a, "email", "ada@example.com", true) // one's own value is free
	check(b, "Nickname", "ADA1", false)
	check(b, "Nickname", "other", true)
	for _, q := range []string{"filter[field]=Colour&filter[value]=Red", "filter[field]=email", "filter[field]=email&filter[value]=nope"} {
		st, res := h.do(t, "GET", "/sdk/"+env+"/users/check?"+q, b.token, nil)
		if st != 400 && st != 422 {
			t.Errorf("check %s: status %d, want 400 or 422: %s", q, st, dump(res))
		}
	}
	st, res = h.do(t, "GET", "/sdk/"+env+"/users/check?filter[field]=email&filter[value]=x@y.co", "", nil)
	wantStatus(t, "check without a session", st, 401, res)

	// Deleting oneself: the session ends at once and the values are free.
	st, res = h.do(t, "DELETE", "/sdk/"+env+"/users", a.token, nil)
	wantStatus(t, "delete self", st, 204, res)
	for _, tok := range []string{a.token, fresh} {
		st, res = h.do(t, "GET", "/sdk/"+env+"/users", tok, nil)
		wantStatus(t, "deleted user's token", st, 401, res)
	}
	st, res = h.pfUpdate(t, b, map[string]any{"email": "ada@example.com", "username": "ada", "metadata": map[string]any{"Nickname": "ada1"}})
	wantStatus(t, "take the deleted user's values", st, 200, res)
}

// TestProfileUniqueRace: two users claim one unique value at once; the
// store lets exactly one have it.
func TestProfileUniqueRace(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	h.pfField(t, map[string]any{"name": "Handle", "enabled": true, "required": false, "fieldType": "text",
		"validationRules": map[string]any{"unique": true}, "position": 0})
	for round := 0; round < 3; round++ {
		users := []*pfUser{h.pfSignIn(t, env), h.pfSignIn(t, env), h.pfSignIn(t, env)}
		value := fmt.Sprintf("winner%d", round)
		statuses := make([]int, len(users))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				body := map[string]any{}
				if round != 1 { // rounds 0 and 2: a unique custom field
					body["metadata"] = map[string]any{"Handle": value}
				}
				if round != 0 { // rounds 1 and 2: the username, in another case each
					body["username"] = value
					if i > 0 {
						body["username"] = strings.ToUpper(value)
					}
				}
				statuses[i], _ = h.pfUpdate(t, u, body)
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, s := range statuses {
			switch s {
			case 200:
				wins++
			case 422:
			default:
				t.Errorf("round %d: status %d", round, s)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d updates won the same unique value (%v), want exactly 1", round, wins, statuses)
		}
	}
}

// TestCustomFieldValuesFollowChanges: renaming a field moves the users'
// values; making it unique needs the values to be unique already.
func TestCustomFieldValuesFollowChanges(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	f := h.pfField(t, map[string]any{"name": "Handle", "enabled": true, "required": false, "fieldType": "text", "position": 0})
	a, b := h.pfSignIn(t, env), h.pfSignIn(t, env)
	for _, u := range []*pfUser{a, b} {
		st, res := h.pfUpdate(t, u, map[string]any{"metadata": map[string]any{"Handle": "Same", "flag": true}})
		wantStatus(t, "set handle", st, 200, res)
	}
	def := func(name string, unique bool) map[string]any {
		return map[string]any{"name": name, "enabled": true, "required": false, "fieldType": "text", "position": 0,
			"validationRules": map[string]any{"unique": unique}}
	}
	path := "/custom/fields/" + str(t, f, "id")
	st, res := h.do(t, "PUT", path, h.token, def("Handle", true))
	pfWantCode(t, "make unique over duplicates", st, res, 422, "cannot_switch_to_unique", "unique")
	st, res = h.do(t, "GET", path, h.token, nil)
	wantStatus(t, "get field", st, 200, res)
	if has(res, "validationRules.unique") {
		t.Fatalf("refused switch stored: %s", dump(res))
	}

	st, res = h.pfUpdate(t, b, map[string]any{"metadata": map[string]any{"Handle": "other"}})
	wantStatus(t, "b changes handle", st, 200, res)
	st, res = h.do(t, "PUT", path, h.token, def("Tag", true))
	wantStatus(t, "rename and make unique", st, 200, res)

	me := h.pfMe(t, a)
	wantEq(t, me, "metadata.Tag", "Same")
	wantEq(t, me, "metadata.flag", true)
	if has(me, "metadata.Handle") {
		t.Errorf("old key kept: %s", dump(me))
	}
	st, res = h.pfUpdate(t, b, map[string]any{"metadata": map[string]any{"Tag": "SAME"}})
	pfWantCode(t, "renamed unique field", st, res, 422, "custom_field_data_not_unique", "metadata.Tag")
}
