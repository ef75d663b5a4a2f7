package dynamicauth

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// Principal is who a Go API call acts as. Requests carry the principal of
// their API token; the application's own code uses System.
type Principal = tenant.Principal

// System is the trusted in-process principal: the owner of organization
// orgID, with every scope, and no API token behind it. Pass it to the
// services' methods when the application acts on its own authority:
//
//	ids, _, _ := auth.Bootstrap(ctx)
//	p := dynamicauth.System(ids.OrganizationID)
//	u, err := auth.Users().FindByWallet(ctx, p, ids.EnvironmentID, address)
func System(orgID string) *Principal { return tenant.System(orgID) }

// IDs are the seeded organization, project, environments and owner.
type IDs = tenant.Bootstrap

// Bootstrap returns the seeded ids, seeding an empty database first with
// an organization, its owner, a project and a sandbox and a live
// environment. It is safe on every start: a seeded database is left as it
// is. ownerToken is the owner's API token, returned only by the call that
// seeded (later calls mint none; `dynamicauth init` or Init issue more).
func (a *Auth) Bootstrap(ctx context.Context) (ids *IDs, ownerToken string, err error) {
	return a.tenants.Bootstrap(ctx)
}

// Init seeds an empty database like Bootstrap and, unlike it, mints a new
// owner API token on every call. created tells whether it seeded.
func (a *Auth) Init(ctx context.Context) (ids *IDs, apiToken string, created bool, err error) {
	return a.tenants.Init(ctx)
}

// InitOperator issues an owner token for the operator with this email,
// creating the operator with an organization of their own when new.
func (a *Auth) InitOperator(ctx context.Context, email string) (ids *IDs, apiToken string, created bool, err error) {
	return a.tenants.InitOperator(ctx, email)
}

// Seeded reports whether the database has been seeded.
func (a *Auth) Seeded(ctx context.Context) (bool, error) { return a.tenants.Seeded(ctx) }

// Tenants is the Go API for organizations, projects, environments,
// origins, members and API tokens.
func (a *Auth) Tenants() *tenant.Service { return a.tenants }

// Users is the Go API for an environment's end users: find them (by id,
// wallet, email, phone), list them with filters (users.ListQuery{} is the
// first page, newest first), create, update their profile and metadata,
// delete, and manage their wallets.
func (a *Auth) Users() *users.Admin { return a.users }

// CustomFields is the Go API for an environment's custom profile fields.
func (a *Auth) CustomFields() *users.Profiles { return a.profiles }

// MFA is the Go API for end users' second factors: TOTP devices,
// recovery codes, mfaTokens and Reset (what the admin MFA routes call
// after checking the caller reaches the user). Upgrading a session after
// a factor is signin's (the users/mfa/auth/* routes).
func (a *Auth) MFA() *mfa.Service { return a.mfa }

// Passkeys is the Go API for end users' passkeys: list, rename, delete,
// and the WebAuthn ceremonies.
func (a *Auth) Passkeys() *passkey.Service { return a.passkeys }

// Codes is the Go API for email and SMS one-time codes: Start sends a
// code (the environment must enable the channel), Retry replaces it, Check
// consumes it. SignInWithCode turns a code into a session.
func (a *Auth) Codes() *otp.Service { return a.codes }

// SignInWithCode signs in (or up) the owner of the email or phone number
// a code was sent to: {email,sms}Verifications/signin without HTTP.
func (a *Auth) SignInWithCode(ctx context.Context, req signin.CodeRequest) (*signin.Result, error) {
	return a.signin.CodeSignIn(ctx, req)
}

// SessionCookie is the cookie the SDK routes set for res when its
// environment is in cookie mode (security.auth.storage: cookie, reported
// by res.Cookie), nil otherwise: an application that signs users in from
// Go sets it on its own answer, and verifier.Middleware reads it back.
// secure is false only for plain http in development; the cookie is kept
// to the host that sets it.
func (a *Auth) SessionCookie(res *signin.Result, secure bool) *http.Cookie {
	if res == nil || !res.Cookie || res.Tokens == nil {
		return nil
	}
	return session.NewCookie(res.Tokens.MinifiedJWT, time.Unix(res.Tokens.ExpiresAt, 0), secure, "")
}

