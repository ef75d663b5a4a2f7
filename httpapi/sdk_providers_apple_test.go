package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/social/oidctest"
	"github.com/go-jose/go-jose/v4"
)

// Sign in with Apple over HTTP, as Apple runs it: the provider answers
// the login with response_mode=form_post (an auto-submitted HTML form
// POSTed to providers/apple/redirect, carrying state and code, and on the
// first login a "user" JSON with the name Apple never puts in the ID
// token), and authenticates the client by the ES256 JWT signed with the
// team's key. The provider is zitadel's OP (social/oidctest) with a client
// secret check that verifies that JWT with the generated key's public half.

type appleFixture struct {
	h        *harness
	op       *oidctest.OP
	env      string
	clientID string
	// checked counts the client secrets the provider verified.
	checked atomic.Int32
}

const appleTeam, appleKeyID = "TEAM123456", "KEY1234567"

func newAppleFixture(t *testing.T, h *harness) *appleFixture {
	f := &appleFixture{h: h, env: h.ids.EnvironmentID, clientID: "com.example.web"}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	f.op = oidctest.Start(t, f.clientID, "", "http://localhost"+v0+"/sdk/"+f.env+"/providers/apple/redirect")
	f.op.CheckSecret(func(secret string) error { return f.checkSecret(secret, &key.PublicKey) })
	// Apple's ID token carries no name: the form's user field does.
	f.op.AddUser(oidctest.User{ID: "001234.apple-sub", Email: "ada@privaterelay.appleid.com", EmailVerified: true})
	st, res := h.do(t, "POST", "/environments/"+f.env+"/settings/providers", h.token, map[string]any{
		"provider": "apple", "clientId": f.clientID, "appleTeamId": appleTeam, "appleKeyId": appleKeyID,
		"clientSecret": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "domain": f.op.URL})
	wantStatus(t, "create apple provider", st, 200, res)
	return f
}

