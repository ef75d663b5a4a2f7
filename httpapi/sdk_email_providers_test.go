package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// mailAPI is a local stand-in for SendGrid's or Resend's send API (the
// paid APIs are unreachable from the tests): it checks each request the
// way the provider documents it and keeps the code of the text part.
type mailAPI struct {
	t      *testing.T
	path   string // /v3/mail/send or /emails
	key    string
	status int // answered to a request with the right key
	body   string

	mu    sync.Mutex
	calls []map[string]any
	codes map[string]string // recipient -> last code
}

func startMailAPI(t *testing.T, path, key string, status int, body string) (*mailAPI, *httptest.Server) {
	api := &mailAPI{t: t, path: path, key: key, status: status, body: body, codes: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(srv.Close)
	return api, srv
}

func (a *mailAPI) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.URL.Path != a.path {
		a.t.Errorf("%s %s, want POST %s", r.Method, r.URL.Path, a.path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		a.t.Errorf("Content-Type %q", ct)
	}
	w.Header().Set("Content-Type", "application/json")
	if got := r.Header.Get("Authorization"); got != "Bearer "+a.key {
		// As the providers do, and echoing the key it was sent, so a
		// leak into an error or a log would show.
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"errors":[{"message":"The provided authorization grant is invalid: `+
			strings.TrimPrefix(got, "Bearer ")+`"}],"name":"validation_error","message":"API key is invalid: `+
			strings.TrimPrefix(got, "Bearer ")+`"}`)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		a.t.Errorf("body is not JSON: %s", b)
	}
	to, text := "", ""
	if a.path == "/v3/mail/send" {
		// personalizations[0].to[0].email; content[0] is text/plain.
		p, _ := m["personalizations"].([]any)
		if len(p) == 1 {
			tos, _ := p[0].(map[string]any)["to"].([]any)
			if len(tos) == 1 {
				to, _ = tos[0].(map[string]any)["email"].(string)
			}
		}
		if c, _ := m["content"].([]any); len(c) == 2 {
			first := c[0].(map[string]any)
			if first["type"] != "text/plain" || c[1].(map[string]any)["type"] != "text/html" {
				a.t.Errorf("content must be text/plain then text/html: %s", b)
			}
			text, _ = first["value"].(string)
		}
	} else {
		if tos, _ := m["to"].([]any); len(tos) == 1 {
			to, _ = tos[0].(string)
		}
		text, _ = m["text"].(string)
		if h, _ := m["html"].(string); sixDigits.FindString(h) != sixDigits.FindString(text) {
			a.t.Errorf("html and text carry different codes: %s", b)
		}
	}
	if s, _ := m["subject"].(string); s == "" {
		a.t.Errorf("no subject: %s", b)
	}
	a.mu.Lock()
	a.calls = append(a.calls, m)
	a.codes[to] = sixDigits.FindString(text)
	a.mu.Unlock()
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (a *mailAPI) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

func (a *mailAPI) last() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[len(a.calls)-1]
}

func (a *mailAPI) code(t testing.TB, to string) string {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.codes[to]
	if c == "" {
		t.Fatalf("%s: no code was sent to %s", a.path, to)
	}
	return c
}

// logBuffer collects the server's logs from its handlers' goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const (
	sendgridKey = "SG.env-own-key.abcdefghijklmnopqrstuvwxyz0123"
	resendKey   = "re_env_own_key_ZYXWVUTSRQ9876"
)

// TestEnvironmentEmailProviderSendsTheCodes: an environment's enabled
// SendGrid (then Resend) provider carries its sign-in codes, with the API
// key from its sealed settings, ahead of the server's mailer; disabled,
// the server's mailer takes over again; the key shows in no answer and
// no log line, not even when the provider echoes it in a refusal.
func TestEnvironmentEmailProviderSendsTheCodes(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) { testEnvironmentEmailProvider(t, backend) })
	}
}

