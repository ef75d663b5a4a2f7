package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Telegram sign-in over HTTP as Dynamic's SDK runs it: initAuth with the
// SDK's state, the popup page (telegram/auth), the widget's data posted
// back, the code handed to the application, telegram/signin; a Mini App's
// telegramAuthToken; and the attacks the scheme invites.

const (
	telegramBot      = "dynamicauth_test_bot"
	telegramBotToken = "7000000001:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	telegramApp      = "http://localhost:3000"
)

type telegramFixture struct {
	h   *harness
	env string
	n   int
}

func newTelegramFixture(t *testing.T, h *harness) *telegramFixture {
	f := &telegramFixture{h: h, env: h.ids.EnvironmentID}
	f.addBot(t, f.env, telegramBot, telegramBotToken)
	return f
}

// addBot enables Telegram in env with the bot; it returns the provider's id.
func (f *telegramFixture) addBot(t *testing.T, env, name, token string) string {
	t.Helper()
	st, res := f.h.do(t, "POST", "/environments/"+env+"/settings/providers", f.h.token, map[string]any{
		"provider": "telegram", "clientId": name, "clientSecret": token})
	wantStatus(t, "create telegram provider", st, 200, res)
	return str(t, res, "id")
}

// widgetUser is what Telegram's widget hands the page: its fields signed
// with the bot token as Telegram documents (HMAC-SHA256 keyed with the
// token's SHA-256, over the sorted key=value lines).
func widgetUser(id int64, username string, authDate time.Time, token string) map[string]any {
	fields := map[string]string{"id": strconv.FormatInt(id, 10), "first_name": "Pavel", "username": username,
		"auth_date": strconv.FormatInt(authDate.Unix(), 10)}
	return map[string]any{"id": id, "firstName": "Pavel", "username": username, "authDate": fields["auth_date"],
		"hash": telegramHash(fields, token)}
}

func telegramHash(fields map[string]string, token string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + fields[k]
	}
	secret := sha256.Sum256([]byte(token))
	mac := hmac.New(sha256.New, secret[:])
	mac.Write([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(mac.Sum(nil))
}

// state announces a new popup login as the SDK does (no redirectUrl).
func (f *telegramFixture) state(t *testing.T, env string) string {
	t.Helper()
	f.n++
	s := "tg-state-" + strconv.Itoa(f.n) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	st, res := f.h.do(t, "POST", "/sdk/"+env+"/providers/telegram/initAuth", "", map[string]any{"state": s})
	wantStatus(t, "telegram initAuth", st, 204, res)
	return s
}

// post sends the widget's data for state as the popup page does, opened
// by opener ("" for none); it returns the answer and the code handed over.
func (f *telegramFixture) post(t *testing.T, env, state, opener string, user map[string]any) (*response, string) {
	t.Helper()
	r := f.h.send(t, request{method: "POST", path: v0 + "/sdk/" + env + "/telegram/auth",
		header: map[string]string{"X-Dynamicauth-Opener-Origin": opener},
		body:   map[string]any{"state": state, "telegramUser": user}})
	return r, r.header.Get("X-Dynamicauth-Telegram-Code")
}

// login runs a widget login to its code.
func (f *telegramFixture) login(t *testing.T, user map[string]any) (state, code string) {
	t.Helper()
	state = f.state(t, f.env)
	r, code := f.post(t, f.env, state, telegramApp, user)
	wantStatus(t, "telegram/auth", r.status, 204, r.json)
	if code == "" {
		t.Fatal("no code handed to the application")
	}
	return state, code
}

func botToken(t *testing.T, claims map[string]any, key string, alg jose.SignatureAlgorithm) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: []byte(key)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestTelegramSignIn(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testTelegramSignIn(t, newHarnessOn(t, backend)) })
	}
}

