// Package oidctest is a real OpenID provider for tests: zitadel/oidc's OP
// on loopback, over a small in-memory storage. Its login page signs in
// whoever the test names, at once, and sends the browser back through the
// OP's callback; with AskConsent it asks first (Allow or Deny, for a test
// that clicks through it in a browser). Only tests import it.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is an account at the provider.
type User struct {
	ID, Email, Name string
	EmailVerified   bool
	// Picture is the profile picture URL (the picture claim), if any.
	Picture string
}

type authReq struct {
	id, clientID, redirectURI, state, nonce string
	scopes                                  []string
	challenge                               *oidc.CodeChallenge
	responseMode                            oidc.ResponseMode
	subject                                 string
	audience                                []string
	authTime                                time.Time
	done                                    bool
}

func (a *authReq) GetID() string                         { return a.id }
func (a *authReq) GetACR() string                        { return "" }
func (a *authReq) GetAMR() []string                      { return []string{"pwd"} }
func (a *authReq) GetAudience() []string                 { return a.audience }
func (a *authReq) GetAuthTime() time.Time                { return a.authTime }
func (a *authReq) GetClientID() string                   { return a.clientID }
func (a *authReq) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authReq) GetNonce() string                      { return a.nonce }
func (a *authReq) GetRedirectURI() string                { return a.redirectURI }
func (a *authReq) GetResponseType() oidc.ResponseType    { return oidc.ResponseTypeCode }
func (a *authReq) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authReq) GetScopes() []string                   { return a.scopes }
func (a *authReq) GetState() string                      { return a.state }
func (a *authReq) GetSubject() string                    { return a.subject }
func (a *authReq) Done() bool                            { return a.done }

type opClient struct {
	id, redirect string
	loginURL     func(string) string
	idTokenLife  time.Duration
}

func (c *opClient) GetID() string                       { return c.id }
func (c *opClient) RedirectURIs() []string              { return []string{c.redirect} }
func (c *opClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *opClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *opClient) LoginURL(id string) string           { return c.loginURL(id) }
func (c *opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *opClient) IDTokenLifetime() time.Duration      { return c.idTokenLife }
func (c *opClient) DevMode() bool                       { return true } // http redirect URIs on loopback
func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) IsScopeAllowed(string) bool           { return false }
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *opClient) ClockSkew() time.Duration             { return 0 }

type opKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k opKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k opKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k opKey) Use() string                                 { return "sig" }
func (k opKey) ID() string                                  { return k.id }

type opPublic struct{ opKey }

func (k opPublic) Key() any { return &k.key.PublicKey }

type opPrivate struct{ opKey }

func (k opPrivate) Key() any { return k.key }

var errNotFound = errors.New("not found")

// opStorage is the provider's whole state.
type opStorage struct {
	mu       sync.Mutex
	key      opKey
	clients  map[string]*opClient
	secrets  map[string]string
	users    map[string]User
	requests map[string]*authReq
	codes    map[string]string // code -> request id
	// next is who the login page signs in.
	next string
	// consent makes the login page ask before it signs in (AskConsent).
	consent bool
	// checkSecret, when set, authenticates clients instead of secrets
	// (Apple's signed client secret).
	checkSecret func(secret string) error
	// accessLife is how long access tokens live; live holds the ids of
	// the access tokens issued (the userinfo endpoint accepts only
	// those); refresh maps a refresh token to its grant.
	accessLife time.Duration
	live       map[string]bool
	refresh    map[string]*refreshReq
	refreshes  int
}

// refreshReq is the grant a refresh token stands for (offline_access).
type refreshReq struct {
	clientID, subject string
	scopes, audience  []string
	authTime          time.Time
}

func (r *refreshReq) GetAMR() []string            { return []string{"pwd"} }
func (r *refreshReq) GetAudience() []string       { return r.audience }
func (r *refreshReq) GetAuthTime() time.Time      { return r.authTime }
func (r *refreshReq) GetClientID() string         { return r.clientID }
func (r *refreshReq) GetScopes() []string         { return r.scopes }
func (r *refreshReq) GetSubject() string          { return r.subject }
func (r *refreshReq) SetCurrentScopes(s []string) { r.scopes = s }

