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

// TestSendApproval: the email names the device and carries the link; a
// user agent is the sign-in's own text, escaped in the HTML part; without
// a link or a mailer nothing is sent.
func TestSendApproval(t *testing.T) {
	box := &deliverytest.Box{}
	s := NewService(Deps{Mailer: box})
	ua := `<img src=x onerror=alert(1)>`
	s.SendApproval(context.Background(), "env", "Acme", "ada@example.com", "https://app.example.com/?deviceRegistrationToken=T", "T", ua)
	m := box.LastEmail(t, "ada@example.com")
	if m.Code != "T" || m.EnvironmentID != "env" || !strings.Contains(m.Text, ua) || strings.Contains(m.HTML, ua) ||
		!strings.Contains(m.HTML, `href="https://app.example.com/?deviceRegistrationToken=T"`) || !strings.Contains(m.Subject, "Acme") {
		t.Fatalf("email: %+v", m)
	}
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