func testTelegramSignIn(t *testing.T, h *harness) {
	f := newTelegramFixture(t, h)
	st, res := h.do(t, "GET", "/sdk/"+f.env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	p := find(t, list(t, res, "providers"), "provider", "telegram")
	if p["clientId"] != telegramBot || !strings.HasSuffix(str(t, p, "authorizationUrl"), "/sdk/"+f.env+"/telegram/auth") ||
		has(p, "clientSecret") {
		t.Fatalf("telegram provider in the SDK settings: %s", dump(p))
	}

	// The popup page shows the widget for the bot, locked down by CSP.
	state := f.state(t, f.env)
	resp, err := h.srv.Client().Get(h.srv.URL + v0 + "/sdk/" + f.env + "/telegram/auth?state=" + state)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `data-telegram-login="`+telegramBot+`"`) ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'nonce-") {
		t.Fatalf("telegram/auth page: %d %v\n%s", resp.StatusCode, resp.Header, page)
	}

	now := time.Now()
	r, code := f.post(t, f.env, state, telegramApp, widgetUser(4242, "pavel", now, telegramBotToken))
	wantStatus(t, "telegram/auth", r.status, 204, r.json)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"state": state, "code": code})
	wantStatus(t, "telegram/signin", st, 200, res)
	userID := str(t, res, "user.id")
	cred := find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth")
	if cred["oauth_provider"] != "telegram" || cred["oauth_account_id"] != "4242" || cred["oauth_username"] != "pavel" {
		t.Fatalf("telegram credential: %s", dump(cred))
	}
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"state": state, "code": code})
	wantCode(t, "the state's code again", st, res, 422, "other_verify_failure")

	// A Mini App's token, signed by its bot (authDate in milliseconds, as
	// Dynamic's sample bot sends it), signs the same Telegram user in.
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	claims := map[string]any{"id": 4242, "firstName": "Pavel", "username": "pavel", "authDate": now.UnixMilli(),
		"hash": telegramHash(map[string]string{"id": "4242", "first_name": "Pavel", "username": "pavel", "auth_date": ms}, telegramBotToken)}
	tok := botToken(t, claims, telegramBotToken, jose.HS256)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"telegramAuthToken": tok})
	wantStatus(t, "telegramAuthToken signin", st, 200, res)
	wantEq(t, res, "user.id", userID)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"telegramAuthToken": tok})
	wantCode(t, "replayed telegramAuthToken", st, res, 422, "other_verify_failure")

	// Linking: a wallet user adds a Telegram account of their own; one
	// that another user signs in with is refused.
	walletUser, _, session := h.signIn(t, f.env, newEVMWallet(t))
	state, code = f.login(t, widgetUser(777, "carol", now, telegramBotToken))
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/verify", "", map[string]any{"state": state, "code": code})
	wantError(t, "verify without a session", st, res, 401)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/verify", session, map[string]any{"state": state, "code": code})
	wantStatus(t, "telegram/verify", st, 200, res)
	wantEq(t, res, "user.id", walletUser)
	state, code = f.login(t, widgetUser(4242, "pavel", now.Add(-time.Second), telegramBotToken))
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/verify", session, map[string]any{"state": state, "code": code})
	wantCode(t, "linking another user's Telegram account", st, res, 422, "social_account_already_exists")
}

func TestTelegramRefusals(t *testing.T) {
	for _, backend := range backends() {
		// Per-IP limits off: every refusal must reach its handler, past
		// the sign-in bucket's 30 a minute.
		t.Run(backend, func(t *testing.T) {
			testTelegramRefusals(t, newHarnessWith(t, backend, func(c *dynamicauth.Config) {
				c.RateLimits = &ratelimit.Policy{Disabled: true}
			}))
		})
	}
}

