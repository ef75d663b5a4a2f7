package social

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Settings are one provider of one environment, as the operator set it.
type Settings struct {
	Type         string
	ClientID     string
	ClientSecret string
	// Scopes replace the description's defaults when set.
	Scopes []string
	// RedirectURL is the callback registered with the provider.
	RedirectURL string
	// Issuer is the discovery URL of a generic OpenID provider; for the
	// known providers it overrides the description (a staging IdP, tests).
	Issuer string
	// Endpoints override the description's OAuth endpoints (GitHub
	// Enterprise, tests).
	AuthURL, TokenURL, UserURL, EmailsURL string
	// Apple signs the client secret Apple requires (ES256 JWT).
	Apple *AppleKey
}

// Identity is who the provider says the user is.
type Identity struct {
	Provider      string
	AccountID     string
	Username      string
	DisplayName   string
	Email         string
	EmailVerified bool
	PictureURL    string
}

// Tokens are the provider's tokens for the account (sealed at rest by the
// caller, served by oauthAccounts/{id}/accessToken).
type Tokens struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	IDToken      string
}

// State is one started login: what the callback must match and what it
// needs to finish. It is kept server-side (shared by replicas through the
// SQL store), found by ID, and used once.
type State struct {
	ID            string
	EnvironmentID string
	Provider      string
	// CodeVerifier is the PKCE verifier of a login this server started
	// (loginUrl); empty when the client built the authorize URL and keeps
	// its own verifier (Dynamic's SDK, initAuth).
	CodeVerifier string
	Nonce        string // OIDC, for logins this server started
	// BindingHash ties the login to the browser that started it (a hash
	// of a secret the caller keeps in that browser, e.g. a cookie): a
	// state carried to another browser is refused. Empty: not bound.
	BindingHash string
	// RedirectURL is the callback registered with the provider (this
	// server's providers/{type}/redirect).
	RedirectURL string
	// ReturnURL is where the browser goes back to the application after
	// the provider's redirect (initAuth's redirectUrl).
	ReturnURL string
	// Code is the authorization code the provider delivered to the
	// redirect URL for this state; only that code completes the login.
	Code string
	// UserName is the name the provider sent beside the code (Apple
	// sends it once, in its form post, never in the ID token).
	UserName  string
	ExpiresAt time.Time
}

// StateStore keeps started logins. States are written once, found by id,
// and taken (deleted) by the login that completes them.
type StateStore interface {
	// SaveState stores a new state; an id in use fails with ErrStateExists.
	SaveState(ctx context.Context, st *State) error
	// GetState returns the state with id, or ErrStateNotFound.
	GetState(ctx context.Context, id string) (*State, error)
	// DeliverCode records the code (and name) the provider delivered for
	// an unexpired state that has none yet, and returns the state; else
	// ErrStateNotFound (a provider's redirect is replayed at most once).
	DeliverCode(ctx context.Context, id, code, userName string, now time.Time) (*State, error)
	// TakeState returns and deletes the state: a second take of the same
	// id fails with ErrStateNotFound.
	TakeState(ctx context.Context, id string) (*State, error)
	// DeleteExpiredStates forgets states that expired by before.
	DeleteExpiredStates(ctx context.Context, before time.Time) (int64, error)
}

// Refusals of the callback. They are the user's or an attacker's doing,
// never the server's: callers answer 4xx.
var (
	ErrStateNotFound  = errors.New("social: unknown, used or expired state")
	ErrStateExists    = errors.New("social: state already in use")
	ErrBadState       = errors.New("social: state must be 16 to 128 URL-safe characters")
	ErrCodeMismatch   = errors.New("social: the code is not the one the provider delivered for this state")
	ErrStateMismatch  = errors.New("social: state was started by another browser or for another provider")
	ErrProviderDenied = errors.New("social: the provider refused the login")
	ErrExchange       = errors.New("social: the authorization code was refused")
	ErrIDToken        = errors.New("social: ID token refused")
	ErrUser           = errors.New("social: the provider's user could not be read")
	ErrUnknown        = errors.New("social: unknown provider type")
	ErrSettings       = errors.New("social: provider settings incomplete")
)

// Deps configure a Flow.
type Deps struct {
	States StateStore
	// HTTPClient talks to providers; nil means a 15 s timeout client.
	HTTPClient *http.Client
	Now        func() time.Time
	// StateTTL is how long a started login may take (default 10 min).
	StateTTL time.Duration
}

// Flow runs the redirect flow for every provider.
type Flow struct {
	states StateStore
	client *http.Client
	now    func() time.Time
	ttl    time.Duration

	mu        sync.Mutex
	providers map[string]*oidc.Provider // by issuer: discovery is cached
}

