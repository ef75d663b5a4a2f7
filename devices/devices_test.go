package devices

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestLink: the approval link goes to the page the sign-in came from only
// when that is one of the environment's origins; an Origin the request
// names on its own (an attacker's page, which would receive the token)
// gets the environment's first origin instead, and no origin at all no
// link.
func TestLink(t *testing.T) {
	sandbox := &tenant.Environment{ID: "e", Name: tenant.EnvSandbox}
	live := &tenant.Environment{ID: "e", Name: tenant.EnvLive}
	app := []tenant.Origin{{Origin: "https://app.example.com"}, {Origin: "https://www.example.com"}}
	for _, c := range []struct {
		name    string
		env     *tenant.Environment
		origins []tenant.Origin
		origin  string
		want    string // the link's page, "" for no link
	}{
		{"listed origin", live, app, "https://www.example.com", "https://www.example.com/"},
		{"listed origin, other case", live, app, "HTTPS://WWW.EXAMPLE.COM", "https://www.example.com/"},
		{"attacker's origin", live, app, "https://evil.example", "https://app.example.com/"},
		{"no origin", live, app, "", "https://app.example.com/"},
		{"sandbox without origins, localhost", sandbox, nil, "http://localhost:3000", "http://localhost:3000/"},
		{"sandbox without origins, another host", sandbox, nil, "https://evil.example", ""},
		{"live without origins", live, nil, "http://localhost:3000", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Link(c.env, c.origins, c.origin, "tok+/=en")
			if c.want == "" {
				if got != "" {
					t.Fatalf("link %q, want none", got)
				}
				return
			}
			u, err := url.Parse(got)
			if err != nil || u.Scheme+"://"+u.Host+u.Path != c.want || u.Query().Get("deviceRegistrationToken") != "tok+/=en" {
				t.Fatalf("link %q, want %s?deviceRegistrationToken=tok+/=en", got, c.want)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"security":{"deviceRegistrationRequired":true}}`:  true,
		`{"security":{"deviceRegistrationRequired":false}}`: false,
		`{"security":{}}`: false,
		`{"security":{"deviceRegistrationRequired":"yes"}}`: false,
		`not json`: false,
	} {
		if got := Required([]byte(doc)); got != want {
			t.Errorf("Required(%s) = %t, want %t", doc, got, want)
		}
	}
}

// TestTokens: tokens are 256 random bits; only their hash is stored, and
// the hash does not reveal the token.
func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 43 || seen[tok] || strings.Contains(HashToken(tok), tok) || len(HashToken(tok)) != 64 {
			t.Fatalf("token %q (seen %t), hash %s", tok, seen[tok], HashToken(tok))
		}
		seen[tok] = true
	}
}

// TestSendApproval: the email names the device by its browser and system
// and carries the link. The user agent is the signing-in client's own
// text, and the email goes to the account's owner: none of it is copied
// in (a sentence and a link of the attacker's in a trusted email). Without
// a link or a mailer nothing is sent.
func TestSendApproval(t *testing.T) {
	box := &deliverytest.Box{}
	s := NewService(Deps{Mailer: box})
	for _, c := range []struct{ ua, want string }{
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on macOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0", "Edge on Android"},
		{"Your account is at risk: secure it at https://evil.example/now <img src=x onerror=alert(1)>", "an unrecognised device"},
		{"", "an unrecognised device"},
	} {
		s.SendApproval(context.Background(), "env", "Acme", "ada@example.com", "https://app.example.com/?deviceRegistrationToken=T", "T", c.ua)
		m := box.LastEmail(t, "ada@example.com")
		if m.Code != "T" || m.EnvironmentID != "env" || !strings.Contains(m.Text, c.want) || !strings.Contains(m.HTML, c.want) ||
			!strings.Contains(m.HTML, `href="https://app.example.com/?deviceRegistrationToken=T"`) || !strings.Contains(m.Subject, "Acme") {
			t.Fatalf("%q: email: %+v", c.ua, m)
		}
		for _, part := range []string{m.Subject, m.Text, m.HTML} {
			if strings.Contains(part, "evil.example") || strings.Contains(part, "<img") || strings.Contains(part, "risk") {
				t.Fatalf("the email carries the user agent's text: %q", part)
			}
		}
	}
	ua := "Mozilla/5.0"
	box = &deliverytest.Box{}
	s = NewService(Deps{Mailer: box})
	s.SendApproval(context.Background(), "env", "Acme", "ada@example.com", "https://app.example.com/?deviceRegistrationToken=T", "T", ua)
	s.SendApproval(context.Background(), "env", "Acme", "bob@example.com", "", "T", ua)
	NewService(Deps{}).SendApproval(context.Background(), "env", "Acme", "bob@example.com", "https://x.example/", "T", ua)
	if len(box.Emails()) != 1 {
		t.Fatalf("%d emails, want only the first", len(box.Emails()))
	}
}

// TestSettingsRule: an update without security.deviceRegistrationRequired
// (a client that predates it) keeps the stored value, null clears it, and
// a value that is not a boolean is refused.
func TestSettingsRule(t *testing.T) {
	stored := []byte(`{"security":{"deviceRegistrationRequired":true}}`)
	next := map[string]any{"security": map[string]any{"jwtDuration": 1}}
	if err := SettingsRule(next, stored); err != nil || !Required(mustJSON(t, next)) {
		t.Fatalf("omitted: %v, %v", err, next)
	}
	next = map[string]any{"security": map[string]any{"deviceRegistrationRequired": nil}}
	if err := SettingsRule(next, stored); err != nil || Required(mustJSON(t, next)) {
		t.Fatalf("null: %v, %v", err, next)
	}
	for _, bad := range []any{"true", 1, map[string]any{}} {
		next = map[string]any{"security": map[string]any{"deviceRegistrationRequired": bad}}
		if err := SettingsRule(next, stored); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("%v: %v", bad, err)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
