package social

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// closedAddr is a loopback address nothing listens on: a provider that
// is down.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// answering is a provider endpoint answering status with body (a body
// that echoes the client's secret, as a careless provider might).
func answering(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// wantUnavailable checks err is the provider's failure, naming the
// endpoint and its host, and not the user's doing.
func wantUnavailable(t *testing.T, what string, err error, endpoint, host string) {
	t.Helper()
	var u *Unavailable
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &u) {
		t.Fatalf("%s: %v, want ErrUnavailable", what, err)
	}
	if u.Endpoint != endpoint || u.Host != host {
		t.Errorf("%s: endpoint %q at %q, want %q at %q", what, u.Endpoint, u.Host, endpoint, host)
	}
	for _, user := range []error{ErrExchange, ErrUser, ErrIDToken, ErrStateNotFound} {
		if errors.Is(err, user) {
			t.Errorf("%s: %v also reads as the user's refusal %v", what, err, user)
		}
	}
	if strings.Contains(err.Error(), "csecret") {
		t.Errorf("%s: the client secret in the error: %v", what, err)
	}
}

// TestDiscoveryUnavailable: an OpenID provider whose discovery document
// cannot be read (down, answering 5xx) is the provider's failure, told
// apart from a refused login.
func TestDiscoveryUnavailable(t *testing.T) {
	down := closedAddr(t)
	failing := answering(t, http.StatusServiceUnavailable, `{"error":"maintenance"}`)
	for _, issuer := range []string{"http://" + down, failing} {
		u, _ := url.Parse(issuer)
		flow := New(Deps{States: NewMemoryStates(), AllowPrivate: true})
		s := Settings{Type: OIDC, ClientID: "cid", ClientSecret: "csecret", RedirectURL: testRedirect, Issuer: issuer}
		err := flow.Register(context.Background(), "env", s, "s0123456789abcdefghij", "", "")
		wantUnavailable(t, "initAuth at "+issuer, err, "discovery", u.Host)
		_, err = flow.Begin(context.Background(), "env", s, "", "")
		wantUnavailable(t, "loginUrl at "+issuer, err, "discovery", u.Host)
	}
}

// TestTokenEndpointUnavailable: the token endpoint down or answering 5xx
// fails the login as the provider's failure; its 4xx (a bad code) stays
// the user's refusal. The user endpoint likewise.
func TestTokenEndpointUnavailable(t *testing.T) {
	down := closedAddr(t)
	srv := newOAuthServer(t, false, map[string]any{"id": 7, "login": "octo"}, []any{})
	cases := []struct {
		name, tokenURL, userURL, endpoint string
		user                              bool // the user's refusal, not the provider's failure
	}{
		{"token endpoint down", "http://" + down + "/token", srv.srv.URL + "/user", "token", false},
		{"token endpoint 503", answering(t, 503, `{"error":"temporarily_unavailable","client_secret":"csecret"}`),
			srv.srv.URL + "/user", "token", false},
		{"token endpoint 400", answering(t, 400, `{"error":"invalid_grant"}`), srv.srv.URL + "/user", "token", true},
		{"user endpoint 502", srv.srv.URL + "/token", answering(t, 502, `csecret`), "user", false},
		{"user endpoint 401", srv.srv.URL + "/token", answering(t, 401, ``), "user", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Settings{Type: GitHub, ClientID: "cid", ClientSecret: "csecret", RedirectURL: testRedirect,
				AuthURL: srv.srv.URL + "/authorize", TokenURL: c.tokenURL, UserURL: c.userURL, EmailsURL: srv.srv.URL + "/user/emails"}
			flow := New(Deps{States: NewMemoryStates(), AllowPrivate: true})
			ctx := context.Background()
			start, err := flow.Begin(ctx, "env", s, "b", "")
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = flow.Complete(ctx, "env", s, browse(t, start.URL), "b")
			if c.user {
				if err == nil || errors.Is(err, ErrUnavailable) {
					t.Fatalf("%v, want the user's refusal", err)
				}
				return
			}
			want := c.tokenURL
			if c.endpoint == "user" {
				want = c.userURL
			}
			u, _ := url.Parse(want)
			wantUnavailable(t, c.name, err, c.endpoint, u.Host)
		})
	}
}

// TestDiscoveryFailureIsRemembered: a provider whose discovery failed is
// not asked again for a while: every SDK settings read (baseAuthUrl) and
// login would otherwise wait on a provider that hangs, each up to the
// client's timeout. Once the while is over it is asked again.
func TestDiscoveryFailureIsRemembered(t *testing.T) {
	var hits atomic.Int32
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); srv.Close() })
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	flow := New(Deps{States: NewMemoryStates(), HTTPClient: &http.Client{Timeout: 200 * time.Millisecond},
		Now: func() time.Time { return now }})
	s := Settings{Type: OIDC, ClientID: "cid", ClientSecret: "csecret", RedirectURL: testRedirect, Issuer: srv.URL}
	host := strings.TrimPrefix(srv.URL, "http://")
	for i := range 3 {
		began := time.Now()
		_, err := flow.Begin(context.Background(), "env", s, "", "")
		wantUnavailable(t, fmt.Sprintf("login %d", i), err, "discovery", host)
		if i > 0 && time.Since(began) > 100*time.Millisecond {
			t.Errorf("login %d waited %v on a provider that just failed", i, time.Since(began))
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("discovery asked %d times, want once", n)
	}
	now = now.Add(discoveryRetry)
	_, err := flow.Begin(context.Background(), "env", s, "", "")
	wantUnavailable(t, "login after the while", err, "discovery", host)
	if n := hits.Load(); n != 2 {
		t.Fatalf("discovery asked %d times after the while, want twice", n)
	}
}

