package signin

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// Device registration at sign-in (package devices): where the environment
// requires it, the sign-in's transaction recognizes or registers the
// device, and a returning user's unknown device gets a restricted session
// (scope device:register) and an emailed approval link.

// deviceApproval is a sign-in's device step: the check its transaction
// answers and the token the approval email carries (only its hash is
// stored).
type deviceApproval struct {
	check *devices.Check
	token string
	// cookie is the device cookie's secret when the device is known by
	// it (cookie mode): the answer sets it again.
	cookie string
}

// pending reports whether the sign-in's session awaits approval.
func (d *deviceApproval) pending() bool { return d != nil && d.check.Pending }

// deviceStep prepares the device step of a sign-in in env from its
// verified device proof (nil when it sent none); nil when the environment
// does not require device registration. A device cookie counts only in
// cookie mode, where the SDK proves no key; there a browser without one
// gets a new one.
func (s *Service) deviceStep(env *tenant.Environment, proof *DeviceProof, userAgent string) (*deviceApproval, error) {
	settings := s.settingsOf(env)
	if s.devices == nil || !settings.deviceRegistration {
		return nil, nil
	}
	token, err := devices.NewToken()
	if err != nil {
		return nil, err
	}
	if proof == nil && settings.cookie {
		secret, err := devices.NewCookieSecret()
		if err != nil {
			return nil, err
		}
		proof = CookieDeviceProof(secret)
	}
	key, cookie := proof.key(), ""
	if devices.IsCookieKey(key) {
		if settings.cookie {
			cookie = proof.Cookie
		} else {
			key = ""
		}
	}
	return &deviceApproval{token: token, cookie: cookie, check: &devices.Check{PublicKey: key, UserAgent: userAgent, NewID: ids.New(),
		Approval: devices.Approval{TokenHash: devices.HashToken(token), ExpiresAt: s.now().Add(devices.ApprovalTTL)}}}, nil
}

// result adds the device cookie to a sign-in's answer.
func (d *deviceApproval) result(res *Result, err error) (*Result, error) {
	if d != nil && res != nil && d.cookie != "" {
		res.DeviceCookie = d.cookie
	}
	return res, err
}

// writeTo puts the device step into a sign-in's write.
func (d *deviceApproval) writeTo(w *Write) {
	if d != nil {
		w.Device = d.check
	}
}

// sendApproval emails the approval link of a written sign-in that left its
// session pending.
func (s *Service) sendApproval(ctx context.Context, env *tenant.Environment, u *users.User, d *deviceApproval, origin, userAgent string) {
	if !d.pending() {
		return
	}
	origins, err := s.envs.ListOrigins(ctx, env.ID)
	if err != nil {
		origins = nil // the link falls back to none: logged below
	}
	project := "your app"
	if p, err := s.envs.GetProject(ctx, env.ProjectID); err == nil && p.Name != "" {
		project = p.Name
	}
	s.devices.SendApproval(ctx, env.ID, project, u.Email, devices.Link(env, origins, origin, d.token), d.token, userAgent)
}

// ApproveDevice follows an emailed approval link (POST
// /sdk/{env}/deviceRegistration with the link's token): it registers the
// device the link was sent for, ties the caller's session to it and
// returns the session's tokens without device:register. The caller must be
// the session the link was emailed for.
func (s *Service) ApproveDevice(ctx context.Context, cur *Current, token, issuerHost, origin string) (*Result, error) {
	if s.devices == nil {
		return nil, devices.ErrApprovalInvalid
	}
	if token == "" {
		return nil, devices.ErrMissingToken
	}
	id, err := s.devices.Approve(ctx, devices.Approve{EnvironmentID: cur.Session.EnvironmentID, UserID: cur.User.ID,
		SessionID: cur.Session.ID, TokenHash: devices.HashToken(token), NewID: ids.New(), Now: s.now().UTC().Truncate(time.Millisecond)})
	if err != nil {
		return nil, err
	}
	sess := *cur.Session
	sess.DeviceRegistrationID = id
	cur = &Current{User: cur.User, Claims: cur.Claims, Session: &sess, Token: cur.Token, Cookie: cur.Cookie}
	a := session.AuthOf(cur.Claims)
	a.DevicePending = false
	return s.issueFor(ctx, cur, cur.User, issuerHost, origin, a)
}