// New builds a Flow.
func New(d Deps) *Flow {
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.StateTTL <= 0 {
		d.StateTTL = 10 * time.Minute
	}
	return &Flow{states: d.States, client: d.HTTPClient, now: d.Now, ttl: d.StateTTL, providers: map[string]*oidc.Provider{}}
}

// Start is a login begun: send the browser to URL.
type Start struct {
	URL   string
	State string
}

// Begin starts a login whose authorize URL this server builds (loginUrl):
// the state, PKCE verifier and OIDC nonce are made and kept here. binding
// is a secret the caller keeps in the browser (a cookie), or "" when the
// login is not bound to one; returnURL is where the redirect sends the
// browser back ("" keeps it on the redirect's own page, for popups that
// poll oauthResult).
func (f *Flow) Begin(ctx context.Context, envID string, s Settings, binding, returnURL string) (*Start, error) {
	return f.BeginState(ctx, envID, s, "", binding, returnURL)
}

// BeginState is Begin with the client's own state when state is not ""
// (authorizeHtml: Dynamic's SDK names the state it will finish the login
// with). A state the client announced with initAuth and that is still
// unused is taken over, its return URL kept unless returnURL names one;
// any other state in use is refused with ErrStateExists.
func (f *Flow) BeginState(ctx context.Context, envID string, s Settings, state, binding, returnURL string) (*Start, error) {
	d, cfg, err := f.resolve(ctx, s)
	if err != nil {
		return nil, err
	}
	id := random(32)
	if state != "" {
		announced, err := f.adopt(ctx, envID, s.Type, state)
		if err != nil {
			return nil, err
		}
		if id = state; returnURL == "" && announced != nil {
			returnURL = announced.ReturnURL
		}
	}
	st := &State{ID: id, EnvironmentID: envID, Provider: s.Type, CodeVerifier: oauth2.GenerateVerifier(),
		RedirectURL: cfg.RedirectURL, ReturnURL: returnURL, ExpiresAt: f.now().Add(f.ttl)}
	if binding != "" {
		st.BindingHash = hash(binding)
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.CodeVerifier)}
	if d.OIDC() {
		st.Nonce = random(24)
		opts = append(opts, oidc.Nonce(st.Nonce))
	}
	if d.FormPost {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	if err := f.states.SaveState(ctx, st); err != nil {
		return nil, fmt.Errorf("save login state: %w", err)
	}
	return &Start{URL: cfg.AuthCodeURL(st.ID, opts...), State: st.ID}, nil
}

// Register keeps a state the client made: Dynamic's SDK builds the
// authorize URL itself (with its own state, and its own PKCE verifier for
// the providers it uses PKCE with) and announces the state with initAuth
// before sending the browser away. The state is then single-use and
// expiring like one made here.
func (f *Flow) Register(ctx context.Context, envID string, s Settings, state, returnURL string) error {
	if !validState(state) {
		return ErrBadState
	}
	if _, _, err := f.resolve(ctx, s); err != nil {
		return err
	}
	return f.states.SaveState(ctx, &State{ID: state, EnvironmentID: envID, Provider: s.Type, RedirectURL: s.RedirectURL,
		ReturnURL: returnURL, ExpiresAt: f.now().Add(f.ttl)})
}

