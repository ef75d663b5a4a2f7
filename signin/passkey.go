package signin

import (
	"context"
	"encoding/base64"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-webauthn/webauthn/protocol"
)

// FactorPasskey is a passkey, as first or second factor, in amr.
const FactorPasskey = "passkey"

// Passkeys is the passkey service (nil when passkeys are off).
func (s *Service) Passkeys() *passkey.Service { return s.passkeys }

// PasskeysServed returns the passkey service, or the refusal a client
// gets when the server runs without passkeys.
func (s *Service) PasskeysServed() (*passkey.Service, error) {
	if s.passkeys == nil {
		return nil, errs.Unprocessable("invalid_verification", "passkeys are not enabled on this server", nil)
	}
	return s.passkeys, nil
}

// PasskeyRequest is a passkey answer (PasskeyRegisterRequest or
// PasskeyAuthRequest as the client sent it) with what HTTP knows.
type PasskeyRequest struct {
	EnvironmentID    string
	Body             []byte
	SessionPublicKey string
	Origin           string
	IssuerHost       string
	IP, UserAgent    string
	// Device is the device proof (x-dynamic-device-* headers), if sent.
	Device *DeviceProof
	// MFAToken asks for an mfaToken (createMfaToken) on MFA routes.
	MFAToken, SingleUse bool
	// Scopes are requestedScopes (an elevatedAccessToken) on MFA routes.
	Scopes []string
	// Proof of a factor passed in the session, which registering another
	// passkey takes when the user has a second factor (mayAddFactor).
	Proof Proof
}

// PasskeySignIn verifies a discoverable assertion and signs its user in:
// a new session, like every other sign-in. A passkey never signs up.
func (s *Service) PasskeySignIn(ctx context.Context, req PasskeyRequest) (*Result, error) {
	pks, err := s.PasskeysServed()
	if err != nil {
		return nil, err
	}
	sessionKey, err := checkSessionPublicKey(req.SessionPublicKey)
	if err != nil {
		return nil, err
	}
	env, err := s.envs.GetEnvironment(ctx, req.EnvironmentID)
	if err != nil {
		return nil, err
	}
	nonces, err := s.claimNonces(env.ID, req.Device)
	if err != nil {
		return nil, err
	}
	p, err := pks.FinishSignIn(ctx, env.ID, req.Body)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	cred := users.Credential{ID: ids.New(), EnvironmentID: env.ID, Format: users.FormatPasskey,
		Address: base64.RawURLEncoding.EncodeToString(p.CredentialID), SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
	a := Attempt{EnvironmentID: env.ID, Credential: cred, Origin: req.Origin, IP: req.IP, UserAgent: req.UserAgent}
	if err := s.beforeSignIn(ctx, a); err != nil {
		return nil, err
	}
	grants, err := s.decide(ctx, env.ID, func(ctx context.Context) (access.Subject, error) {
		owner, err := s.store.GetUser(ctx, p.UserID)
		if err != nil {
			return access.Subject{}, err
		}
		return access.SubjectOf(owner), nil
	})
	if err != nil {
		return nil, err
	}
	device, err := s.deviceStep(env, req.Device, req.UserAgent)
	if err != nil {
		return nil, err
	}
	hook := s.onSignIn(a)
	sess := s.sessions.New(env.ID, "", "", sessionKey, s.collectedIP(env, req.IP), req.UserAgent, s.settingsOf(env).lifetime)
	w := &Write{EnvironmentID: env.ID, Nonces: nonces, Now: now, Credential: cred, Session: sess,
		SignInOnly: true, Events: []Event{{Name: events.SessionCreated}}, InTx: hook.inTx()}
	device.writeTo(w)
	u, _, err := s.store.CompleteSignIn(ctx, w)
	if errs.Is(err, errs.KindNotFound) {
		return nil, errs.NotFound(passkey.CodeNotFound, "no such passkey")
	}
	if err != nil {
		return nil, err
	}
	prof, err := s.profile(ctx, u)
	if err != nil {
		return nil, err
	}
	s.sendApproval(ctx, env, u, device, req.Origin, req.UserAgent)
	auth, err := s.firstFactor(ctx, env, u, FactorPasskey)
	if err != nil {
		return nil, err
	}
	auth.Grants, auth.Claims, auth.DevicePending = grants, hook.customClaims(), device.pending()
	tokens, err := s.sessions.IssueAuth(ctx, prof, sess, session.Issuer(s.issuerHost(req.IssuerHost), env.ID), s.audience(req.Origin, "", req.IssuerHost), false, auth)
	if err != nil {
		return nil, err
	}
	return device.result(&Result{User: u, Profile: prof, Session: sess, Tokens: tokens, Auth: auth, Cookie: s.settingsOf(env).cookie}, nil)
}

// BeginPasskeyRegistration issues creation options for another passkey
// of the caller, unless the answer would be refused: an MFA-pending
// session whose user already has a second factor must pass it first (as
// RegisterPasskey holds), so no authenticator is asked to make a passkey
// the server then turns down. Proof of a factor (mayAddFactor) is asked
// of the answer only: Dynamic's JS SDK sends it with registerPasskey, not
// with the options.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, cur *Current, origin, relatedRpID string) (*protocol.PublicKeyCredentialCreationOptions, error) {
	pks, err := s.PasskeysServed()
	if err != nil {
		return nil, err
	}
	if cur.Claims.MFAPending() {
		if err := s.mayEnroll(ctx, cur, mfa.TypePasskey); err != nil {
			return nil, err
		}
	}
	return pks.BeginRegistration(ctx, cur.Session.EnvironmentID, cur.User, origin, relatedRpID)
}

