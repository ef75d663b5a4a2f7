package signin

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// firstSignIn is a verified first factor, ready to be written: the one
// way every sign-in (wallet, external JWT, social) finds or creates its
// user, stores the session and events in one transaction and issues the
// session's tokens.
type firstSignIn struct {
	env        *tenant.Environment
	credential users.Credential // a fresh candidate; the store may keep an existing one
	nonces     []string         // to consume in the write
	now        time.Time
	sessionKey string
	factor     string // the AMR of the first factor
	events     []Event
	// until, when set, caps the session and its refreshes (the external
	// token that vouched for the user expires then).
	until time.Time
	// audience is the tokens' aud.
	audience                          string
	issuerHost, origin, ip, userAgent string
	// newUser fills in the profile of a user the sign-in creates (the
	// verified email or phone number of a code sign-in).
	newUser *NewUserProfile
	// vouched, when set, is the profile the identity provider vouches for.
	vouched *Vouched
	// oauthTokens are the provider tokens of a social sign-in.
	oauthTokens *social.SealedTokens
	// grants, when set, is the access decision the flow made itself (on
	// more than the credential); otherwise complete decides on it.
	grants *session.Grants
}

// grantsOf is the sign-in's access decision: the flow's own, or one on
// the credential.
func (s *Service) grantsOf(ctx context.Context, f *firstSignIn) (session.Grants, error) {
	if f.grants != nil {
		return *f.grants, nil
	}
	return s.decideCredential(ctx, f.env.ID, nil, f.credential)
}

// complete writes a first sign-in and issues its tokens.
func (s *Service) complete(ctx context.Context, f *firstSignIn) (*Result, error) {
	hooked := Attempt{EnvironmentID: f.env.ID, Credential: f.credential, Origin: f.origin, IP: f.ip, UserAgent: f.userAgent}
	if err := s.beforeSignIn(ctx, hooked); err != nil {
		return nil, err
	}
	grants, err := s.grantsOf(ctx, f)
	if err != nil {
		return nil, err
	}
	sess := s.sessions.New(f.env.ID, "", f.credential.ID, f.sessionKey, s.collectedIP(f.env, f.ip), f.userAgent, s.settingsOf(f.env).lifetime)
	if limit := f.until.UTC().Truncate(time.Millisecond); !f.until.IsZero() && limit.After(f.now) {
		if sess.ExpiresAt.After(limit) {
			sess.ExpiresAt = limit
		}
		if sess.RefreshExpiresAt.After(limit) {
			sess.RefreshExpiresAt = limit
		}
	}
	hook := s.onSignIn(hooked)
	w := &Write{EnvironmentID: f.env.ID, Nonces: f.nonces, Now: f.now, Credential: f.credential, NewUserID: users.NewID(),
		Session: sess, Events: f.events, InTx: hook.inTx(), NewUser: f.newUser, OAuthTokens: f.oauthTokens,
		Vouched: f.vouched}
	u, created, err := s.store.CompleteSignIn(ctx, w)
	if err != nil {
		return nil, err
	}
	prof, err := s.profile(ctx, u)
	if err != nil {
		return nil, err
	}
	auth, err := s.firstFactor(ctx, f.env, u, f.factor)
	if err != nil {
		return nil, err
	}
	auth.Grants, auth.Claims = grants, hook.customClaims()
	tokens, err := s.sessions.IssueAuth(ctx, prof, sess, session.Issuer(f.issuerHost, f.env.ID), f.audience, created, auth)
	if err != nil {
		return nil, err
	}
	return &Result{User: u, Profile: prof, Session: sess, Tokens: tokens, NewUser: created, Auth: auth}, nil
}
