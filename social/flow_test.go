package social

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/social/oidctest"
	"golang.org/x/oauth2"
)

// Edit changes a kept state in place: the tests play an attacker who
// got hold of the server's state (or a buggy client losing its verifier).
func (s *MemoryStates) Edit(id string, f func(*State)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if ok {
		f(st)
	}
	return ok
}

const (
	testClientID = "dynamicauth-rp"
	testSecret   = "rp-secret"
	testRedirect = "http://127.0.0.1:1/api/v0/sdk/env/providers/oidc/redirect"
)

// browse follows the login from the authorize URL through the provider
// until the provider sends the browser to our redirect URL, and returns
// that callback.
func browse(t *testing.T, authURL string) Callback {
	t.Helper()
	var landed *url.URL
	c := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), testRedirect) {
			landed = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatalf("browse %s: %v", authURL, err)
	}
	resp.Body.Close()
	if landed == nil {
		t.Fatalf("the provider never sent the browser back (status %d at %s)", resp.StatusCode, resp.Request.URL)
	}
	q := landed.Query()
	return Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")}
}

type oidcFixture struct {
	op       *oidctest.OP
	flow     *Flow
	states   *MemoryStates
	settings Settings
}

func newOIDCFixture(t *testing.T) *oidcFixture {
	o := oidctest.Start(t, testClientID, testSecret, testRedirect)
	o.AddUser(oidctest.User{ID: "op-user-1", Email: "Ada@Example.com", Name: "Ada Lovelace", EmailVerified: true})
	states := NewMemoryStates()
	return &oidcFixture{op: o, states: states, flow: New(Deps{States: states, AllowPrivate: true}),
		settings: Settings{Type: OIDC, ClientID: testClientID, ClientSecret: testSecret, RedirectURL: testRedirect, Issuer: o.URL}}
}

func (f *oidcFixture) begin(t *testing.T, binding string) (*Start, Callback) {
	t.Helper()
	start, err := f.flow.Begin(context.Background(), "env", f.settings, binding, "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(start.URL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") != start.State {
		t.Fatalf("authorize URL lacks PKCE S256, nonce or state: %s", start.URL)
	}
	return start, browse(t, start.URL)
}

func TestOIDCLoginAgainstARealProvider(t *testing.T) {
	f := newOIDCFixture(t)
	ctx := context.Background()
	_, cb := f.begin(t, "browser-1")
	id, toks, err := f.flow.Complete(ctx, "env", f.settings, cb, "browser-1")
	if err != nil {
		t.Fatal(err)
	}
	if id.Provider != OIDC || id.AccountID != "op-user-1" || id.Email != "ada@example.com" || !id.EmailVerified || id.DisplayName != "Ada Lovelace" {
		t.Fatalf("identity %+v", id)
	}
	if toks.AccessToken == "" || toks.IDToken == "" {
		t.Fatalf("tokens %+v", toks)
	}
	// A second login finds the same account.
	_, cb = f.begin(t, "browser-1")
	again, _, err := f.flow.Complete(ctx, "env", f.settings, cb, "browser-1")
	if err != nil || again.AccountID != id.AccountID {
		t.Fatalf("second login: %+v %v", again, err)
	}
}

func TestOIDCUnverifiedEmailIsNotVerified(t *testing.T) {
	f := newOIDCFixture(t)
	f.op.AddUser(oidctest.User{ID: "op-user-2", Email: "mallory@example.com", EmailVerified: false})
	_, cb := f.begin(t, "b")
	id, _, err := f.flow.Complete(context.Background(), "env", f.settings, cb, "b")
	if err != nil {
		t.Fatal(err)
	}
	if id.Email != "mallory@example.com" || id.EmailVerified {
		t.Fatalf("an unverified email passed as verified: %+v", id)
	}
}