// SignInExternal signs in (or up) the user whose JWT, issued by the
// application's own auth system, passes the environment's
// security.externalAuth settings: externalAuth/signin without HTTP.
func (a *Auth) SignInExternal(ctx context.Context, req signin.ExternalRequest) (*signin.Result, error) {
	return a.signin.ExternalSignIn(ctx, req)
}

// IssueNonces hands out single-use sign-in nonces for an environment (GET
// /sdk/{env}/nonces without HTTP): a signed message (wallet, Farcaster)
// must carry one.
func (a *Auth) IssueNonces(ctx context.Context, envID string, count int) ([]string, error) {
	return a.signin.IssueNonces(ctx, envID, count)
}

// SignInWithFarcaster signs in (or up) the owner of the Farcaster account
// a Sign In With Farcaster message proves (its custody address signed
// it; the ID registry on the Optimism node names that address the fid's
// custody): farcaster/signin without HTTP.
func (a *Auth) SignInWithFarcaster(ctx context.Context, req signin.FarcasterRequest) (*signin.Result, error) {
	return a.signin.FarcasterSignIn(ctx, req)
}

// SignInWithTelegram signs in (or up) the Telegram user a login vouches
// for: a Mini App's telegramAuthToken (signed with the environment's bot
// token), or the state and code of a login widget popup
// (telegram/auth). Each payload is accepted once: telegram/signin
// without HTTP.
func (a *Auth) SignInWithTelegram(ctx context.Context, req signin.TelegramRequest) (*signin.Result, error) {
	return a.signin.TelegramSignIn(ctx, req)
}

// CheckTelegram tells whether a user of the environment signs in with the
// Telegram account a login vouches for (checkTelegramAuth without HTTP):
// nil when one does, signin.ErrNoTelegramUser when none does. The login
// is not used up.
func (a *Auth) CheckTelegram(ctx context.Context, req signin.TelegramRequest) error {
	return a.signin.TelegramCheck(ctx, req)
}

// CheckExternalJWT is the dry run of external-JWT sign-in: whether raw
// would be accepted by the environment and, if not, every reason.
func (a *Auth) CheckExternalJWT(ctx context.Context, p *Principal, envID, raw string) (externaljwt.Result, error) {
	env, err := a.tenants.GetEnvironment(ctx, p, envID, tenant.ScopeSettingsRead)
	if err != nil {
		return externaljwt.Result{}, err
	}
	return a.signin.CheckExternalJWT(ctx, env.ID, raw)
}

// Providers is the Go API for an environment's social sign-in providers
// (the admin Settings providers group): client secrets sealed at rest.
func (a *Auth) Providers() *social.Providers { return a.providers }

// OAuthAccounts is the Go API for social accounts' provider access
// tokens (sealed at rest, refreshed when expired): UserAccessToken for
// the account's owner, AdminAccessToken for a principal.
func (a *Auth) OAuthAccounts() *social.Accounts { return a.oauthAccounts }

// Keys is the Go API for the environments' JWT signing keys.
func (a *Auth) Keys() *signing.Service { return a.keys }

// Sessions is the Go API for end users' sessions.
func (a *Auth) Sessions() *Sessions { return &Sessions{users: a.users} }

// Sessions lists and revokes end users' sessions. A revoked session's
// tokens are refused at once by Handler and by every Verifier.
type Sessions struct{ users *users.Admin }

// List returns a user's sessions, newest first.
func (s *Sessions) List(ctx context.Context, p *Principal, envID, userID string) ([]users.UserSession, error) {
	return s.users.UserSessions(ctx, p, envID, userID)
}

// Revoke ends one session (idempotent).
func (s *Sessions) Revoke(ctx context.Context, p *Principal, sessionID string) error {
	_, err := s.users.RevokeSession(ctx, p, sessionID)
	return err
}

// RevokeAll ends every session of a user.
func (s *Sessions) RevokeAll(ctx context.Context, p *Principal, envID, userID string) error {
	return s.users.RevokeUserSessions(ctx, p, envID, userID)
}

// RotateSigningKey makes a new JWT signing key for an environment; the
// previous one stays published until every token it signed has expired.
func (a *Auth) RotateSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	if !tenant.ValidID(envID) {
		return nil, fmt.Errorf("%q is not an environment id", envID)
	}
	if _, err := a.tenants.PublicSettings(ctx, envID); err != nil {
		return nil, fmt.Errorf("environment %s: %w", envID, err)
	}
	return a.keys.Rotate(ctx, envID)
}
