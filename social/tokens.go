package social

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/internal/logthrottle"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// SealedTokens are a social account's provider tokens as kept at rest:
// each sealed with the master secret's box, bound to the account (its
// environment, provider and account id), so a row copied onto another
// account does not open. Refresh is nil when the provider gave none.
type SealedTokens struct {
	Access    []byte
	Refresh   []byte
	ExpiresAt *time.Time
}

// AccountTokens is an oauth credential (a social account) with the
// tokens stored for it, if any.
type AccountTokens struct {
	CredentialID  string
	EnvironmentID string
	UserID        string
	Provider      string
	AccountID     string
	// Sealed is nil when no token was stored for the account (one signed
	// in before tokens were kept, or a Telegram account).
	Sealed *SealedTokens
}

// TokenStore keeps social accounts' tokens. Sign-ins and links write them
// in their own transaction (signin.Write.OAuthTokens); this reads them
// and replaces them after a refresh.
type TokenStore interface {
	// GetOAuthAccount returns the oauth credential with id and its
	// tokens, or ErrAccountNotFound.
	GetOAuthAccount(ctx context.Context, credentialID string) (*AccountTokens, error)
	// SaveOAuthTokens replaces the credential's tokens (a refresh); a
	// nil Refresh keeps the stored refresh token.
	SaveOAuthTokens(ctx context.Context, envID, credentialID string, t *SealedTokens, now time.Time) error
}

// Errors of the access-token routes.
var (
	// ErrAccountNotFound: no social account with this id that the caller
	// may read (another user's, another environment's: the same answer).
	ErrAccountNotFound = errs.NotFound("oauth_account_not_found", "social account not found")
	// ErrNoAccessToken: the account has no usable token (none stored, or
	// expired without a refresh token, or the provider refused to
	// refresh): the user signs in with the provider again.
	ErrNoAccessToken = errs.Unprocessable("provider_not_available",
		"no valid access token is stored for this social account: sign in with the provider again", nil)
)

// tokenAAD binds a sealed token to its account and kind.
func tokenAAD(envID, provider, accountID, kind string) []byte {
	return []byte("oauth-token:" + kind + ":" + envID + ":" + provider + ":" + accountID)
}

// SealTokens seals a login's tokens for the account (nil when the
// provider gave no access token).
func SealTokens(keys *secrets.Keys, envID, provider, accountID string, t *Tokens) (*SealedTokens, error) {
	if t == nil || t.AccessToken == "" {
		return nil, nil
	}
	out := &SealedTokens{}
	var err error
	if out.Access, err = keys.Seal([]byte(t.AccessToken), tokenAAD(envID, provider, accountID, "access")); err != nil {
		return nil, errs.Internal("seal oauth access token", err)
	}
	if t.RefreshToken != "" {
		if out.Refresh, err = keys.Seal([]byte(t.RefreshToken), tokenAAD(envID, provider, accountID, "refresh")); err != nil {
			return nil, errs.Internal("seal oauth refresh token", err)
		}
	}
	if !t.Expiry.IsZero() {
		e := t.Expiry.UTC().Truncate(time.Millisecond)
		out.ExpiresAt = &e
	}
	return out, nil
}

// AccountsDeps build an Accounts service.
type AccountsDeps struct {
	Store        TokenStore
	Environments Environments
	Keys         *secrets.Keys
	// Logins refreshes expired tokens with the environment's provider
	// settings; nil: an expired token is not refreshed.
	Logins *Logins
	Log    *slog.Logger
	Now    func() time.Time
}

// Accounts serves social accounts' provider tokens
// (oauthAccounts/{id}/accessToken): to the account's owner, and to an
// admin of its environment.
type Accounts struct {
	d AccountsDeps
	// refusedLog rates the warnings of refused refreshes, per
	// environment, provider and reason: each read of an account whose
	// refresh token the provider refuses tries again.
	refusedLog *logthrottle.Throttle
}

// NewAccounts builds the service.
func NewAccounts(d AccountsDeps) *Accounts {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Accounts{d: d, refusedLog: logthrottle.New(logEvery, d.Now)}
}

// refreshMargin: a token this close to expiry is refreshed first, so the
// caller does not get one that dies in flight.
const refreshMargin = 30 * time.Second