func (s *opStorage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authReq{id: rand.Text(), clientID: r.ClientID, redirectURI: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, responseMode: r.ResponseMode, audience: []string{r.ClientID}}
	if r.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.requests[a.id] = a
	return a, nil
}

func (s *opStorage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *opStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *opStorage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *opStorage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c) // a code works once
		}
	}
	return nil
}

func (s *opStorage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := rand.Text()
	s.live[id] = true
	return id, time.Now().Add(s.accessLife), nil
}

// CreateAccessAndRefreshTokens issues an access token and a refresh
// token for a grant with offline_access; a refresh rotates the refresh
// token (the old one stops working).
func (s *opStorage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	grant := &refreshReq{subject: req.GetSubject(), scopes: req.GetScopes(), audience: req.GetAudience(), authTime: time.Now()}
	switch r := req.(type) {
	case *authReq:
		grant.clientID, grant.authTime = r.clientID, r.authTime
	case *refreshReq:
		grant.clientID, grant.authTime = r.clientID, r.authTime
		s.refreshes++
	}
	if current != "" {
		delete(s.refresh, current)
	}
	id, rt := rand.Text(), rand.Text()
	s.live[id] = true
	s.refresh[rt] = grant
	return id, rt, time.Now().Add(s.accessLife), nil
}

func (s *opStorage) TokenRequestByRefreshToken(_ context.Context, rt string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.refresh[rt]; ok {
		c := *g
		return &c, nil
	}
	return nil, op.ErrInvalidRefreshToken
}
func (s *opStorage) TerminateSession(context.Context, string, string) error { return nil }
func (s *opStorage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return nil
}
func (s *opStorage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}
func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) { return opPrivate{s.key}, nil }
func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (s *opStorage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{opPublic{s.key}}, nil }

func (s *opStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	return nil, errNotFound
}

func (s *opStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checkSecret != nil {
		return s.checkSecret(secret)
	}
	if want, ok := s.secrets[id]; !ok || want != secret {
		return errors.New("invalid client secret")
	}
	return nil
}

func (s *opStorage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, userID, _ string, _ []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	ui.Subject, ui.Email, ui.EmailVerified, ui.Name, ui.Picture = u.ID, u.Email, oidc.Bool(u.EmailVerified), u.Name, u.Picture
	return nil
}

func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	live := s.live[tokenID]
	s.mu.Unlock()
	if !live {
		return errors.New("unknown access token")
	}
	return s.SetUserinfoFromScopes(ctx, ui, subject, "", nil)
}
func (s *opStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return nil
}
func (s *opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
func (s *opStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}
func (s *opStorage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}
func (s *opStorage) Health(context.Context) error { return nil }

// OP is a running provider.
type OP struct {
	// URL is the issuer (discovery at URL/.well-known/openid-configuration).
	URL     string
	srv     *httptest.Server
	storage *opStorage
}

// Start serves an OpenID provider on loopback with one client, stopped
// when the test ends.
func Start(t testing.TB, clientID, secret, redirect string) *OP {
	t.Helper()
	o, err := New("127.0.0.1:0", clientID, secret, redirect)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// New serves an OpenID provider on addr (host:port; port 0 picks one)
// with one client, until Close.
func New(addr, clientID, secret, redirect string) (*OP, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	st := &opStorage{key: opKey{id: "op-key-1", key: k}, clients: map[string]*opClient{}, secrets: map[string]string{},
		users: map[string]User{}, requests: map[string]*authReq{}, codes: map[string]string{},
		accessLife: time.Hour, live: map[string]bool{}, refresh: map[string]*refreshReq{}}
	o := &OP{storage: st}
	mux := http.NewServeMux()
	o.srv = httptest.NewUnstartedServer(mux)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	o.srv.Listener.Close()
	o.srv.Listener = l
	o.srv.Start()
	o.URL = o.srv.URL
	provider, err := op.NewProvider(&op.Config{CodeMethodS256: true, CryptoKey: [32]byte{1}, GrantTypeRefreshToken: true},
		st, op.StaticIssuer(o.srv.URL), op.WithAllowInsecure())
	if err != nil {
		o.srv.Close()
		return nil, err
	}
	callback := op.AuthCallbackURL(provider)
	o.AddClient(clientID, secret, redirect)
	// The login page: the user "types their password" and is sent back.
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		id, answer := r.URL.Query().Get("id"), r.URL.Query().Get("answer")
		st.mu.Lock()
		a, ok := st.requests[id]
		ask := ok && st.consent && answer == ""
		if ok && !ask && answer != "deny" {
			a.subject, a.done, a.authTime = st.next, true, time.Now()
		}
		st.mu.Unlock()
		switch {
		case !ok:
			http.Error(w, "unknown auth request", http.StatusBadRequest)
		case ask:
			consentPage(w, id)
		case answer == "deny":
			denied(w, r, st, a)
		default:
			http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
		}
	})
	mux.Handle("/", provider)
	return o, nil
}