// checkSecret is Apple's client authentication: an ES256 JWT by the
// team's key, issued by the team for the Services ID, for Apple.
func (f *appleFixture) checkSecret(secret string, pub *ecdsa.PublicKey) error {
	obj, err := jose.ParseSignedCompact(secret, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return err
	}
	if obj.Signatures[0].Header.KeyID != appleKeyID {
		return errors.New("wrong kid")
	}
	b, err := obj.Verify(pub)
	if err != nil {
		return err
	}
	var c struct {
		Iss, Sub, Aud string
		Exp           int64
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	if c.Iss != appleTeam || c.Sub != f.clientID || c.Aud != social.AppleIssuer || c.Exp < time.Now().Unix() {
		return errors.New("wrong claims")
	}
	f.checked.Add(1)
	return nil
}

// appleForm is the form the provider made the browser POST.
type appleForm struct {
	action string
	fields url.Values
}

var (
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	formHiddens = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// login builds the authorize URL as Dynamic's SDK does for Apple (from
// the SDK settings, with response_mode=form_post), announces the state
// with initAuth and follows the provider's login up to its form_post
// page, whose form it returns (not yet posted).
func (f *appleFixture) login(t *testing.T) (state string, form appleForm) {
	t.Helper()
	st, res := f.h.do(t, "GET", "/sdk/"+f.env+"/settings", "", nil)
	wantStatus(t, "sdk settings", st, 200, res)
	p := find(t, list(t, res, "providers"), "provider", "apple")
	u, err := url.Parse(str(t, p, "baseAuthUrl"))
	if err != nil || u.Host == "" {
		t.Fatalf("baseAuthUrl %v: %v", p["baseAuthUrl"], err)
	}
	state = strings.ReplaceAll(rand.Text(), "=", "")
	q := u.Query()
	for k, v := range map[string]string{"client_id": str(t, p, "clientId"), "response_type": "code",
		"response_mode": "form_post", "redirect_uri": str(t, p, "redirectUrl"), "scope": "openid email name", "state": state} {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	st, res = f.h.do(t, "POST", "/sdk/"+f.env+"/providers/apple/initAuth", "", map[string]any{"state": state, "redirectUrl": appReturn})
	wantStatus(t, "initAuth", st, 204, res)
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	m := formAction.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no form_post page from the provider (%d): %s", resp.StatusCode, body)
	}
	form = appleForm{action: html.UnescapeString(string(m[1])), fields: url.Values{}}
	for _, h := range formHiddens.FindAllSubmatch(body, -1) {
		form.fields.Set(string(h[1]), html.UnescapeString(string(h[2])))
	}
	if form.fields.Get("state") != state || form.fields.Get("code") == "" {
		t.Fatalf("form_post fields %v for state %s", form.fields, state)
	}
	return state, form
}

// post submits the form as the browser does, to this server (the action
// names its public host), and returns the answer without following it.
func (f *appleFixture) post(t *testing.T, form appleForm) (int, http.Header, []byte) {
	t.Helper()
	u, err := url.Parse(form.action)
	if err != nil || u.Host != "localhost" || u.Path != v0+"/sdk/"+f.env+"/providers/apple/redirect" {
		t.Fatalf("form action %q is not this server's Apple redirect", form.action)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Post(f.h.srv.URL+u.Path, "application/x-www-form-urlencoded", strings.NewReader(form.fields.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// refused posts a form that must be refused with the contract's 422
// other_verify_failure, checked against the contract like every answer.
func (f *appleFixture) refused(t *testing.T, what string, form appleForm) {
	t.Helper()
	r := f.h.send(t, request{method: "POST", path: v0 + "/sdk/" + f.env + "/providers/apple/redirect",
		body: form.fields.Encode(), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	wantCode(t, what, r.status, r.json, 422, "other_verify_failure")
}

// written is what sign-ins leave behind: the environment's events and users.
func (f *appleFixture) written(t *testing.T) (events, users int) {
	t.Helper()
	all, _ := f.h.eventPages(t, f.env, "")
	st, res := f.h.do(t, "GET", "/environments/"+f.env+"/users", f.h.token, nil)
	wantStatus(t, "list users", st, 200, res)
	return len(all), len(list(t, res, "users"))
}

func withField(form appleForm, k, v string) appleForm {
	c := appleForm{action: form.action, fields: maps.Clone(form.fields)} // Set replaces, never appends to, a shared slice
	c.fields.Set(k, v)
	return c
}

func TestAppleFormPostOverHTTP(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testAppleFormPost(t, newHarnessOn(t, backend)) })
	}
}

func testAppleFormPost(t *testing.T, h *harness) {
	f := newAppleFixture(t, h)
	state, form := f.login(t)
	// Apple's first answer carries the user's name, once.
	form.fields.Set("user", `{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"ada@privaterelay.appleid.com"}`)
	events0, users0 := f.written(t)

	// A state that does not match the login (tampered), or one of another
	// provider's login: refused, nothing written, the real one unharmed.
	f.refused(t, "tampered state", withField(form, "state", state+"x"))
	f.refused(t, "no state", withField(form, "state", ""))
	st, res := h.do(t, "POST", "/environments/"+f.env+"/settings/providers", h.token, map[string]any{
		"provider": "google", "clientId": f.clientID, "clientSecret": "unused", "domain": f.op.URL})
	wantStatus(t, "create google provider", st, 200, res)
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/providers/google/initAuth", "", map[string]any{"state": "g" + state, "redirectUrl": appReturn})
	wantStatus(t, "initAuth google", st, 204, res)
	f.refused(t, "the state of a Google login", withField(form, "state", "g"+state))

	// The form, posted: 303 back to the application with the code.
	status, hdr, body := f.post(t, form)
	if status != http.StatusSeeOther {
		t.Fatalf("form_post answered %d: %s", status, body)
	}
	back, err := url.Parse(hdr.Get("Location"))
	if err != nil || !strings.HasPrefix(back.String(), appReturn+"?") || back.Query().Get("dynamicOauthState") != state ||
		back.Query().Get("dynamicOauthCode") != form.fields.Get("code") {
		t.Fatalf("back to the application at %q", hdr.Get("Location"))
	}
	// Replayed, as is or with another code: refused, the delivered code kept.
	f.refused(t, "replayed form_post", form)
	f.refused(t, "replayed form_post with another code", withField(form, "code", "attacker-code"))
	if e, u := f.written(t); e != events0 || u != users0 {
		t.Fatalf("refusals wrote: events %d -> %d, users %d -> %d", events0, e, users0, u)
	}

	st, res = h.do(t, "POST", "/sdk/"+f.env+"/providers/apple/signIn", "", map[string]any{"state": state, "code": back.Query().Get("dynamicOauthCode")})
	wantStatus(t, "signIn", st, 200, res)
	userID := str(t, res, "user.id")
	cred := find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth")
	if cred["oauth_provider"] != "apple" || cred["oauth_account_id"] != "001234.apple-sub" || cred["oauth_display_name"] != "Ada Lovelace" {
		t.Errorf("oauth credential: %s", dump(cred))
	}
	find(t, list(t, res, "user.verifiedCredentials"), "format", "email")
	if f.checked.Load() == 0 {
		t.Fatal("the provider never checked an ES256 client secret")
	}
	// After the sign-in the state is gone: the form is refused again.
	f.refused(t, "form_post after the sign-in", form)

	// A second login sends no user field: the same user, the name kept.
	state, form = f.login(t)
	status, hdr, body = f.post(t, form)
	if status != http.StatusSeeOther {
		t.Fatalf("second form_post answered %d: %s", status, body)
	}
	back, _ = url.Parse(hdr.Get("Location"))
	st, res = h.do(t, "POST", "/sdk/"+f.env+"/providers/apple/signIn", "", map[string]any{"state": state, "code": back.Query().Get("dynamicOauthCode")})
	wantStatus(t, "second signIn", st, 200, res)
	if got := str(t, res, "user.id"); got != userID {
		t.Fatalf("second login signed in %s, want %s", got, userID)
	}
	if cred := find(t, list(t, res, "user.verifiedCredentials"), "format", "oauth"); cred["oauth_display_name"] != "Ada Lovelace" {
		t.Errorf("the name Apple sent once was lost at the second login: %s", dump(cred))
	}
}
