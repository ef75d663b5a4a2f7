package dynamicauth

import (
	"context"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
)

// Social sign-in without HTTP: an application with a callback of its own
// sends the browser to the URL StartOAuth builds, receives the provider's
// code and state on its callback, and finishes with SignInWithOAuth (or
// LinkOAuth for a signed-in user). The provider must be enabled for the
// environment (Providers) with the application's callback registered.

// OAuthLogin is a social login an application starts from Go.
type OAuthLogin struct {
	// Provider is the provider's type ("google", "github", ...).
	Provider string
	// RedirectURL is the application's callback registered with the
	// provider: the browser brings the code and state there.
	RedirectURL string
	// Binding, when set, ties the login to the browser that starts it: a
	// secret the application keeps in that browser only (a cookie of its
	// own) and passes again as OAuthRequest.Binding. A state and code
	// lured out of that browser then sign no one in elsewhere. Without
	// one, the state alone (single use, expiring) carries the login.
	Binding string
}

// StartOAuth begins a login with the environment's provider: the
// authorize URL to send the browser to (PKCE, and a nonce for OpenID
// providers, kept here) and the state the callback will bring back.
func (a *Auth) StartOAuth(ctx context.Context, envID string, l OAuthLogin) (*social.Start, error) {
	return a.signin.OAuthLoginURL(ctx, envID, l.Provider, l.RedirectURL, "", l.Binding, "")
}

// SignInWithOAuth finishes a login StartOAuth began: it trades the code
// for the provider's tokens, and signs in (or up) the account they vouch
// for (providers/{type}/signIn without HTTP). req names the environment,
// provider, RedirectURL, State, Code and the Binding the login started
// with; each state is taken once.
func (a *Auth) SignInWithOAuth(ctx context.Context, req signin.OAuthRequest) (*signin.Result, error) {
	return a.signin.OAuthSignIn(ctx, req)
}

// LinkOAuth finishes a login StartOAuth began by adding its social
// account to the session's user (providers/{type}/verify), or, with
// req.Scopes, re-proves an account the user has and earns an
// ElevatedAccessToken. An account another user signs in with is refused
// with social_account_already_exists.
func (a *Auth) LinkOAuth(ctx context.Context, envID, sessionToken string, req signin.OAuthRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = envID
	return a.signin.OAuthLink(ctx, cur, req)
}

// OAuthAccessToken is the provider's access token of one of the session's
// user's social accounts, refreshed first when it has expired and a
// refresh token is kept (GET oauthAccounts/{id}/accessToken).
// oauthAccountID is the id of the account's oauth verified credential;
// another user's account, or one of another environment, is not found
// (social.ErrAccountNotFound). OAuthAccounts().AdminAccessToken serves any
// account to a principal who reads the environment's users.
func (a *Auth) OAuthAccessToken(ctx context.Context, envID, sessionToken, oauthAccountID string) (string, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return "", err
	}
	return a.oauthAccounts.UserAccessToken(ctx, cur.Session.EnvironmentID, cur.User.ID, oauthAccountID)
}
