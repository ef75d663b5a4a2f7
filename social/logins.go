package social

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Logins runs the redirect flow with the providers an environment
// configured (Providers): it turns a stored Provider into flow Settings,
// opening its sealed secret, and refuses providers that are not enabled.
type Logins struct {
	providers *Providers
	flow      *Flow
	replays   TelegramReplays // the flow's state store, when it records them
}

// NewLogins builds Logins over the providers' settings and a flow.
func NewLogins(p *Providers, f *Flow) *Logins {
	l := &Logins{providers: p, flow: f}
	l.replays, _ = f.states.(TelegramReplays)
	return l
}

// ErrNotEnabled refuses a login with a provider the environment has not
// enabled (the contract's provider_not_available).
var ErrNotEnabled = errs.Unprocessable("provider_not_available", "this sign-in provider is not enabled for the environment", nil)

// unreachable logs a provider's failure (its discovery, token or user
// endpoint down or answering 5xx) for the operator, rated per
// environment, provider and endpoint (logEvery), and answers the
// contract's provider_not_available: not a server error, and not the
// user's refusal. Other errors pass unchanged.
func (l *Logins) unreachable(ctx context.Context, envID, typ string, err error) error {
	var u *Unavailable
	if !errors.As(err, &u) {
		return err
	}
	if ok, suppressed := l.flow.unreachableLog.Allow(envID + "\x00" + typ + "\x00" + u.Endpoint); ok {
		l.flow.log.WarnContext(ctx, "social: the sign-in provider could not be reached; check that it is up and its domain in the provider settings",
			withSuppressed([]any{"provider", typ, "environmentId", envID, "endpoint", u.Endpoint, "host", u.Host, "err", u.Err},
				suppressed)...)
	}
	return &errs.E{Kind: errs.KindUnprocessable, Code: "provider_not_available",
		Message: "the sign-in provider could not be reached: try again later", Err: err}
}

// Settings are the flow settings of the environment's enabled provider of
// type typ, with redirectURL as the callback registered with it.
func (l *Logins) Settings(ctx context.Context, envID, typ, redirectURL string) (Settings, error) {
	if _, ok := Describe(typ); !ok || typ == OIDC {
		return Settings{}, ErrNotEnabled
	}
	enabled, err := l.providers.Enabled(ctx, envID)
	if err != nil {
		return Settings{}, err
	}
	for i := range enabled {
		if p := &enabled[i]; p.Type == typ {
			return l.settingsOf(p, redirectURL)
		}
	}
	return Settings{}, ErrNotEnabled
}

func (l *Logins) settingsOf(p *Provider, redirectURL string) (Settings, error) {
	secret, err := l.providers.ClientSecret(p)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{Type: p.Type, ClientID: p.ClientID, ClientSecret: secret, Scopes: strings.Fields(p.Scopes),
		RedirectURL: redirectURL, Issuer: issuerOf(p.Domain)}
	if p.Type == Apple && strings.Contains(secret, "PRIVATE KEY") {
		// Apple's "secret" is the team's .p8 key: each exchange signs
		// the ES256 client secret Apple requires with it.
		s.Apple = &AppleKey{TeamID: p.AppleTeamID, KeyID: p.AppleKeyID, PrivateKeyPEM: secret}
		s.ClientSecret = ""
	}
	return s, nil
}

// issuerOf reads a provider's domain as an issuer URL ("dev-1.okta.com"
// becomes "https://dev-1.okta.com").
func issuerOf(domain string) string {
	domain = strings.TrimRight(strings.TrimSpace(domain), "/")
	if domain == "" || strings.HasPrefix(domain, "https://") || strings.HasPrefix(domain, "http://") {
		return domain
	}
	return "https://" + domain
}

// BaseAuthURL is the provider's authorization endpoint, where Dynamic's
// SDK sends the browser (discovered for an OpenID provider with a
// domain); "" when it cannot be told.
func (l *Logins) BaseAuthURL(ctx context.Context, p *Provider) string {
	if d, _ := Describe(p.Type); p.Domain == "" && d.AuthURL != "" {
		return d.AuthURL // known: no discovery on a settings read
	}
	s, err := l.settingsOf(p, "unused")
	if err != nil || s.ClientID == "" {
		d, _ := Describe(p.Type)
		return d.AuthURL
	}
	_, cfg, err := l.flow.resolve(ctx, s)
	if err != nil {
		l.baseAuthURLFailed(ctx, p, s.Issuer, err)
		return ""
	}
	return cfg.Endpoint.AuthURL
}