func testTelegramRefusals(t *testing.T, h *harness) {
	f := newTelegramFixture(t, h)
	live := h.ids.LiveEnvironmentID
	liveBot := f.addBot(t, live, "live_bot", "7000000002:AAFmLiveBotTokenForTheLiveEnv01234")
	now := time.Now()
	refused := func(t *testing.T, what string, r *response) {
		t.Helper()
		wantCode(t, what, r.status, r.json, 422, "other_verify_failure")
	}

	t.Run("wrong bot hash", func(t *testing.T) {
		u := widgetUser(1, "mallory", now, telegramBotToken)
		u["username"] = "pavel" // tampered after Telegram signed it
		r, _ := f.post(t, f.env, f.state(t, f.env), telegramApp, u)
		refused(t, "tampered widget data", r)
	})
	t.Run("signed with another bot's token", func(t *testing.T) {
		r, _ := f.post(t, f.env, f.state(t, f.env), telegramApp, widgetUser(2, "eve", now, "7000000003:AAGotherBotTokenNotTheEnvsBot012345"))
		refused(t, "another bot's data", r)
	})
	t.Run("stale auth_date", func(t *testing.T) {
		r, _ := f.post(t, f.env, f.state(t, f.env), telegramApp, widgetUser(3, "old", now.Add(-25*time.Hour), telegramBotToken))
		refused(t, "day-old widget data", r)
		r, _ = f.post(t, f.env, f.state(t, f.env), telegramApp, widgetUser(3, "future", now.Add(time.Hour), telegramBotToken))
		refused(t, "widget data from the future", r)
	})
	t.Run("replayed payload", func(t *testing.T) {
		u := widgetUser(4, "once", now, telegramBotToken)
		f.login(t, u)
		r, _ := f.post(t, f.env, f.state(t, f.env), telegramApp, u)
		refused(t, "the same widget data for another state", r)
	})
	t.Run("cross-environment", func(t *testing.T) {
		// the sandbox bot's data posted for a live login: the live bot's
		// token does not sign it
		r, _ := f.post(t, live, f.state(t, live), "", widgetUser(5, "x", now, telegramBotToken))
		refused(t, "the sandbox bot's data in live", r)
		// a sandbox state presented to live
		state := f.state(t, f.env)
		r, _ = f.post(t, live, state, "", widgetUser(5, "x", now, "7000000002:AAFmLiveBotTokenForTheLiveEnv01234"))
		refused(t, "a sandbox state in live", r)
		state, code := f.login(t, widgetUser(6, "y", now, telegramBotToken))
		st, res := h.do(t, "POST", "/sdk/"+live+"/telegram/signin", "", map[string]any{"state": state, "code": code})
		wantCode(t, "a sandbox code in live", st, res, 422, "other_verify_failure")
	})
	t.Run("same bot in two environments", func(t *testing.T) {
		// An operator gives live the sandbox's bot: a payload used in
		// sandbox is still used up in live.
		st, res := h.do(t, "PUT", "/settings/providers/"+liveBot, h.token, map[string]any{"clientSecret": telegramBotToken})
		wantStatus(t, "live takes the sandbox bot", st, 200, res)
		u := widgetUser(11, "twice", now, telegramBotToken)
		f.login(t, u)
		r, _ := f.post(t, live, f.state(t, live), "", u)
		refused(t, "a sandbox payload replayed in live", r)
		r, _ = f.post(t, live, f.state(t, live), "", widgetUser(12, "fresh", now, telegramBotToken))
		wantStatus(t, "a fresh payload in live", r.status, 204, r.json)
	})
	t.Run("code of another login", func(t *testing.T) {
		a, _ := f.login(t, widgetUser(7, "a", now, telegramBotToken))
		_, codeB := f.login(t, widgetUser(8, "b", now, telegramBotToken))
		st, res := h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"state": a, "code": codeB})
		wantCode(t, "b's code under a's state", st, res, 422, "other_verify_failure")
	})
	t.Run("code forged through the OAuth callback", func(t *testing.T) {
		// A Telegram state's code names the account it signs in: only the
		// widget's checked data may write it, not the generic OAuth
		// callback (which names no provider) with a code of the
		// attacker's making.
		victim, code := f.login(t, widgetUser(13, "victim", now, telegramBotToken))
		st, res := h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"state": victim, "code": code})
		wantStatus(t, "the victim signs in", st, 200, res)
		state := f.state(t, f.env)
		forged := strings.Repeat("A", 32) + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"Provider":"telegram","AccountID":"13"}`))
		resp, err := h.srv.Client().Get(h.srv.URL + v0 + "/sdk/" + f.env + "/providers/cbOauthRedirectUrl?state=" + state +
			"&code=" + url.QueryEscape(forged))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"state": state, "code": forged})
		wantCode(t, "a code delivered by the OAuth callback", st, res, 422, "other_verify_failure")
	})
	t.Run("opener not an allowed origin", func(t *testing.T) {
		state := f.state(t, f.env)
		u := widgetUser(9, "victim", now, telegramBotToken)
		r, code := f.post(t, f.env, state, "https://evil.example", u)
		if r.status != 403 || code != "" {
			t.Fatalf("code handed to a foreign opener: %d %q %v", r.status, code, r.json)
		}
		// without an opener nor a return URL, the code stays unsaid
		r, code = f.post(t, f.env, state, "", u)
		if r.status != 204 || code != "" {
			t.Fatalf("no opener: %d %q", r.status, code)
		}
	})
	t.Run("telegramAuthToken forged", func(t *testing.T) {
		fields := map[string]string{"id": "10", "auth_date": strconv.FormatInt(now.Unix(), 10)}
		claims := map[string]any{"id": 10, "authDate": now.Unix(), "hash": telegramHash(fields, telegramBotToken)}
		for name, tok := range map[string]string{
			"signed with another key": botToken(t, claims, "7000000003:AAGotherBotTokenNotTheEnvsBot012345", jose.HS256),
			"HS512":                   botToken(t, claims, telegramBotToken+telegramBotToken, jose.HS512),
			"alg none":                "eyJhbGciOiJub25lIn0.eyJpZCI6MTB9.",
		} {
			st, res := h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"telegramAuthToken": tok})
			wantCode(t, name, st, res, 422, "other_verify_failure")
		}
	})
	t.Run("page", func(t *testing.T) {
		resp, err := h.srv.Client().Get(h.srv.URL + v0 + "/sdk/" + f.env + "/telegram/auth?state=unknown-state-0123456")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 422 {
			t.Fatalf("page of an unknown state: %d", resp.StatusCode)
		}
	})
}

// checkTelegramAuth (a Mini App's isAuthWithTelegram before
// telegram/signin): 204 for a Telegram account a user signs in with, 404
// user_not_found for a new one, and the same login still signs in
// afterwards; a forged token, another bot's, another environment's state
// and a wrong code are refused.
func TestTelegramCheck(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testTelegramCheck(t, newHarnessOn(t, backend)) })
	}
}

func testTelegramCheck(t *testing.T, h *harness) {
	f := newTelegramFixture(t, h)
	path := "/sdk/" + f.env + "/checkTelegramAuth"
	now := time.Now()
	token := func(id int64, name, key string) string {
		ms := strconv.FormatInt(now.UnixMilli(), 10)
		fields := map[string]string{"id": strconv.FormatInt(id, 10), "first_name": "Pavel", "username": name, "auth_date": ms}
		return botToken(t, map[string]any{"id": id, "firstName": "Pavel", "username": name, "authDate": now.UnixMilli(),
			"hash": telegramHash(fields, key)}, key, jose.HS256)
	}
	fresh := token(5151, "newcomer", telegramBotToken)
	st, res := h.do(t, "POST", path, "", map[string]any{"telegramAuthToken": fresh})
	wantCode(t, "a Telegram account nobody signs in with", st, res, 404, "user_not_found")
	// The check used nothing up: the same token signs up, then checks as known.
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"telegramAuthToken": fresh})
	wantStatus(t, "sign-up with the checked token", st, 200, res)
	st, res = h.do(t, "POST", path, "", map[string]any{"telegramAuthToken": token(5151, "newcomer2", telegramBotToken)})
	wantStatus(t, "the account's user now exists", st, 204, res)
	// The token is used now: the check answers what telegram/signin would
	// (it answered 204, and the sign-in it announced was then refused).
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"telegramAuthToken": fresh})
	wantCode(t, "sign-in with the used token", st, res, 422, "other_verify_failure")
	st, res = h.do(t, "POST", path, "", map[string]any{"telegramAuthToken": fresh})
	wantCode(t, "check of the used token", st, res, 422, "other_verify_failure")

	// A widget login's state and code: checked, then still good for signin.
	state, code := f.login(t, widgetUser(5151, "newcomer", now, telegramBotToken))
	st, res = h.do(t, "POST", path, "", map[string]any{"state": state, "code": code})
	wantStatus(t, "check by state and code", st, 204, res)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/telegram/signin", "", map[string]any{"state": state, "code": code})
	wantStatus(t, "signin with the checked state", st, 200, res)
	st, res = h.do(t, "POST", path, "", map[string]any{"state": state, "code": code})
	wantCode(t, "check of the used state", st, res, 422, "other_verify_failure")

	other := h.ids.LiveEnvironmentID
	f.addBot(t, other, "live_bot", "7000000002:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
	otherState, otherCode := f.login(t, widgetUser(5151, "newcomer", now.Add(-time.Second), telegramBotToken))
	for name, body := range map[string]map[string]any{
		"a token of another bot":       {"telegramAuthToken": token(5151, "newcomer", "7000000009:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")},
		"a token with its hash forged": {"telegramAuthToken": botToken(t, map[string]any{"id": 5151, "authDate": now.UnixMilli(), "hash": strings.Repeat("0", 64)}, telegramBotToken, jose.HS256)},
		"a wrong code":                 {"state": otherState, "code": otherCode + "x"},
	} {
		st, res := h.do(t, "POST", path, "", body)
		wantCode(t, name, st, res, 422, "other_verify_failure")
	}
	st, res = h.do(t, "POST", "/sdk/"+other+"/checkTelegramAuth", "", map[string]any{"state": otherState, "code": otherCode})
	wantError(t, "another environment's state", st, res, 422)
	st, res = h.do(t, "POST", path, "", map[string]any{})
	wantError(t, "nothing to check", st, res, 400)
}