// Close stops the provider.
func (o *OP) Close() { o.srv.Close() }

// AddClient registers a client (an application) with its secret and
// redirect URI.
func (o *OP) AddClient(id, secret, redirect string) {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	o.storage.clients[id] = &opClient{id: id, redirect: redirect, idTokenLife: time.Hour,
		loginURL: func(id string) string { return "/login?id=" + id }}
	o.storage.secrets[id] = secret
}

// SetIDTokenLifetime changes how long the client's ID tokens live (a
// negative lifetime issues expired tokens).
func (o *OP) SetIDTokenLifetime(clientID string, d time.Duration) {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	o.storage.clients[clientID].idTokenLife = d
}

// CheckSecret replaces the secret comparison of client authentication
// (Apple's signed client secret).
func (o *OP) CheckSecret(f func(secret string) error) {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	o.storage.checkSecret = f
}

// AskConsent makes the login page ask the user (Allow, Deny) before it
// signs in: Deny sends the browser back with error=access_denied.
func (o *OP) AskConsent() {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	o.storage.consent = true
}

// consentPage asks whether to sign in for the auth request id.
func consentPage(w http.ResponseWriter, id string) {
	q := html.EscapeString(url.QueryEscape(id))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>Test provider</title></head><body>`+
		`<p>Sign in to the application?</p><a href="/login?id=%s&amp;answer=allow">Allow</a> `+
		`<a href="/login?id=%s&amp;answer=deny">Deny</a></body></html>`, q, q)
}

// denied ends the auth request a as the user refused it: back to its
// redirect URI with error=access_denied and its state (RFC 6749 4.1.2.1).
func denied(w http.ResponseWriter, r *http.Request, st *opStorage, a *authReq) {
	_ = st.DeleteAuthRequest(r.Context(), a.id)
	u, err := url.Parse(a.redirectURI)
	if err != nil {
		http.Error(w, "bad redirect URI", http.StatusBadRequest)
		return
	}
	q := u.Query()
	q.Set("error", "access_denied")
	if a.state != "" {
		q.Set("state", a.state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// AddUser adds an account and makes it the one the login page signs in.
func (o *OP) AddUser(u User) {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	o.storage.users[u.ID] = u
	o.storage.next = u.ID
}

// SetAccessTokenLifetime changes how long access tokens live from now on
// (a negative lifetime issues expired ones).
func (o *OP) SetAccessTokenLifetime(d time.Duration) {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	o.storage.accessLife = d
}

// Refreshes counts the refresh-token grants the provider served.
func (o *OP) Refreshes() int {
	o.storage.mu.Lock()
	defer o.storage.mu.Unlock()
	return o.storage.refreshes
}

// UserInfo asks the provider's userinfo endpoint who accessToken belongs
// to: the subject, or an error when the provider refuses the token.
func (o *OP) UserInfo(accessToken string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, o.URL+"/userinfo", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("userinfo answered %d", resp.StatusCode)
	}
	var ui struct {
		Sub string `json:"sub"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ui); err != nil {
		return "", err
	}
	return ui.Sub, nil
}