// baseAuthURLFailed tells the operator why a settings read leaves the
// provider's baseAuthUrl out when its discovery failed: once per
// remembered failure, not on every read (the SDK reads the settings on
// each page load). Other errors (settings lacking what discovery needs)
// have no remembered failure to rate them by, so are not logged here.
func (l *Logins) baseAuthURLFailed(ctx context.Context, p *Provider, issuer string, err error) {
	var u *Unavailable
	if !errors.As(err, &u) || !l.flow.reportDiscoveryFailure(issuer) {
		return
	}
	l.flow.log.WarnContext(ctx, "social: the SDK settings leave out the provider's baseAuthUrl: its OpenID discovery failed; check that it is up and its domain in the provider settings",
		"provider", p.Type, "environmentId", p.EnvironmentID, "endpoint", u.Endpoint, "host", u.Host, "err", u.Err)
}

// Begin starts a login whose authorize URL this server builds (loginUrl;
// authorizeHtml with the client's state when state is not "").
func (l *Logins) Begin(ctx context.Context, envID, typ, redirectURL, state, binding, returnURL string) (*Start, error) {
	s, err := l.Settings(ctx, envID, typ, redirectURL)
	if err != nil {
		return nil, err
	}
	st, err := l.flow.BeginState(ctx, envID, s, state, binding, returnURL)
	return st, l.unreachable(ctx, envID, typ, err)
}

// Register keeps a state the client made (initAuth), announced from the
// browser origin origin ("" for none).
func (l *Logins) Register(ctx context.Context, envID, typ, redirectURL, state, returnURL, origin string) error {
	if typ == Telegram { // no OAuth endpoints: the bot must be set up
		if !validState(state) {
			return ErrBadState
		}
		if _, _, err := l.telegramBot(ctx, envID); err != nil {
			return err
		}
		return l.flow.states.SaveState(ctx, &State{ID: state, EnvironmentID: envID, Provider: Telegram,
			RedirectURL: redirectURL, ReturnURL: returnURL, Origin: origin, ExpiresAt: l.flow.now().Add(l.flow.ttl)})
	}
	s, err := l.Settings(ctx, envID, typ, redirectURL)
	if err != nil {
		return err
	}
	return l.unreachable(ctx, envID, typ, l.flow.Register(ctx, envID, s, state, returnURL, origin))
}

// Deliver records the provider's code for a state (the redirect).
func (l *Logins) Deliver(ctx context.Context, envID, typ, state, code, userName string) (*State, error) {
	return l.flow.Deliver(ctx, envID, typ, state, code, userName)
}

// Refuse records the provider's error for a state (the redirect).
func (l *Logins) Refuse(ctx context.Context, envID, typ, state, providerError string) (*State, error) {
	return l.flow.Refuse(ctx, envID, typ, state, providerError)
}

// Lookup returns a live state (oauthResult, Telegram's page).
func (l *Logins) Lookup(ctx context.Context, envID, typ, state string) (*State, error) {
	return l.flow.Lookup(ctx, envID, typ, state)
}

// Complete finishes a login and says who the provider vouches for.
func (l *Logins) Complete(ctx context.Context, envID, typ, redirectURL string, cb Callback, binding string) (*Identity, *Tokens, error) {
	s, err := l.Settings(ctx, envID, typ, redirectURL)
	if err != nil {
		return nil, nil, err
	}
	id, toks, err := l.flow.Complete(ctx, envID, s, cb, binding)
	if err != nil {
		return nil, nil, fmt.Errorf("%s login: %w", typ, l.unreachable(ctx, envID, typ, err))
	}
	return id, toks, nil
}

// Enabled refuses, with ErrNotEnabled, a provider type the environment
// has not enabled: for sign-ins without a redirect flow (Farcaster).
func (l *Logins) Enabled(ctx context.Context, envID, typ string) error {
	enabled, err := l.providers.Enabled(ctx, envID)
	if err != nil {
		return err
	}
	for _, p := range enabled {
		if p.Type == typ {
			return nil
		}
	}
	return ErrNotEnabled
}

// Refresh trades an account's refresh token for new tokens with the
// environment's enabled provider of type typ.
func (l *Logins) Refresh(ctx context.Context, envID, typ, refreshToken string) (*Tokens, error) {
	// The redirect URL plays no part in a refresh; resolve wants one.
	s, err := l.Settings(ctx, envID, typ, "urn:refresh")
	if err != nil {
		return nil, err
	}
	toks, err := l.flow.Refresh(ctx, s, refreshToken)
	return toks, l.unreachable(ctx, envID, typ, err)
}

// Seal seals a login's provider tokens for the account at rest (nil when
// the provider gave no access token).
func (l *Logins) Seal(envID, provider, accountID string, t *Tokens) (*SealedTokens, error) {
	return SealTokens(l.providers.d.Keys, envID, provider, accountID, t)
}

// withSuppressed adds to a rated log line's attributes how many lines
// like it were left out since the last one, when some were.
func withSuppressed(attrs []any, suppressed int) []any {
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	return attrs
}
