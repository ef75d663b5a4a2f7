package signin

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// FactorOAuth is the first factor of a social sign-in.
const FactorOAuth = "oauth"

// CodeSocialAccountExists is the contract's 422 for linking a social
// account that another user signs in with.
const CodeSocialAccountExists = "social_account_already_exists"

// OAuthRequest finishes a social login (providers/{type}/signIn and
// /verify): the state the login started with, the code the provider
// delivered, and the client's PKCE verifier when the client built the
// authorize URL.
type OAuthRequest struct {
	EnvironmentID string
	Provider      string
	// RedirectURL is this server's callback registered with the provider
	// (the code was issued for it).
	RedirectURL      string
	State            string
	Code             string
	CodeVerifier     string
	Binding          string
	SessionPublicKey string
	IssuerHost       string
	Origin           string
	IP               string
	UserAgent        string
	// Device is the device proof (x-dynamic-device-* headers), if sent.
	Device *DeviceProof
	// Scopes are requestedScopes: logging in again with a social account
	// the signed-in user has earns an elevatedAccessToken (OAuthLink).
	Scopes []string
}

func (s *Service) logins() (*social.Logins, error) {
	if s.social == nil {
		return nil, social.ErrNotEnabled
	}
	return s.social, nil
}

// OAuthInit keeps the state of a login the client started (initAuth);
// the browser comes back to returnURL, which must be an allowed origin of
// the environment (no open redirect). origin is the browser origin the
// request came from (its Origin header, "" for none), kept for a popup's
// last page; one that is no origin is kept as none.
func (s *Service) OAuthInit(ctx context.Context, envID, provider, redirectURL, state, returnURL, origin string) error {
	l, err := s.logins()
	if err != nil {
		return err
	}
	// A popup login (Dynamic's SDK for Telegram, or by its strategy)
	// announces no return URL: the browser stays on this server's pages.
	if returnURL != "" {
		if err := s.checkReturnURL(ctx, envID, returnURL); err != nil {
			return err
		}
	}
	if origin, err = tenant.NormalizeOrigin(origin); err != nil {
		origin = ""
	}
	return oauthRefusal(l.Register(ctx, envID, provider, redirectURL, state, returnURL, origin))
}

// OAuthLoginURL starts a login whose authorize URL this server builds
// (loginUrl, authorizeHtml): PKCE verifier and nonce are kept here, and
// the state too unless the client names its own (state not "").
func (s *Service) OAuthLoginURL(ctx context.Context, envID, provider, redirectURL, state, binding, returnURL string) (*social.Start, error) {
	l, err := s.logins()
	if err != nil {
		return nil, err
	}
	if returnURL != "" {
		if err := s.checkReturnURL(ctx, envID, returnURL); err != nil {
			return nil, err
		}
	}
	st, err := l.Begin(ctx, envID, provider, redirectURL, state, binding, returnURL)
	return st, oauthRefusal(err)
}

// OAuthDeliver records the code the provider sent to the redirect URL and
// returns the state (its ReturnURL says where the browser goes next).
func (s *Service) OAuthDeliver(ctx context.Context, envID, provider, state, code, userName string) (*social.State, error) {
	l, err := s.logins()
	if err != nil {
		return nil, err
	}
	st, err := l.Deliver(ctx, envID, provider, state, code, userName)
	return st, oauthRefusal(err)
}

// OAuthRefuse records the provider's error for a login's state, which
// ends the login (the redirect's error path), and returns the state.
func (s *Service) OAuthRefuse(ctx context.Context, envID, provider, state, providerError string) (*social.State, error) {
	l, err := s.logins()
	if err != nil {
		return nil, err
	}
	st, err := l.Refuse(ctx, envID, provider, state, providerError)
	return st, oauthRefusal(err)
}

// OAuthState returns a live login state (oauthResult).
func (s *Service) OAuthState(ctx context.Context, envID, provider, state string) (*social.State, error) {
	l, err := s.logins()
	if err != nil {
		return nil, err
	}
	st, err := l.Lookup(ctx, envID, provider, state)
	return st, oauthRefusal(err)
}