// adopt takes over a state the client announced (initAuth) for this
// environment and provider that nothing has used yet: no verifier kept
// here, no code delivered. It returns nil when the state is new.
func (f *Flow) adopt(ctx context.Context, envID, provider, state string) (*State, error) {
	if !validState(state) {
		return nil, ErrBadState
	}
	st, err := f.states.GetState(ctx, state)
	if errors.Is(err, ErrStateNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st.EnvironmentID != envID || st.Provider != provider || st.CodeVerifier != "" || st.Code != "" ||
		st.BindingHash != "" || !f.now().Before(st.ExpiresAt) {
		return nil, ErrStateExists
	}
	if _, err := f.states.TakeState(ctx, state); err != nil {
		if errors.Is(err, ErrStateNotFound) {
			return nil, ErrStateExists // taken meanwhile
		}
		return nil, err
	}
	return st, nil
}

// validState accepts 16 to 128 URL-safe characters: what clients make,
// short enough to key a row.
func validState(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	return true
}

// Deliver records the code the provider sent to the redirect URL for a
// state of this environment (and provider, unless provider is "": the
// generic callback). The state's code can be delivered once; only that
// code completes the login.
func (f *Flow) Deliver(ctx context.Context, envID, provider, state, code, userName string) (*State, error) {
	if state == "" || code == "" || len(code) > 4096 || len(userName) > 512 {
		return nil, ErrStateNotFound
	}
	cur, err := f.states.GetState(ctx, state)
	if err != nil {
		return nil, err
	}
	if cur.EnvironmentID != envID || (provider != "" && cur.Provider != provider) {
		return nil, ErrStateMismatch
	}
	return f.states.DeliverCode(ctx, state, code, userName, f.now())
}

// Lookup returns a live state of this environment and provider (for the
// redirect's error path and oauthResult).
func (f *Flow) Lookup(ctx context.Context, envID, provider, state string) (*State, error) {
	if state == "" {
		return nil, ErrStateNotFound
	}
	st, err := f.states.GetState(ctx, state)
	if err != nil {
		return nil, err
	}
	if !f.now().Before(st.ExpiresAt) {
		return nil, ErrStateNotFound
	}
	if st.EnvironmentID != envID || (provider != "" && st.Provider != provider) {
		return nil, ErrStateMismatch
	}
	return st, nil
}

// Callback is what the provider sent back to the redirect URL, or what
// the client hands over to finish (signIn: state, code, its verifier).
type Callback struct {
	State            string
	Code             string
	CodeVerifier     string // the client's PKCE verifier, when the client built the URL
	Error            string
	ErrorDescription string
}

// Complete finishes a login: the state must exist, be unused, unexpired,
// of this provider and environment and of the browser that began it (if
// bound); the code must be the one the provider delivered for it (if one
// was); the code is exchanged with the PKCE verifier (kept here, or the
// client's); the identity is read from the verified ID token (nonce
// included when this server sent one) or the user endpoint. The state is
// used up whatever the outcome.
func (f *Flow) Complete(ctx context.Context, envID string, s Settings, cb Callback, binding string) (*Identity, *Tokens, error) {
	if cb.State == "" {
		return nil, nil, ErrStateNotFound
	}
	st, err := f.states.TakeState(ctx, cb.State)
	if err != nil {
		return nil, nil, err
	}
	if !f.now().Before(st.ExpiresAt) {
		return nil, nil, ErrStateNotFound
	}
	if st.EnvironmentID != envID || st.Provider != s.Type ||
		(st.BindingHash != "" && subtle.ConstantTimeCompare([]byte(st.BindingHash), []byte(hash(binding))) != 1) {
		return nil, nil, ErrStateMismatch
	}
	if cb.Error != "" {
		return nil, nil, fmt.Errorf("%w: %s %s", ErrProviderDenied, cb.Error, cb.ErrorDescription)
	}
	code := cb.Code
	if st.Code != "" {
		if code == "" {
			code = st.Code
		} else if subtle.ConstantTimeCompare([]byte(code), []byte(st.Code)) != 1 {
			return nil, nil, ErrCodeMismatch
		}
	}
	if code == "" {
		return nil, nil, fmt.Errorf("%w: no code", ErrExchange)
	}
	verifier := st.CodeVerifier
	if verifier == "" {
		verifier = cb.CodeVerifier
	}
	d, cfg, err := f.resolve(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	cfg.RedirectURL = st.RedirectURL
	if s.Apple != nil {
		if cfg.ClientSecret, err = s.Apple.ClientSecret(s.ClientID, f.now()); err != nil {
			return nil, nil, err
		}
	}
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := cfg.Exchange(f.ctx(ctx), code, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrExchange, err)
	}
	toks := &Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
	var id *Identity
	if d.OIDC() {
		id, toks.IDToken, err = f.fromIDToken(ctx, d, s, tok, st.Nonce)
	} else {
		id, err = f.fromUserEndpoint(ctx, d, cfg, tok)
	}
	if err != nil {
		return nil, nil, err
	}
	id.Provider = s.Type
	if id.AccountID == "" {
		return nil, nil, fmt.Errorf("%w: no account id", ErrUser)
	}
	if id.DisplayName == "" && st.UserName != "" {
		id.DisplayName = st.UserName
	}
	return id, toks, nil
}

// Refresh trades a refresh token for new tokens at the provider's token
// endpoint (a provider that rotates refresh tokens returns a new one).
func (f *Flow) Refresh(ctx context.Context, s Settings, refreshToken string) (*Tokens, error) {
	_, cfg, err := f.resolve(ctx, s)
	if err != nil {
		return nil, err
	}
	if s.Apple != nil {
		if cfg.ClientSecret, err = s.Apple.ClientSecret(s.ClientID, f.now()); err != nil {
			return nil, err
		}
	}
	tok, err := cfg.TokenSource(f.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken, Expiry: f.now().Add(-time.Hour)}).Token()
	if err != nil {
		return nil, fmt.Errorf("%w: refresh: %w", ErrExchange, err)
	}
	return &Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}, nil
}

func (f *Flow) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, f.client)
}