func TestOIDCRefusals(t *testing.T) {
	cases := []struct {
		name string
		// arrange runs before the browser goes to the provider.
		arrange func(f *oidcFixture)
		// tamper changes the callback or the kept state after it.
		tamper func(f *oidcFixture, start *Start, cb *Callback, binding *string)
		want   error
	}{
		{"tampered state", nil, func(_ *oidcFixture, _ *Start, cb *Callback, _ *string) { cb.State += "x" }, ErrStateNotFound},
		{"no state", nil, func(_ *oidcFixture, _ *Start, cb *Callback, _ *string) { cb.State = "" }, ErrStateNotFound},
		{"another browser", nil, func(_ *oidcFixture, _ *Start, _ *Callback, b *string) { *b = "attacker" }, ErrStateMismatch},
		{"wrong PKCE verifier", nil, func(f *oidcFixture, s *Start, _ *Callback, _ *string) {
			f.states.Edit(s.State, func(st *State) { st.CodeVerifier = oauth2.GenerateVerifier() })
		}, ErrExchange},
		{"missing PKCE verifier", nil, func(f *oidcFixture, s *Start, _ *Callback, _ *string) {
			f.states.Edit(s.State, func(st *State) { st.CodeVerifier = "" })
		}, ErrExchange},
		{"nonce of another login", nil, func(f *oidcFixture, s *Start, _ *Callback, _ *string) {
			f.states.Edit(s.State, func(st *State) { st.Nonce = "other-nonce" })
		}, ErrIDToken},
		{"expired ID token", func(f *oidcFixture) { f.op.SetIDTokenLifetime(testClientID, -time.Hour) }, nil, ErrIDToken},
		{"provider error", nil, func(_ *oidcFixture, _ *Start, cb *Callback, _ *string) { cb.Code, cb.Error = "", "access_denied" }, ErrProviderDenied},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newOIDCFixture(t)
			if c.arrange != nil {
				c.arrange(f)
			}
			binding := "browser-1"
			start, cb := f.begin(t, binding)
			if c.tamper != nil {
				c.tamper(f, start, &cb, &binding)
			}
			id, _, err := f.flow.Complete(context.Background(), "env", f.settings, cb, binding)
			if !errors.Is(err, c.want) {
				t.Fatalf("Complete = %+v, %v; want %v", id, err, c.want)
			}
			// A refused code says the provider's error code and status, which
			// reach the client, not the body of its answer.
			if c.want == ErrExchange && (strings.Contains(err.Error(), "code_verifier") || !strings.Contains(err.Error(), "(HTTP 400)")) {
				t.Fatalf("Complete's refusal: %q; want the OAuth error code and status alone", err)
			}
		})
	}
}

func TestOIDCStateIsSingleUse(t *testing.T) {
	f := newOIDCFixture(t)
	ctx := context.Background()
	_, cb := f.begin(t, "b")
	if _, _, err := f.flow.Complete(ctx, "env", f.settings, cb, "b"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.flow.Complete(ctx, "env", f.settings, cb, "b"); !errors.Is(err, ErrStateNotFound) {
		t.Fatalf("replayed callback: %v", err)
	}
	// A refused attempt burns the state too: no second try with another binding.
	_, cb = f.begin(t, "b")
	if _, _, err := f.flow.Complete(ctx, "env", f.settings, cb, "x"); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("other browser: %v", err)
	}
	if _, _, err := f.flow.Complete(ctx, "env", f.settings, cb, "b"); !errors.Is(err, ErrStateNotFound) {
		t.Fatalf("state reused after a refusal: %v", err)
	}
}

func TestExpiredStateIsRefused(t *testing.T) {
	f := newOIDCFixture(t)
	now := time.Now()
	f.flow.now = func() time.Time { return now }
	_, cb := f.begin(t, "b")
	now = now.Add(11 * time.Minute)
	if _, _, err := f.flow.Complete(context.Background(), "env", f.settings, cb, "b"); !errors.Is(err, ErrStateNotFound) {
		t.Fatalf("expired state: %v", err)
	}
}

// An ID token the provider issued to another application (another client
// id at the same provider) is refused: token substitution.
func TestOIDCIDTokenForAnotherAudienceIsRefused(t *testing.T) {
	f := newOIDCFixture(t)
	f.op.AddClient("other-app", "other-secret", testRedirect)
	other := f.settings
	other.ClientID, other.ClientSecret = "other-app", "other-secret"
	ctx := context.Background()
	// A valid login of the other app yields its ID token...
	start, err := f.flow.Begin(ctx, "env", other, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	var keptNonce string
	f.states.Edit(start.State, func(st *State) { keptNonce = st.Nonce })
	_, toks, err := f.flow.Complete(ctx, "env", other, browse(t, start.URL), "b")
	if err != nil {
		t.Fatal(err)
	}
	// ...which our client, even with the right nonce, does not accept.
	d, _ := Describe(OIDC)
	d.Issuer = f.settings.Issuer
	tok := (&oauth2.Token{AccessToken: "x"}).WithExtra(map[string]any{"id_token": toks.IDToken})
	if _, _, err := f.flow.fromIDToken(ctx, d, f.settings, tok, keptNonce); !errors.Is(err, ErrIDToken) || !strings.Contains(err.Error(), "audience") {
		t.Fatalf("another app's ID token: %v", err)
	}
}

// TestProvidersMustBePublic: an environment's admin chooses an OpenID
// provider's domain; by default the flow reaches no provider on this
// machine or its networks (discovery, and so every endpoint it names),
// unless the operator allows private networks.
func TestProvidersMustBePublic(t *testing.T) {
	f := newOIDCFixture(t)
	for _, issuer := range []string{f.op.URL, strings.Replace(f.op.URL, "127.0.0.1", "localhost", 1)} {
		s := f.settings
		s.Issuer = issuer
		guarded := New(Deps{States: NewMemoryStates()})
		_, err := guarded.Begin(context.Background(), "env", s, "", "")
		if err == nil {
			t.Fatalf("a login began with a provider at %s", issuer)
		}
		// the operator's setting to fix, not the user's refusal
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "non-public address") {
			t.Errorf("refused provider at %s: %v, want ErrUnavailable naming the address guard", issuer, err)
		}
	}
	if _, err := f.flow.Begin(context.Background(), "env", f.settings, "", ""); err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
}