func testEnvironmentEmailProvider(t *testing.T, backend string) {
	sg, sgSrv := startMailAPI(t, "/v3/mail/send", sendgridKey, http.StatusAccepted, "")
	rs, rsSrv := startMailAPI(t, "/emails", resendKey, http.StatusOK, `{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}`)
	box := &deliverytest.Box{}
	logs := &logBuffer{}
	h := newHarnessWith(t, backend, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.RateLimits = &ratelimit.Policy{Disabled: true}
		c.EmailProviders = dynamicauth.EmailProvidersConfig{From: "Server <server@auth.test>",
			SendGridURL: sgSrv.URL, ResendURL: rsSrv.URL}
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	base := "/environments/" + env + "/settings/providers"
	h.enableCodes(t, env, nil, "emailOnly")
	var seen []string // every answer the test reads, checked for the keys at the end
	get := func(what, path, token string) any {
		t.Helper()
		st, res := h.do(t, "GET", path, token, nil)
		wantStatus(t, what, st, 200, res)
		seen = append(seen, dump(res))
		return res
	}
	// signIn asks for a code for email, reads it where codeOf says it
	// went, and signs in with it.
	signIn := func(what, email string, codeOf func(t testing.TB, to string) string) {
		t.Helper()
		st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": email})
		wantStatus(t, what+": create", st, 200, res)
		vid := str(t, res, "verificationUUID")
		st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{
			"verificationUUID": vid, "verificationToken": codeOf(t, email)})
		wantStatus(t, what+": sign in", st, 200, res)
		wantEq(t, res, "user.email", strings.ToLower(email))
	}

	wantEq(t, get("emailProvider, no provider", sdk+"/emailProvider?email=a@example.com", ""), "emailProvider", "emailOnly")

	// Refused: a provider that could not send.
	for _, c := range []struct {
		what string
		body map[string]any
	}{
		{"sendgrid without its API key", map[string]any{"provider": "sendgrid", "clientId": "auth@acme.test"}},
		{"a sender that is not an address", map[string]any{"provider": "sendgrid", "clientSecret": sendgridKey, "clientId": "Acme"}},
		{"an IP pool on resend", map[string]any{"provider": "resend", "clientSecret": resendKey, "sendgridIpPoolName": "p"}},
		{"an IP pool on github", map[string]any{"provider": "github", "clientId": "x", "sendgridIpPoolName": "p"}},
		{"an IP pool name too long", map[string]any{"provider": "sendgrid", "clientSecret": sendgridKey, "sendgridIpPoolName": strings.Repeat("p", 65)}},
	} {
		st, res := h.do(t, "POST", base, h.token, c.body)
		wantStatus(t, c.what, st, 400, res)
	}
	if got := list(t, get("list after refusals", base, h.token), "providers"); len(got) != 0 {
		t.Fatalf("a refused provider was stored: %v", got)
	}

	st, res := h.do(t, "POST", base, h.token, map[string]any{"provider": "sendgrid", "clientSecret": sendgridKey,
		"clientId": "Acme <auth@acme.test>", "sendgridIpPoolName": "transactional"})
	wantStatus(t, "create sendgrid", st, 200, res)
	seen = append(seen, dump(res))
	sgID := str(t, res, "id")
	wantEq(t, res, "provider", "sendgrid")
	wantEq(t, res, "clientId", "Acme <auth@acme.test>")
	wantEq(t, res, "sendgridIpPoolName", "transactional")
	if m := str(t, res, "clientSecret"); !strings.HasSuffix(m, sendgridKey[len(sendgridKey)-4:]) || strings.Contains(m, "env-own") {
		t.Fatalf("API key not masked: %q", m)
	}
	if _, ok := res.(map[string]any)["redirectUrl"]; ok {
		t.Errorf("an email provider has no redirect URL: %s", dump(res))
	}
	stored, err := h.store.GetProvider(t.Context(), sgID)
	if err != nil || bytes.Contains(stored.ClientSecretSealed, []byte("env-own-key")) {
		t.Fatalf("API key stored in clear (or not stored): %v", err)
	}
	// emailProvider names the sign-in method (the client documents
	// emailOnly or magicLink), which a delivery provider does not change.
	wantEq(t, get("emailProvider, sendgrid enabled", sdk+"/emailProvider?email=a@example.com", ""), "emailProvider", "emailOnly")
	for _, p := range list(t, get("sdk settings", sdk+"/settings", ""), "providers") {
		if typ := p.(map[string]any)["provider"]; typ == "sendgrid" || typ == "resend" {
			t.Errorf("an email provider is listed in the public SDK settings: %v", p)
		}
	}

	// The code goes through SendGrid, as its v3 Mail Send API documents,
	// from the provider's sender and IP pool; the server's mailer sends
	// nothing.
	signIn("through sendgrid", "ada@example.com", sg.code)
	m := sg.last()
	if from, _ := m["from"].(map[string]any); from["email"] != "auth@acme.test" || from["name"] != "Acme" {
		t.Errorf("sendgrid from %v", m["from"])
	}
	if m["ip_pool_name"] != "transactional" {
		t.Errorf("ip_pool_name %v", m["ip_pool_name"])
	}
	if len(box.Emails()) != 0 {
		t.Fatalf("the server's mailer sent %d emails while the environment has sendgrid", len(box.Emails()))
	}

	// Disabled, the server's mailer takes over.
	st, res = h.do(t, "PUT", "/settings/providers/"+sgID+"/disable", h.token, nil)
	wantStatus(t, "disable sendgrid", st, 200, res)
	seen = append(seen, dump(res))
	signIn("sendgrid disabled", "bo@example.com", box.Code)
	if sg.count() != 1 {
		t.Fatalf("sendgrid called %d times, want 1", sg.count())
	}

	// Resend, with no sender of its own: the server's --mail-from.
	st, res = h.do(t, "POST", base, h.token, map[string]any{"provider": "resend", "clientSecret": resendKey})
	wantStatus(t, "create resend", st, 200, res)
	seen = append(seen, dump(res))
	signIn("through resend", "cy@example.com", rs.code)
	if got := rs.last(); got["from"] != "Server <server@auth.test>" || dump(got["to"]) != `["cy@example.com"]` {
		t.Errorf("resend body %v", got)
	}

	// Both enabled: SendGrid is chosen.
	st, res = h.do(t, "PUT", "/settings/providers/"+sgID+"/enable", h.token, nil)
	wantStatus(t, "enable sendgrid", st, 200, res)
	signIn("both enabled", "ez@example.com", sg.code)
	if rs.count() != 1 {
		t.Fatalf("resend called %d times with sendgrid enabled too, want 1", rs.count())
	}

	// A wrong key: the provider refuses (echoing the key); the client gets
	// provider_not_available, the log says why without the key, and
	// asking again works once the key is right.
	st, res = h.do(t, "PUT", "/settings/providers/"+sgID, h.token, map[string]any{"clientSecret": "SG.wrong-key.0000000000000000"})
	wantStatus(t, "set a wrong key", st, 200, res)
	seen = append(seen, dump(res))
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "di@example.com"})
	wantErrCode(t, "sendgrid refuses", st, res, 422, "provider_not_available")
	seen = append(seen, dump(res))
	if !strings.Contains(logs.String(), "HTTP 401") {
		t.Errorf("the refusal is not logged:\n%s", logs.String())
	}
	st, res = h.do(t, "PUT", "/settings/providers/"+sgID, h.token, map[string]any{"clientSecret": sendgridKey})
	wantStatus(t, "set the key back", st, 200, res)
	signIn("asked again once the key is right", "di@example.com", sg.code)

	st, res = h.do(t, "PUT", "/settings/providers/"+sgID, h.token, map[string]any{"clientSecret": ""})
	wantStatus(t, "removing the API key", st, 400, res)
	get("get sendgrid", "/settings/providers/"+sgID, h.token)
	get("list", base, h.token)
	get("environment", "/environments/"+env, h.token)
	for _, key := range []string{sendgridKey, resendKey, "SG.wrong-key.0000000000000000", "env-own-key", "wrong-key"} {
		for _, body := range seen {
			if strings.Contains(body, key) {
				t.Errorf("an answer holds the API key %q: %s", key, body)
			}
		}
		if strings.Contains(logs.String(), key) {
			t.Errorf("the log holds the API key %q:\n%s", key, logs.String())
		}
	}
}