// TestBaseAuthURLDiscoveryFailureIsLogged: an SDK settings read leaves
// out the baseAuthUrl of a provider whose discovery failed, and tells the
// operator once per remembered failure, not on every read.
func TestBaseAuthURLDiscoveryFailureIsLogged(t *testing.T) {
	failing := answering(t, http.StatusServiceUnavailable, `{"error":"maintenance"}`)
	var logged bytes.Buffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	flow := New(Deps{States: NewMemoryStates(), AllowPrivate: true, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(&logged, nil))})
	logins := NewLogins(NewProviders(ProvidersDeps{}), flow)
	p := &Provider{ID: "p1", EnvironmentID: "env-1", Type: Google, ClientID: "cid", Domain: failing}
	lines := func() []string { return strings.FieldsFunc(logged.String(), func(r rune) bool { return r == '\n' }) }
	for i := range 3 {
		if got := logins.BaseAuthURL(context.Background(), p); got != "" {
			t.Fatalf("read %d: baseAuthUrl %q of a provider whose discovery failed", i, got)
		}
	}
	host := strings.TrimPrefix(failing, "http://")
	got := lines()
	if len(got) != 1 {
		t.Fatalf("%d log lines for 3 reads of one remembered failure, want 1: %q", len(got), logged.String())
	}
	for _, want := range []string{"level=WARN", "provider=google", "environmentId=env-1", "host=" + host, "503"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("log line lacks %q: %s", want, got[0])
		}
	}
	// The failure forgotten, discovery is asked again; failing again, it
	// is told again.
	now = now.Add(discoveryRetry)
	logins.BaseAuthURL(context.Background(), p)
	logins.BaseAuthURL(context.Background(), p)
	if n := len(lines()); n != 2 {
		t.Fatalf("%d log lines after a second failure, want 2: %q", n, logged.String())
	}
}

// providerList is a provider store holding fixed providers.
type providerList []Provider

func (l providerList) ListProviders(_ context.Context, envID string) ([]Provider, error) {
	var out []Provider
	for _, p := range l {
		if p.EnvironmentID == envID {
			out = append(out, p)
		}
	}
	return out, nil
}

func (providerList) CreateProvider(context.Context, *Provider) error        { panic("unused") }
func (providerList) GetProvider(context.Context, string) (*Provider, error) { panic("unused") }
func (providerList) UpdateProvider(context.Context, *Provider) error        { panic("unused") }
func (providerList) DeleteProvider(context.Context, string) error           { panic("unused") }

// TestUnreachableLogIsThrottled: logins with a provider that is down
// fail each (422 provider_not_available), but the warning is rated per
// environment, provider and failing endpoint: anyone can start a login,
// and must not flood the log. The first is logged at once, then one per
// 30 s saying how many were left out.
func TestUnreachableLogIsThrottled(t *testing.T) {
	down := "http://" + closedAddr(t)
	var logged bytes.Buffer
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	flow := New(Deps{States: NewMemoryStates(), AllowPrivate: true, Now: func() time.Time { return now },
		Log: slog.New(slog.NewTextHandler(&logged, nil))})
	enabled := now
	logins := NewLogins(NewProviders(ProvidersDeps{Store: providerList{
		{ID: "p1", EnvironmentID: "env-1", Type: Google, ClientID: "cid", Domain: down, EnabledAt: &enabled},
		{ID: "p2", EnvironmentID: "env-2", Type: Google, ClientID: "cid", Domain: down, EnabledAt: &enabled},
	}}), flow)
	lines := func() []string { return strings.FieldsFunc(logged.String(), func(r rune) bool { return r == '\n' }) }
	login := func(env string) {
		t.Helper()
		_, err := logins.Begin(context.Background(), env, Google, testRedirect, "", "", "")
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("login at %s: %v, want the provider unavailable", env, err)
		}
	}
	for range 50 {
		login("env-1")
		now = now.Add(100 * time.Millisecond)
	}
	if got := lines(); len(got) != 1 || strings.Contains(got[0], "suppressed") {
		t.Fatalf("%d log lines for 50 failed logins, want 1 saying nothing left out:\n%s", len(got), logged.String())
	}
	login("env-2") // another environment's provider: told at once
	if n := len(lines()); n != 2 {
		t.Fatalf("%d log lines after another environment's failure, want 2:\n%s", n, logged.String())
	}
	now = now.Add(discoveryRetry)
	login("env-1")
	got := lines()
	if len(got) != 3 || !strings.Contains(got[2], "environmentId=env-1") || !strings.Contains(got[2], "suppressed=49") {
		t.Fatalf("after 30 s, want a third line saying 49 left out:\n%s", logged.String())
	}
}
