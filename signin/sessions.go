package signin

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

// Current is the signed-in caller of an SDK route.
type Current struct {
	User    *users.User
	Claims  *session.Minified
	Session *session.Session
	// Token is the bearer token Claims were verified from: re-issues read
	// the session's custom claims from it.
	Token string
	// Cookie: Token came in the session cookie (AuthenticateCookie).
	Cookie bool
}

// ErrCookieNotUsed refuses a session cookie sent to an environment that
// keeps its sessions in the browser's storage: there a cookie is no
// credential, so a page of another site cannot ride on one.
var ErrCookieNotUsed = errs.Unauthorized("this environment does not keep sessions in cookies (security.auth.storage): send Authorization: Bearer <minifiedJwt>")

// ErrMFAPending refuses an MFA-pending session where a full one is
// needed: it must pass a second factor (users/mfa/auth/*) first.
var ErrMFAPending = errs.Forbidden("this session must pass MFA first (users/mfa/auth/*); its token has the requiresAdditionalAuth scope")

// RequireFull refuses a restricted session where a full one is needed:
// an MFA-pending one (ErrMFAPending) or one whose device awaits the
// user's emailed approval (devices.ErrPending).
func RequireFull(cur *Current) error {
	switch {
	case cur.Claims.MFAPending():
		return ErrMFAPending
	case cur.Claims.DevicePending():
		return devices.ErrPending
	}
	return nil
}

// RequireMFAStage refuses, on the routes a restricted session may use to
// pass or set up MFA, a session whose device awaits approval and that
// owes no second factor: its device is approved first.
func RequireMFAStage(cur *Current) error {
	if cur.Claims.DevicePending() && !cur.Claims.MFAPending() {
		return devices.ErrPending
	}
	return nil
}

// Authenticate resolves a bearer session token to the signed-in user.
func (s *Service) Authenticate(ctx context.Context, envID, token string) (*Current, error) {
	claims, sess, err := s.sessions.Authenticate(ctx, envID, token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, sess.UserID)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return nil, errs.Unauthorized("invalid or expired session token")
		}
		return nil, err
	}
	return &Current{User: u, Claims: claims, Session: sess, Token: token}, nil
}

// AuthenticateCookie is Authenticate for a token carried by the session
// cookie: it counts only in an environment in cookie mode
// (security.auth.storage has "cookie").
func (s *Service) AuthenticateCookie(ctx context.Context, envID, token string) (*Current, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	if !s.settingsOf(env).cookie {
		return nil, ErrCookieNotUsed
	}
	cur, err := s.Authenticate(ctx, envID, token)
	if err != nil {
		return nil, err
	}
	cur.Cookie = true
	return cur, nil
}

// Refresh issues fresh tokens for the caller's session (same sid), with
// the environment's current lifetime, never past the refresh limit. A
// device proof, when sent, must verify and its nonce is used up.
func (s *Service) Refresh(ctx context.Context, cur *Current, device *DeviceProof, issuerHost, origin string) (*Result, error) {
	env, err := s.envs.GetEnvironment(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	// a refresh re-evaluates access first: who sold the NFT loses its
	// scope, who was blocked meanwhile gets no fresh tokens
	grants, err := s.decideUser(ctx, env.ID, cur.User)
	if err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, device)
	if err != nil {
		return nil, err
	}
	if len(nonces) > 0 {
		if err := s.store.ConsumeNonces(ctx, env.ID, nonces, s.now()); err != nil {
			return nil, err
		}
	}
	if err := s.sessions.Refresh(ctx, cur.Session, s.settingsOf(env).lifetime); err != nil {
		return nil, err
	}
	a := session.AuthOf(cur.Claims)
	a.Grants = grants
	return s.issueFor(ctx, cur, cur.User, issuerHost, origin, a)
}

// Revoke signs the caller out: the session is refused everywhere at once.
func (s *Service) Revoke(ctx context.Context, cur *Current) error {
	return s.sessions.Revoke(ctx, cur.Session.ID, events.SessionRevoked)
}

// Visit is a wallet connection seen before any signature (POST /connect).
type Visit struct {
	ID, EnvironmentID, Address, Chain, Provider, WalletName, AuthMode string
	CreatedAt                                                         time.Time
}

// RecordVisit stores a wallet connection for the visitor statistics.
func (s *Service) RecordVisit(ctx context.Context, v Visit) error {
	if _, err := s.envs.GetEnvironment(ctx, v.EnvironmentID); err != nil {
		return err
	}
	for name, val := range map[string]string{"address": v.Address, "walletName": v.WalletName} {
		if val == "" || len(val) > maxNameLen {
			return errs.Invalid("%s: must be 1 to %d characters", name, maxNameLen)
		}
	}
	if ns, ok := users.ChainNamespace(v.Chain); ok {
		v.Address, _ = users.NormalizeAddress(ns, v.Address)
	}
	v.ID, v.CreatedAt = ids.New(), s.now().UTC().Truncate(time.Millisecond)
	return s.store.InsertVisit(ctx, v)
}
