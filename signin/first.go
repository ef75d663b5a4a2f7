package signin

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/internal/safe"
	"github.com/dynamicauth/dynamicauth/otp"
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
	// device is the sign-in's verified device proof (nil if none): device
	// registration knows devices by its key.
	device *DeviceProof
	factor string // the AMR of the first factor
	events []Event
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
	// code is the verification a code sign-in proved with, left for the
	// write to consume (Write.Code); nil for any other.
	code *otp.Verification
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
	device, err := s.deviceStep(f.env, f.device, f.userAgent)
	if err != nil {
		return nil, err
	}
	hook := s.onSignIn(hooked)
	w := &Write{EnvironmentID: f.env.ID, Nonces: f.nonces, Now: f.now, Credential: f.credential, NewUserID: ids.New(),
		Session: sess, Events: f.events, InTx: hook.inTx(), NewUser: f.newUser, OAuthTokens: f.oauthTokens,
		Vouched: f.vouched, Code: f.code}
	device.writeTo(w)
	var early *issued
	w.Written = func(u *users.User, created bool) {
		// The session and the hook's claims as this attempt wrote them: a
		// store that runs the transaction again changes both.
		sess, claims, pending := *sess, hook.customClaims(), device.pending()
		e := &issued{u: u, done: make(chan struct{})}
		early = e
		go func() {
			defer close(e.done)
			e.err = safe.Call(func() (err error) {
				e.res, err = s.issue(ctx, f, &sess, grants, claims, u, created, pending)
				return err
			})
		}()
	}
	u, created, err := s.store.CompleteSignIn(ctx, w)
	if err != nil {
		return nil, err
	}
	s.sendApproval(ctx, f.env, u, device, f.origin, f.userAgent)
	if early != nil && early.u == u {
		<-early.done
		return device.result(early.res, early.err) // issued from this very outcome: doing it again would fail alike
	}
	return device.result(s.issue(ctx, f, sess, grants, hook.customClaims(), u, created, device.pending()))
}

// issued is a sign-in's tokens issued from its written result before the
// commit (Write.Written), for the user u; used only once that commit
// returned u.
type issued struct {
	u    *users.User
	done chan struct{}
	res  *Result
	err  error
}

// issue is a written sign-in's answer: the user's profile, how the
// session is authenticated, and its tokens. It reads nothing the sign-in
// writes (the environment's fields and the user's second factors), so it
// may run before the sign-in's commit.
func (s *Service) issue(ctx context.Context, f *firstSignIn, sess *session.Session, grants session.Grants,
	claims json.RawMessage, u *users.User, created, devicePending bool) (*Result, error) {
	prof, err := s.profile(ctx, u)
	if err != nil {
		return nil, err
	}
	auth, err := s.firstFactor(ctx, f.env, u, f.factor)
	if err != nil {
		return nil, err
	}
	auth.Grants, auth.Claims, auth.DevicePending = grants, claims, devicePending
	tokens, err := s.sessions.IssueAuth(ctx, prof, sess, session.Issuer(s.issuerHost(f.issuerHost), f.env.ID), f.audience, created, auth)
	if err != nil {
		return nil, err
	}
	return &Result{User: u, Profile: prof, Session: sess, Tokens: tokens, NewUser: created, Auth: auth,
		Cookie: s.settingsOf(f.env).cookie}, nil
}