// RegisterPasskey stores a passkey for the signed-in caller and re-issues
// their tokens with it among the credentials. With MFA it may also be the
// caller's second factor: registering it on an MFA-pending session of a
// user without any method (enrollment) completes MFA with it. The proof
// another factor takes (mayAddFactor) is spent with the passkey's
// insert: a registration refused leaves a single-use one unspent.
func (s *Service) RegisterPasskey(ctx context.Context, cur *Current, req PasskeyRequest) (*Result, error) {
	pks, err := s.PasskeysServed()
	if err != nil {
		return nil, err
	}
	pending := cur.Claims.MFAPending()
	var use *mfa.TokenUse
	if pending {
		if err := s.mayEnroll(ctx, cur, mfa.TypePasskey); err != nil {
			return nil, err
		}
	} else if use, err = s.mayAddFactor(ctx, cur, req.Proof); err != nil {
		return nil, err
	}
	if _, err := pks.FinishRegistrationWithProof(ctx, cur.Session.EnvironmentID, cur.User, req.Body, req.UserAgent, use); err != nil {
		return nil, use.Refused(err)
	}
	u, err := s.store.GetUser(ctx, cur.User.ID)
	if err != nil {
		return nil, err
	}
	a := session.AuthOf(cur.Claims)
	if pending {
		a.MFAPending = false
		a.AMR = append(a.AMR, FactorPasskey)
	}
	return s.issueFor(ctx, cur, u, req.IssuerHost, req.Origin, a)
}

// DeletePasskey removes one of the caller's passkeys. Where passkeys are a
// second factor (the environment uses MFA and allows them), it takes
// proof of a factor passed in the session, as deleting an MFA device
// does (Dynamic's SDK sends an elevatedAccessToken with credential:unlink
// or its mfaToken): a stolen session could otherwise delete the user's
// only factor and enroll its own as their first. The proof is spent in
// the delete's transaction, before its refusals: a delete refused (no
// such passkey, the user's last way to sign in) leaves a single-use
// mfaToken unspent.
func (s *Service) DeletePasskey(ctx context.Context, cur *Current, id string, proof Proof) error {
	pks, err := s.PasskeysServed()
	if err != nil {
		return err
	}
	var use *mfa.TokenUse
	if s.mfa != nil {
		p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
		if err != nil {
			return err
		}
		if p.PasskeysAreFactors() {
			if use, err = s.mfaProof(cur, proof.MFAToken, proof.Elevated, "credential:unlink"); err != nil {
				return err
			}
		}
	}
	err = pks.DeleteWithProof(ctx, cur.User.ID, id, use)
	if use != nil {
		return use.Refused(err)
	}
	return err
}

// AuthPasskey verifies an assertion of the caller's own passkey (after
// GET users/passkeys/authenticate) and upgrades their session like
// AuthTOTP.
func (s *Service) AuthPasskey(ctx context.Context, cur *Current, req PasskeyRequest) (*Result, error) {
	pks, err := s.PasskeysServed()
	if err != nil {
		return nil, err
	}
	if err := s.mfaAllowed(ctx, cur, mfa.TypePasskey, req.Scopes); err != nil {
		return nil, err
	}
	if _, err := pks.FinishAuthenticate(ctx, cur.Session.EnvironmentID, cur.User.ID, req.Body); err != nil {
		return nil, err
	}
	return s.completeMFA(ctx, cur, FactorPasskey, MFARequest{IssuerHost: req.IssuerHost, Origin: req.Origin,
		MFAToken: req.MFAToken, SingleUse: req.SingleUse, Scopes: req.Scopes})
}

// callerHasSecondFactor is hasSecondFactor for the caller, under their
// environment's policy.
func (s *Service) callerHasSecondFactor(ctx context.Context, cur *Current) (bool, error) {
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return false, err
	}
	return s.hasSecondFactor(ctx, p, cur.User.ID)
}

// hasSecondFactor reports whether the user has a verified method the
// policy allows: an MFA device, or a passkey.
func (s *Service) hasSecondFactor(ctx context.Context, p mfa.Policy, userID string) (bool, error) {
	has, err := s.mfa.HasVerifiedMethod(ctx, p, userID)
	if err != nil || has || s.passkeys == nil || !p.Allows(mfa.TypePasskey) {
		return has, err
	}
	return s.passkeys.HasPasskey(ctx, userID)
}