func (s *Service) checkReturnURL(ctx context.Context, envID, returnURL string) error {
	if s.deeplink != nil {
		// a deeplink URL the operator configured, query aside (the
		// login's code is appended to it, so nothing looser will do)
		ok, err := s.deeplink.DeeplinkAllowed(ctx, envID, returnURL)
		if err != nil || ok {
			return err
		}
	}
	u, err := url.Parse(returnURL)
	if err == nil && u.Scheme != "" && u.Scheme != "https" && u.Scheme != "http" && s.deeplink != nil {
		return envconfig.ErrDeeplinkRefused // an app URL that is none of the deeplink URLs
	}
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(returnURL) > 2048 {
		return errs.Invalid("redirectUrl: must be an http(s) URL of the application or one of its deeplink URLs")
	}
	ok, err := s.originListed(ctx, envID, u.Scheme+"://"+u.Host)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Invalid("redirectUrl: its origin is not an allowed origin of the environment")
	}
	return nil
}

// provenOAuth is a completed provider login: who, as a credential, and
// the provider's tokens sealed for that account.
type provenOAuth struct {
	id     *social.Identity
	cred   users.Credential
	tokens *social.SealedTokens
}

// proveOAuth completes the provider login and builds the oauth credential.
func (s *Service) proveOAuth(ctx context.Context, req OAuthRequest) (*provenOAuth, error) {
	l, err := s.logins()
	if err != nil {
		return nil, err
	}
	id, toks, err := l.Complete(ctx, req.EnvironmentID, req.Provider, req.RedirectURL,
		social.Callback{State: req.State, Code: req.Code, CodeVerifier: req.CodeVerifier}, req.Binding)
	if err != nil {
		return nil, oauthRefusal(err)
	}
	cred := oauthCredential(req.EnvironmentID, id, s.now())
	sealed, err := l.Seal(cred.EnvironmentID, cred.Chain, cred.Address, toks)
	if err != nil {
		return nil, err
	}
	return &provenOAuth{id: id, cred: cred, tokens: sealed}, nil
}

// oauthCredential is the oauth credential of the account id names. The
// provider scopes the account id (two providers may reuse one);
// wallet_provider names it too, as the admin users filter reads it; an
// oauth credential's wallet_name holds the display name.
func oauthCredential(envID string, id *social.Identity, now time.Time) users.Credential {
	now = now.UTC().Truncate(time.Millisecond)
	shown := firstOf(id.Username, id.Email, id.DisplayName, id.AccountID)
	return users.Credential{ID: ids.New(), EnvironmentID: envID, Format: users.FormatOAuth,
		Chain: id.Provider, Address: clip(id.AccountID), PublicIdentifier: clip(shown), WalletName: clip(id.DisplayName),
		WalletProvider: id.Provider, SignInEnabled: true, VerifiedAt: now, CreatedAt: now, PhotoURL: users.PhotoURL(id.PictureURL)}
}

// OAuthSignIn signs in (or up) the user a provider vouches for. A new
// social account whose email the provider says is verified joins the
// user who owns that verified email, in the sign-in's transaction
// (EmailJoinsOwner); an unverified one never does (that would hand the
// account to whoever typed the address at the provider).
func (s *Service) OAuthSignIn(ctx context.Context, req OAuthRequest) (*Result, error) {
	env, err := s.envs.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return nil, err
	}
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, req.Device)
	if err != nil {
		return nil, err
	}
	p, err := s.proveOAuth(ctx, req)
	if err != nil {
		return nil, err
	}
	cred := p.cred
	vouched := socialVouched(env.ID, p.id.Email, p.id.EmailVerified, cred.VerifiedAt)
	// Access is decided on everything the provider vouches for (its
	// verified email too), before anything is written.
	grants, err := s.decide(ctx, env.ID, func(ctx context.Context) (access.Subject, error) { return s.oauthSubject(ctx, cred, vouched) })
	if err != nil {
		return nil, err
	}
	return s.complete(ctx, &firstSignIn{env: env, credential: cred, vouched: vouched, now: cred.VerifiedAt, sessionKey: sessionKey,
		nonces: nonces, device: req.Device,
		grants: &grants, oauthTokens: p.tokens, factor: FactorOAuth,
		events:   []Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.SessionCreated}},
		audience: s.audience(req.Origin, "", req.IssuerHost), issuerHost: req.IssuerHost, origin: req.Origin, ip: req.IP,
		userAgent: req.UserAgent})
}

