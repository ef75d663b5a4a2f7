package social

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/internal/logthrottle"
	"github.com/dynamicauth/dynamicauth/internal/netguard"
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

// clean keeps the names a provider shows storable: U+0000 dropped and
// bytes that are not UTF-8 replaced (the stores refuse both, and a
// display name is no reason to refuse a sign-in). The account id and
// email identify the user and are left as they came: one that cannot be
// stored fails the sign-in rather than naming someone else.
func (id *Identity) clean() {
	for _, p := range []*string{&id.Username, &id.DisplayName} {
		*p = strings.ToValidUTF8(strings.ReplaceAll(*p, "\x00", ""), "\uFFFD")
	}
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
	// Origin is the browser origin that announced the login (initAuth's
	// Origin header, normalized), "" when none did: a popup login's last
	// page posts the code to that origin alone, if the environment still
	// allows it.
	Origin string
	// Code is the authorization code the provider delivered to the
	// redirect URL for this state; only that code completes the login.
	Code string
	// UserName is the name the provider sent beside the code (Apple
	// sends it once, in its form post, never in the ID token).
	UserName string
	// Error is the OAuth error code the provider sent to the redirect URL
	// in place of a code (access_denied): the login is over, refused, and
	// the state takes no code any more.
	Error     string
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
	// DeliverError records the provider's error for an unexpired state
	// that has no code nor error yet, and returns the state; else
	// ErrStateNotFound. A state holding an error takes no code.
	DeliverError(ctx context.Context, id, providerError string, now time.Time) (*State, error)
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
	// HTTPClient talks to providers; nil means a 15 s timeout client
	// that dials public addresses only (unless AllowPrivate), follows no
	// redirects and ignores proxies: an environment's admin chooses an
	// OpenID provider's domain, and the endpoints its discovery document
	// names, which must not make the server reach this machine or its
	// network.
	HTTPClient *http.Client
	// AllowPrivate lets the default client reach providers on loopback,
	// private and link-local addresses (an identity provider on this
	// network).
	AllowPrivate bool
	Now          func() time.Time
	// StateTTL is how long a started login may take (default 10 min).
	StateTTL time.Duration
	// Log tells the operator of providers that could not be reached
	// (default slog.Default()).
	Log *slog.Logger
}

// Flow runs the redirect flow for every provider.
type Flow struct {
	states StateStore
	client *http.Client
	now    func() time.Time
	ttl    time.Duration
	log    *slog.Logger

	// unreachableLog rates the warnings of providers that could not be
	// reached, per environment, provider and endpoint.
	unreachableLog *logthrottle.Throttle

	mu        sync.Mutex
	providers map[string]*discovered      // by issuer: discovery is cached
	failed    map[string]*failedDiscovery // by issuer, for discoveryRetry
}

// New builds a Flow.
func New(d Deps) *Flow {
	if d.HTTPClient == nil {
		d.HTTPClient = netguard.NewClient(netguard.ClientOptions{Timeout: 15 * time.Second, AllowPrivate: d.AllowPrivate,
			KeepAlives: true})
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.StateTTL <= 0 {
		d.StateTTL = 10 * time.Minute
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Flow{states: d.States, client: d.HTTPClient, now: d.Now, ttl: d.StateTTL, log: d.Log,
		unreachableLog: logthrottle.New(logEvery, d.Now),
		providers:      map[string]*discovered{}, failed: map[string]*failedDiscovery{}}
}

// the client hands over to finish (signIn: state, code, its verifier).
type Callback struct {
	State            string
	Code             string
	CodeVerifier     string // the client's PKCE verifier, when the client built the URL (Description.ClientPKCE)
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
	if st.Error != "" { // the provider's redirect brought an error, not a code
		return nil, nil, fmt.Errorf("%w: %s", ErrProviderDenied, st.Error)
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
	d, cfg, err := f.resolve(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	verifier := st.CodeVerifier
	if verifier == "" && d.ClientPKCE {
		verifier = cb.CodeVerifier
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
		return nil, nil, exchangeError(ctx, cfg.Endpoint.TokenURL, err)
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
	id.clean()
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
		// As at the exchange: a provider down or failing is not one
		// that refused the refresh token.
		return nil, exchangeError(ctx, cfg.Endpoint.TokenURL, err)
	}
	return &Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}, nil
}

// exchangeError tells the provider's failure (its token endpoint
// unreachable, or answering 5xx) from a refused code (4xx: the user's or
// an attacker's doing).
func exchangeError(ctx context.Context, tokenURL string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 500 {
		return &Unavailable{Endpoint: "token", Host: hostOf(tokenURL), Err: errors.New(tokenEndpointError(err))}
	}
	if u := unreachable(ctx, "token", tokenURL, err); u != nil {
		return u
	}
	return &tokenRefusal{reason: tokenEndpointError(err)}
}

// tokenRefusal is ErrExchange with what the token endpoint answered (its
// OAuth error code and HTTP status), which the refresh's log line names.
type tokenRefusal struct{ reason string }

func (e *tokenRefusal) Error() string { return ErrExchange.Error() + ": " + e.reason }

func (e *tokenRefusal) Is(target error) bool { return target == ErrExchange }

// tokenEndpointError says what the provider's token endpoint answered, as
// much as a client may read: its OAuth error code and HTTP status, not the
// body oauth2 quotes (which a provider may fill with anything).
func tokenEndpointError(err error) string {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return "no usable answer from the token endpoint"
	}
	code := re.ErrorCode
	if code == "" {
		code = "no OAuth error code"
	}
	if re.Response != nil {
		return fmt.Sprintf("%s (HTTP %d)", code, re.Response.StatusCode)
	}
	return code
}