// resolve merges the description with the settings into an oauth2 config
// (running OIDC discovery once per issuer).
func (f *Flow) resolve(ctx context.Context, s Settings) (Description, *oauth2.Config, error) {
	d, ok := Describe(s.Type)
	if !ok {
		return d, nil, fmt.Errorf("%w: %q", ErrUnknown, s.Type)
	}
	if s.ClientID == "" || s.RedirectURL == "" {
		return d, nil, fmt.Errorf("%w: client id and redirect URL are required", ErrSettings)
	}
	if s.Issuer != "" {
		d.Issuer = s.Issuer
	}
	for _, o := range []struct {
		dst *string
		v   string
	}{{&d.AuthURL, s.AuthURL}, {&d.TokenURL, s.TokenURL}, {&d.UserURL, s.UserURL}, {&d.EmailsURL, s.EmailsURL}} {
		if o.v != "" {
			*o.dst = o.v
		}
	}
	cfg := &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, RedirectURL: s.RedirectURL, Scopes: d.Scopes}
	if len(s.Scopes) > 0 {
		cfg.Scopes = s.Scopes
	}
	cfg.Endpoint = oauth2.Endpoint{AuthURL: d.AuthURL, TokenURL: d.TokenURL, AuthStyle: d.AuthStyle}
	if d.OIDC() {
		if d.Issuer == "" {
			return d, nil, fmt.Errorf("%w: an OpenID provider needs its issuer (discovery) URL", ErrSettings)
		}
		p, err := f.provider(ctx, d.Issuer)
		if err != nil {
			return d, nil, err
		}
		ep := p.Endpoint()
		ep.AuthStyle = d.AuthStyle
		cfg.Endpoint = ep
	}
	return d, cfg, nil
}

func (f *Flow) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	f.mu.Lock()
	p := f.providers[issuer]
	f.mu.Unlock()
	if p != nil {
		return p, nil
	}
	// Discovery outlives the request that triggered it: the provider's
	// key set refreshes in the background with this context.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), f.client), issuer)
	if err != nil {
		return nil, fmt.Errorf("OpenID discovery at %s: %w", issuer, err)
	}
	f.mu.Lock()
	f.providers[issuer] = p
	f.mu.Unlock()
	return p, nil
}

func (f *Flow) fromIDToken(ctx context.Context, d Description, s Settings, tok *oauth2.Token, nonce string) (*Identity, string, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", fmt.Errorf("%w: the token response carries no id_token", ErrIDToken)
	}
	p, err := f.provider(ctx, d.Issuer)
	if err != nil {
		return nil, "", err
	}
	v := p.Verifier(&oidc.Config{ClientID: s.ClientID, Now: f.now})
	idt, err := v.Verify(oidc.ClientContext(ctx, f.client), raw)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	// A login this server started sent a nonce the token must carry; one
	// the client started (initAuth) sent none, and then a token carrying
	// a nonce was minted for another login.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, "", fmt.Errorf("%w: nonce does not match the login", ErrIDToken)
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // Apple sends "true" as a string
		Name          string `json:"name"`
		Username      string `json:"preferred_username"`
		Picture       string `json:"picture"`
	}
	if err := idt.Claims(&c); err != nil {
		return nil, "", fmt.Errorf("%w: claims: %v", ErrIDToken, err)
	}
	id := &Identity{AccountID: idt.Subject, Username: c.Username, DisplayName: c.Name, PictureURL: c.Picture,
		Email: strings.ToLower(strings.TrimSpace(c.Email))}
	id.EmailVerified = id.Email != "" && (c.EmailVerified == true || c.EmailVerified == "true")
	return id, raw, nil
}

// maxUserBytes bounds a user endpoint's answer.
const maxUserBytes = 1 << 20

func (f *Flow) fromUserEndpoint(ctx context.Context, d Description, cfg *oauth2.Config, tok *oauth2.Token) (*Identity, error) {
	hc := cfg.Client(f.ctx(ctx), tok)
	var m map[string]any
	if err := getJSON(ctx, hc, d.UserURL, &m); err != nil {
		return nil, err
	}
	id := d.ReadUser(m)
	if d.EmailsURL != "" {
		var emails []struct {
			Email    string `json:"email"`
			Primary  bool   `json:"primary"`
			Verified bool   `json:"verified"`
		}
		if err := getJSON(ctx, hc, d.EmailsURL, &emails); err != nil {
			return nil, err
		}
		for _, e := range emails {
			if e.Verified && (e.Primary || id.Email == "") {
				id.Email, id.EmailVerified = e.Email, true
			}
		}
	}
	id.Email = strings.ToLower(strings.TrimSpace(id.Email))
	id.EmailVerified = id.EmailVerified && id.Email != ""
	return &id, nil
}

func getJSON(ctx context.Context, hc *http.Client, url string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUser, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUser, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrUser, url, resp.StatusCode)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxUserBytes))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUser, url, err)
	}
	return nil
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
