package dynamicauth

import (
	"context"

	"github.com/dynamicauth/dynamicauth/signin"
)

// Accounts a signed-in user adds to themselves without HTTP: the verify
// counterparts of SignInWithTelegram, SignInWithFarcaster and
// SignInExternal (LinkOAuth and LinkWallet are the others). Each takes
// the end user's session token (the minifiedJwt) and needs a full
// session: an MFA-pending one is refused with signin.ErrMFAPending.

// LinkTelegram adds the Telegram account a login vouches for (as
// SignInWithTelegram takes it) to the session's user and re-issues the
// session's tokens (telegram/verify). An account another user signs in
// with is refused with social_account_already_exists; each login is
// accepted once. req.EnvironmentID is ignored: the session's environment
// is used.
func (a *Auth) LinkTelegram(ctx context.Context, envID, sessionToken string, req signin.TelegramRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = cur.Session.EnvironmentID
	return a.signin.TelegramLink(ctx, cur, req)
}

// LinkFarcaster adds the Farcaster account a Sign In With Farcaster
// message proves (as SignInWithFarcaster takes it, its nonce from
// IssueNonces) to the session's user and re-issues the session's tokens
// (farcaster/verify). An account another user signs in with is refused
// with social_account_already_exists. req.EnvironmentID is ignored: the
// session's environment is used.
func (a *Auth) LinkFarcaster(ctx context.Context, envID, sessionToken string, req signin.FarcasterRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = cur.Session.EnvironmentID
	return a.signin.FarcasterLink(ctx, cur, req)
}

// VerifyExternal checks a fresh JWT of the application's own auth system
// against the session's user (externalAuth/verify): it must pass the
// environment's security.externalAuth settings and vouch for one of the
// user's own external identities (signin.CodeInvalidExternalAuth
// otherwise). It links nothing. A token with a scope claim is an
// assertion: its scopes earn an elevatedAccessToken of this session,
// returned, and its jti is accepted once; without one, "" is returned.
func (a *Auth) VerifyExternal(ctx context.Context, envID, sessionToken, jwt string) (elevatedAccessToken string, err error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return "", err
	}
	return a.signin.ExternalVerify(ctx, cur, jwt)
}