// TestEnvironmentEmailProviderWithoutServerMailer: on a server with no
// mailer of its own, email sign-in is on exactly for the environments
// with an enabled email provider.
func TestEnvironmentEmailProviderWithoutServerMailer(t *testing.T) {
	sg, sgSrv := startMailAPI(t, "/v3/mail/send", sendgridKey, http.StatusAccepted, "")
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.RateLimits = &ratelimit.Policy{Disabled: true}
		c.EmailProviders = dynamicauth.EmailProvidersConfig{SendGridURL: sgSrv.URL}
	})
	env := h.ids.EnvironmentID
	sdk := "/sdk/" + env
	h.enableCodes(t, env, nil, "emailOnly")
	st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "ed@example.com"})
	wantErrCode(t, "no mailer, no provider", st, res, 422, "no_enabled_email_provider")

	st, res = h.do(t, "POST", "/environments/"+env+"/settings/providers", h.token, map[string]any{"provider": "sendgrid",
		"clientSecret": sendgridKey, "clientId": "auth@acme.test"})
	wantStatus(t, "create sendgrid", st, 200, res)
	id := str(t, res, "id")
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "ed@example.com"})
	wantStatus(t, "create with sendgrid", st, 200, res)
	st, res = h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{
		"verificationUUID": str(t, res, "verificationUUID"), "verificationToken": sg.code(t, "ed@example.com")})
	wantStatus(t, "sign in", st, 200, res)
	wantEq(t, res, "user.email", "ed@example.com")

	// The other environment has no provider: still off there.
	live := "/sdk/" + h.ids.LiveEnvironmentID
	h.enableCodes(t, h.ids.LiveEnvironmentID, nil, "emailOnly")
	st, res = h.do(t, "POST", live+"/emailVerifications/create", "", map[string]any{"email": "ed@example.com"})
	wantErrCode(t, "other environment", st, res, 422, "no_enabled_email_provider")

	st, res = h.do(t, "PUT", "/settings/providers/"+id+"/disable", h.token, nil)
	wantStatus(t, "disable", st, 200, res)
	st, res = h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": "fa@example.com"})
	wantErrCode(t, "provider disabled, no mailer", st, res, 422, "no_enabled_email_provider")
}
