package signin

import (
	"context"
	"errors"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// FactorExternal is the first factor of an external-JWT sign-in.
const FactorExternal = "external"

// CodeInvalidExternalAuth is the contract's 422 for a refused external JWT.
const CodeInvalidExternalAuth = "invalid_external_auth"

// ExternalRequest is an external-JWT sign-in (externalAuth/signin).
type ExternalRequest struct {
	EnvironmentID string
	JWT           string
	// ExternalUserID, when given, must equal the token's sub.
	ExternalUserID   string
	SessionPublicKey string
	IssuerHost       string
	Origin           string
	IP               string
	UserAgent        string
	// Device is the device proof (x-dynamic-device-* headers), if sent.
	Device *DeviceProof
}

// ExternalAuth is the environment's external-JWT configuration.
func (s *Service) ExternalAuth(ctx context.Context, envID string) (externaljwt.Config, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return externaljwt.Config{}, err
	}
	cfg, err := externaljwt.ConfigFromSettings(env.Settings)
	if err != nil {
		return externaljwt.Config{}, errs.Internal("read external auth settings", err)
	}
	return cfg, nil
}

// CheckExternalJWT is the admin dry run: would raw sign a user in to the
// environment, and if not, why. Nothing is written.
func (s *Service) CheckExternalJWT(ctx context.Context, envID, raw string) (externaljwt.Result, error) {
	if s.external == nil {
		return externaljwt.Result{}, errs.Unprocessable(CodeInvalidExternalAuth, "external JWT is not configured on this server", nil)
	}
	cfg, err := s.ExternalAuth(ctx, envID)
	if err != nil {
		return externaljwt.Result{}, err
	}
	res := s.external.Check(ctx, cfg, raw)
	if !cfg.Enabled {
		res.Valid = false
		res.Errors = append([]string{"settings: externalAuth is not enabled for this environment"}, res.Errors...)
	}
	return res, nil
}

// ExternalSignIn signs in (or up) the user an application's own auth
// system vouches for: one externalUser credential per issuer and sub.
func (s *Service) ExternalSignIn(ctx context.Context, req ExternalRequest) (*Result, error) {
	env, id, err := s.verifyExternal(ctx, req.EnvironmentID, req.JWT)
	if err != nil {
		return nil, err
	}
	if req.ExternalUserID != "" && req.ExternalUserID != id.Subject {
		return nil, errs.Unprocessable(CodeInvalidExternalAuth, "externalUserId does not match the token's sub", nil)
	}
	// The session is capped at the token's exp (until, below). A token
	// past it, which Verify still accepts within the clock-skew leeway,
	// leaves nothing to cap at: complete would give it an uncapped
	// session, so it signs no one in.
	if !id.ExpiresAt.After(s.now()) {
		return nil, errs.Unprocessable(CodeInvalidExternalAuth, "exp: the token has expired; a session must not outlive it", nil)
	}
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, req.Device)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	// The issuer scopes the sub: two auth systems may reuse an id.
	cred := users.Credential{ID: ids.New(), EnvironmentID: env.ID, Format: users.FormatExternalUser, Chain: id.Issuer,
		Address: id.Subject, PublicIdentifier: id.Subject, SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	// The token's email (when it says verified) and names go onto the
	// user in the sign-in's own transaction; access is decided on the
	// email too, before anything is written.
	vouched := vouchedProfile(env.ID, id.Email, id.EmailVerified, id.Name, id.GivenName, id.FamilyName, now)
	var extra []users.Credential
	if vouched != nil && vouched.Email != nil {
		extra = append(extra, *vouched.Email)
	}
	grants, err := s.decideCredential(ctx, env.ID, nil, cred, extra...)
	if err != nil {
		return nil, err
	}
	// The session must not outlive the token that vouched for it, not
	// even through refreshes.
	return s.complete(ctx, &firstSignIn{env: env, credential: cred, vouched: vouched, grants: &grants, now: now,
		sessionKey: sessionKey, nonces: nonces, device: req.Device, factor: FactorExternal,
		events: []Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.SessionCreated}}, until: id.ExpiresAt,
		audience: s.audience(req.Origin, "", req.IssuerHost), issuerHost: req.IssuerHost, origin: req.Origin, ip: req.IP,
		userAgent: req.UserAgent})
}

// ExternalVerify is externalAuth/verify: the signed-in user presents a
// fresh token of the application's auth system, which must vouch for one
// of their own externalUser identities. A token with a scope claim is an
// assertion (Dynamic's newer form: sub, scope, jti, exp, signed by the
// application's backend): its scopes become an elevatedAccessToken of the
// caller's session, returned, and its jti is accepted once until it
// expires. A token without one is only checked (the contract's 204).
func (s *Service) ExternalVerify(ctx context.Context, cur *Current, raw string) (elevated string, err error) {
	env, id, err := s.verifyExternal(ctx, cur.Session.EnvironmentID, raw)
	if err != nil {
		return "", err
	}
	if !ownsExternal(cur.User, id) {
		return "", errs.Unprocessable(CodeInvalidExternalAuth, "the token vouches for another user", nil)
	}
	if len(id.Scopes) == 0 {
		return "", nil
	}
	if s.mfa == nil {
		return "", errs.Unprocessable(CodeInvalidExternalAuth, "elevated access tokens are not served: MFA is off on this server", nil)
	}
	if err := mfa.CheckScopes(id.Scopes); err != nil {
		return "", err
	}
	if id.JTI == "" || len(id.JTI) > maxAssertionJTI {
		return "", errs.Unprocessable(CodeInvalidExternalAuth, "jti: an assertion asking for scopes needs one of at most 256 characters (it is accepted once)", nil)
	}
	// The jti is kept as long as the token verifies (past its exp by the
	// leeway): kept only until exp, it is purged while the assertion
	// still verifies, which would then mint a second token.
	if err := s.store.UseExternalAssertion(ctx, env.ID, id.Issuer, id.JTI, id.AcceptedUntil); err != nil {
		return "", err
	}
	return s.mfa.IssueElevatedUnder(ctx, mfa.PolicyFrom(env.Settings), cur.User.ID, cur.Session.ID, id.Scopes)
}

// maxAssertionJTI bounds the jti remembered for an assertion.
const maxAssertionJTI = 256

// ownsExternal reports whether id is one of u's externalUser identities.
func ownsExternal(u *users.User, id *externaljwt.Identity) bool {
	for _, c := range u.Credentials {
		if c.Format == users.FormatExternalUser && c.Chain == id.Issuer && c.Address == id.Subject {
			return true
		}
	}
	return false
}

// verifyExternal checks raw against the environment's externalAuth
// settings; a refusal is the contract's 422 with the reasons.
func (s *Service) verifyExternal(ctx context.Context, envID, raw string) (*tenant.Environment, *externaljwt.Identity, error) {
	if s.external == nil {
		return nil, nil, errs.Unprocessable(CodeInvalidExternalAuth, "external JWT is not configured on this server", nil)
	}
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := externaljwt.ConfigFromSettings(env.Settings)
	if err != nil {
		return nil, nil, errs.Internal("read external auth settings", err)
	}
	if !cfg.Enabled {
		return nil, nil, errs.Unprocessable(CodeInvalidExternalAuth, "external JWT sign-in is not enabled for this environment", nil)
	}
	id, err := s.external.Verify(ctx, cfg, raw)
	if err != nil {
		var r *externaljwt.Refusal
		if errors.As(err, &r) {
			return nil, nil, errs.Unprocessable(CodeInvalidExternalAuth, r.Error(), nil)
		}
		return nil, nil, err
	}
	return env, id, nil
}