// oauthSubject is who a social sign-in lands on: the account's user, else
// the owner of its provider-verified email, with the account and that
// email.
func (s *Service) oauthSubject(ctx context.Context, cred users.Credential, vouched *Vouched) (access.Subject, error) {
	extra := []users.Credential{cred}
	if vouched != nil {
		extra = append(extra, *vouched.Email)
	}
	if s.owners == nil {
		return access.SubjectOf(nil, extra...), nil
	}
	u, err := s.owners.UserByCredential(ctx, cred.EnvironmentID, cred.Format, cred.Chain, cred.Address)
	if errs.Is(err, errs.KindNotFound) && vouched != nil {
		e := vouched.Email
		u, err = s.owners.UserByCredential(ctx, cred.EnvironmentID, e.Format, e.Chain, e.Address)
	}
	if err != nil && !errs.Is(err, errs.KindNotFound) {
		return access.Subject{}, err
	}
	return access.SubjectOf(u, extra...), nil
}

// OAuthLink adds the social account the provider vouches for to the
// signed-in user (providers/{type}/verify). An account another user signs
// in with is refused with social_account_already_exists.
func (s *Service) OAuthLink(ctx context.Context, cur *Current, req OAuthRequest) (*Result, error) {
	if req.EnvironmentID != cur.Session.EnvironmentID {
		return nil, errs.Unauthorized("invalid or expired session token")
	}
	if err := s.mayStepUp(ctx, cur, req.Scopes, "a social account"); err != nil {
		return nil, err
	}
	p, err := s.proveOAuth(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(req.Scopes) > 0 { // the JS SDK's completeSocialRedirect with requestedScopes: a step-up
		return s.stepUp(ctx, cur, &p.cred, req.Scopes, req.IssuerHost, req.Origin, nil) // the state is spent
	}
	return s.linkSocial(ctx, cur, &LinkWrite{EnvironmentID: req.EnvironmentID, UserID: cur.User.ID, Now: p.cred.VerifiedAt,
		Credential: p.cred, OAuthTokens: p.tokens, Event: events.SocialLinked}, req.IssuerHost, req.Origin, "social")
}

// linkSocial links a social account (OAuth, Farcaster, Telegram) proven
// to the signed-in user and re-issues their session: the access rules
// decide it first, and an account another user signs in with is refused
// with social_account_already_exists (what names it in the message).
func (s *Service) linkSocial(ctx context.Context, cur *Current, w *LinkWrite, issuerHost, origin, what string) (*Result, error) {
	grants, err := s.decideCredential(ctx, w.EnvironmentID, cur.User, w.Credential)
	if err != nil {
		return nil, err
	}
	u, err := s.links.LinkCredential(ctx, w)
	if users.OwnedByAnother(err) {
		return nil, errs.Unprocessable(CodeSocialAccountExists, "this "+what+" account belongs to another user", nil)
	}
	if err != nil {
		return nil, err
	}
	a := session.AuthOf(cur.Claims)
	a.Grants = grants
	return s.issueFor(ctx, cur, u, issuerHost, origin, a)
}

// oauthRefusal turns the flow's refusals into the contract's 422.
func oauthRefusal(err error) error {
	if err == nil {
		return nil
	}
	var e *errs.E
	if errors.As(err, &e) {
		return err
	}
	for _, r := range []error{social.ErrStateNotFound, social.ErrStateMismatch, social.ErrCodeMismatch, social.ErrProviderDenied,
		social.ErrExchange, social.ErrIDToken, social.ErrUser} {
		if errors.Is(err, r) {
			return verifyFailure("%v", err)
		}
	}
	for _, r := range []error{social.ErrBadState, social.ErrStateExists} {
		if errors.Is(err, r) {
			return errs.Invalid("state: %v", r)
		}
	}
	if errors.Is(err, social.ErrSettings) || errors.Is(err, social.ErrUnknown) {
		return errs.Unprocessable("provider_not_available", err.Error(), nil)
	}
	return err
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