// UserAccessToken is the access token of the user's own social account
// credentialID in environment envID.
func (a *Accounts) UserAccessToken(ctx context.Context, envID, userID, credentialID string) (string, error) {
	acc, err := a.d.Store.GetOAuthAccount(ctx, credentialID)
	if err != nil {
		return "", err
	}
	if acc.EnvironmentID != envID || acc.UserID != userID {
		return "", ErrAccountNotFound
	}
	return a.accessToken(ctx, acc)
}

// AdminAccessToken is the access token of social account credentialID,
// for a principal who reads the users of its environment.
func (a *Accounts) AdminAccessToken(ctx context.Context, p *tenant.Principal, credentialID string) (string, error) {
	if err := p.RequireScope(tenant.ScopeUsersRead); err != nil {
		return "", err
	}
	acc, err := a.d.Store.GetOAuthAccount(ctx, credentialID)
	if err != nil {
		return "", err
	}
	if err := tenant.ReachRecord(ctx, a.d.Environments, p, acc.EnvironmentID, tenant.ScopeUsersRead, ErrAccountNotFound); err != nil {
		return "", err
	}
	return a.accessToken(ctx, acc)
}

// accessToken opens the stored access token, refreshing it first when it
// has expired and a refresh token is kept.
func (a *Accounts) accessToken(ctx context.Context, acc *AccountTokens) (string, error) {
	if acc.Sealed == nil || len(acc.Sealed.Access) == 0 {
		return "", ErrNoAccessToken
	}
	now := a.d.Now()
	if exp := acc.Sealed.ExpiresAt; exp != nil && !now.Add(refreshMargin).Before(*exp) {
		return a.refresh(ctx, acc, now)
	}
	b, err := a.d.Keys.Open(acc.Sealed.Access, tokenAAD(acc.EnvironmentID, acc.Provider, acc.AccountID, "access"))
	if err != nil {
		return "", errs.Internal("open oauth access token", err)
	}
	return string(b), nil
}

func (a *Accounts) refresh(ctx context.Context, acc *AccountTokens, now time.Time) (string, error) {
	if len(acc.Sealed.Refresh) == 0 || a.d.Logins == nil {
		return "", ErrNoAccessToken
	}
	rt, err := a.d.Keys.Open(acc.Sealed.Refresh, tokenAAD(acc.EnvironmentID, acc.Provider, acc.AccountID, "refresh"))
	if err != nil {
		return "", errs.Internal("open oauth refresh token", err)
	}
	toks, err := a.d.Logins.Refresh(ctx, acc.EnvironmentID, acc.Provider, string(rt))
	if err != nil {
		var e *errs.E
		if errors.As(err, &e) {
			return "", err // the provider is no longer enabled, or could not be reached (logged)
		}
		// Never the error's text: a provider's answer may echo the token.
		reason := refreshReason(err)
		if ok, suppressed := a.refusedLog.Allow(acc.EnvironmentID + "\x00" + acc.Provider + "\x00" + reason); ok {
			a.d.Log.WarnContext(ctx, "social: the provider refused to refresh an access token; the user must sign in again",
				withSuppressed([]any{"provider", acc.Provider, "environmentId", acc.EnvironmentID, "credentialId", acc.CredentialID,
					"reason", reason}, suppressed)...)
		}
		return "", ErrNoAccessToken
	}
	sealed, err := SealTokens(a.d.Keys, acc.EnvironmentID, acc.Provider, acc.AccountID, toks)
	if err != nil || sealed == nil {
		return "", errors.Join(err, ErrNoAccessToken)
	}
	if err := a.d.Store.SaveOAuthTokens(ctx, acc.EnvironmentID, acc.CredentialID, sealed, now.UTC().Truncate(time.Millisecond)); err != nil {
		return "", fmt.Errorf("store refreshed oauth tokens: %w", err)
	}
	return toks.AccessToken, nil
}

// refreshReason says why a refresh failed without the provider's body:
// the token endpoint's OAuth error code and HTTP status, or that it gave
// no usable answer.
func refreshReason(err error) string {
	var r *tokenRefusal
	if errors.As(err, &r) {
		return r.reason
	}
	return "no usable answer from the token endpoint"
}
