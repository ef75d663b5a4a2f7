package signin

import (
	"context"
	"fmt"
	"slices"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// First factors, as recorded in the amr claim.
const (
	FactorWallet = "wallet"
)

// MFA is the MFA service (nil when MFA is off).
func (s *Service) MFA() *mfa.Service { return s.mfa }

// MFAServed returns the MFA service, or the refusal a client gets when the
// server runs without MFA.
func (s *Service) MFAServed() (*mfa.Service, error) {
	if s.mfa == nil {
		return nil, errs.Unprocessable(mfa.CodeInvalidRequest, "MFA is not enabled on this server", nil)
	}
	return s.mfa, nil
}

// firstFactor decides how a fresh sign-in of u is authenticated: full,
// or MFA-pending when the environment's policy asks for a second factor.
// It reads the store only when the environment has MFA on.
func (s *Service) firstFactor(ctx context.Context, env *tenant.Environment, u *users.User, method string) (session.Auth, error) {
	a := session.Auth{AMR: []string{method}}
	if s.mfa == nil || !s.settingsOf(env).mfaEnabled {
		return a, nil
	}
	p := mfa.PolicyFrom(env.Settings)
	has, err := s.hasSecondFactor(ctx, p, u.ID)
	if err != nil {
		return a, err
	}
	a.MFAPending = p.Pending(has)
	return a, nil
}

// offerMFALinking adds to a sign-in's result an elevatedAccessToken with
// credential:link (allowNewMFALinking) when the environment's MFA is
// optional and the user has no MFA method yet, so the SDK can register
// their first device without a step-up of its own. A restricted session
// (MFA or device approval pending) gets none.
func (s *Service) offerMFALinking(ctx context.Context, env *tenant.Environment, res *Result) (*Result, error) {
	if s.mfa == nil || res.Auth.MFAPending || res.Auth.DevicePending {
		return res, nil
	}
	p := mfa.PolicyFrom(env.Settings)
	if !p.Enabled || p.Pending(false) {
		return res, nil // MFA off, or required at sign-up: enrollment happens pending
	}
	// With MFA optional, the sign-in is MFA-pending exactly when the user
	// has a method (firstFactor read it): not pending, they have none.
	var err error
	res.ElevatedAccessToken, err = s.mfa.IssueElevatedUnder(ctx, p, res.User.ID, res.Session.ID, []string{"credential:link"})
	if err != nil {
		return nil, fmt.Errorf("credential:link token of a new sign-in: %w", err)
	}
	return res, nil
}

// MFAPolicy is the MFA policy of the caller's environment.
func (s *Service) MFAPolicy(ctx context.Context, envID string) (mfa.Policy, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return mfa.Policy{}, err
	}
	return mfa.PolicyFrom(env.Settings), nil
}

// MFAMethods are a user's second factors (users/mfa/methods).
type MFAMethods struct {
	Devices  []mfa.Device
	Passkeys []passkey.Passkey
	// Verified tells whether the user has a verified method: a verified
	// device or a passkey.
	Verified bool
}

// MFAMethods lists the caller's MFA devices (verified ones only, unless
// verifiedOnly is false: the SDK then sees an enrollment still waiting for
// its first code) and passkeys (none when passkeys are off).
func (s *Service) MFAMethods(ctx context.Context, cur *Current, verifiedOnly bool) (*MFAMethods, error) {
	svc, err := s.MFAServed()
	if err != nil {
		return nil, err
	}
	list := svc.VerifiedDevices
	if !verifiedOnly {
		list = svc.Devices
	}
	devs, err := list(ctx, cur.User.ID)
	if err != nil {
		return nil, err
	}
	m := &MFAMethods{Devices: devs}
	for _, d := range devs {
		m.Verified = m.Verified || d.Verified()
	}
	if s.passkeys != nil {
		if m.Passkeys, err = s.passkeys.List(ctx, cur.User.ID); err != nil {
			return nil, err
		}
		m.Verified = m.Verified || len(m.Passkeys) > 0
	}
	return m, nil
}

// MFARequest is a second factor sent to users/mfa/auth/*.
type MFARequest struct {
	DeviceID   string // TOTP: which device; empty for the default one
	Code       string
	IssuerHost string
	Origin     string
	// MFAToken asks for an mfaToken (createMfaToken); SingleUse makes
	// it single-use.
	MFAToken, SingleUse bool
	// Scopes are requestedScopes: an elevatedAccessToken carries them.
	Scopes []string
}

// AuthTOTP checks a TOTP code of the caller and upgrades their session
// (same sid) to a full one that records the factor. A device named that
// still waits for its first code is confirmed by it, if the session may
// enroll one (mayEnroll): Dynamic's JS SDK enrolls with GET
// register/totp and then auth/totp naming the new device, where the
// official client POSTs register/totp.
func (s *Service) AuthTOTP(ctx context.Context, cur *Current, req MFARequest) (*Result, error) {
	if err := s.mfaAllowed(ctx, cur, mfa.TypeTOTP, req.Scopes); err != nil {
		return nil, err
	}
	waiting, err := s.mfa.Waiting(ctx, cur.User.ID, req.DeviceID)
	if err != nil {
		return nil, err
	}
	if waiting != nil {
		if err := s.mayEnroll(ctx, cur, mfa.TypeTOTP); err != nil {
			return nil, err
		}
		_, err = s.mfa.ConfirmTOTPDevice(ctx, waiting, req.Code)
	} else {
		_, err = s.mfa.VerifyTOTP(ctx, cur.User.ID, req.DeviceID, req.Code)
	}
	if err != nil {
		return nil, err
	}
	return s.completeMFA(ctx, cur, mfa.TypeTOTP, req)
}

// AuthRecovery spends one of the caller's recovery codes and upgrades
// their session like AuthTOTP.
func (s *Service) AuthRecovery(ctx context.Context, cur *Current, req MFARequest) (*Result, error) {
	if err := s.mfaAllowed(ctx, cur, "", req.Scopes); err != nil {
		return nil, err
	}
	if err := s.mfa.UseRecoveryCode(ctx, cur.User.ID, req.Code); err != nil {
		return nil, err
	}
	return s.completeMFA(ctx, cur, "recovery", req)
}

// mfaAllowed checks that MFA is served, the policy allows the method
// ("" for recovery codes) and the requested scopes are token scopes,
// before a code is spent.
func (s *Service) mfaAllowed(ctx context.Context, cur *Current, method string, scopes []string) error {
	if _, err := s.MFAServed(); err != nil {
		return err
	}
	if err := mfa.CheckScopes(scopes); err != nil {
		return err
	}
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return err
	}
	if method == "" && !p.BackupCodes {
		return errs.Unprocessable(mfa.CodeInvalidRequest, "recovery codes are not allowed in this environment", nil)
	}
	if method != "" && !p.Allows(method) {
		return errs.Unprocessable(mfa.CodeInvalidRequest, method+" is not an MFA method of this environment", nil)
	}
	return nil
}

// CompleteMFA re-issues the caller's session (same sid) as a full one
// with factor added to its amr. Call it only after the factor verified.
func (s *Service) CompleteMFA(ctx context.Context, cur *Current, factor, issuerHost, origin string) (*Result, error) {
	a := session.AuthOf(cur.Claims)
	a.MFAPending = false
	if !slices.Contains(a.AMR, factor) {
		a.AMR = append(a.AMR, factor)
	}
	return s.issueFor(ctx, cur, cur.User, issuerHost, origin, a)
}

// completeMFA upgrades the session and, when asked, adds an mfaToken.
func (s *Service) completeMFA(ctx context.Context, cur *Current, factor string, req MFARequest) (*Result, error) {
	res, err := s.CompleteMFA(ctx, cur, factor, req.IssuerHost, req.Origin)
	if err != nil {
		return nil, err
	}
	if req.MFAToken {
		if res.MFAToken, err = s.mfa.IssueToken(ctx, cur.User.ID, cur.Session.ID, req.SingleUse); err != nil {
			return nil, err
		}
	}
	if len(req.Scopes) > 0 {
		if res.ElevatedAccessToken, err = s.elevatedFor(ctx, cur, req.Scopes); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// elevatedFor issues an elevatedAccessToken of the caller's session with
// scopes, under their environment's MFA actions settings.
func (s *Service) elevatedFor(ctx context.Context, cur *Current, scopes []string) (string, error) {
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return "", err
	}
	return s.mfa.IssueElevatedUnder(ctx, p, cur.User.ID, cur.Session.ID, scopes)
}

// RegisterTOTP starts a TOTP enrollment for the caller. An MFA-pending
// session may enroll only a user without a verified method: with one,
// the first factor alone must not be able to add a second; a full session
// needs proof of a factor passed in it then (mayAddFactor), spent with
// the device's insert: an enrollment refused (the most TOTP devices
// allowed) leaves a single-use proof unspent.
func (s *Service) RegisterTOTP(ctx context.Context, cur *Current, proof Proof) (*mfa.Enrollment, error) {
	if err := s.mayEnroll(ctx, cur, mfa.TypeTOTP); err != nil {
		return nil, err
	}
	use, err := s.mayAddFactor(ctx, cur, proof)
	if err != nil {
		return nil, err
	}
	issuer := "dynamicauth"
	env, err := s.envs.GetEnvironment(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	if p, err := s.envs.GetProject(ctx, env.ProjectID); err == nil && p.Name != "" {
		issuer = p.Name
	}
	en, err := s.mfa.BeginTOTPWithProof(ctx, env.ID, cur.User.ID, issuer, cur.User.Label(), use)
	return en, use.Refused(err)
}

// ConfirmTOTP verifies the first code of the caller's TOTP enrollment.
func (s *Service) ConfirmTOTP(ctx context.Context, cur *Current, code string) (*mfa.Device, error) {
	if err := s.mayEnroll(ctx, cur, mfa.TypeTOTP); err != nil {
		return nil, err
	}
	return s.mfa.ConfirmTOTP(ctx, cur.User.ID, code)
}

// Proof is what a request shows of a factor passed in its session: an
// mfaToken (x-mfa-auth-token) or an elevatedAccessToken
// (x-dyn-elevated-access-token).
type Proof struct{ MFAToken, Elevated string }

// mayAddFactor refuses to add a factor (a TOTP device, a passkey) to a
// user who already has a second factor unless the request proves one
// passed in this session: an elevatedAccessToken with credential:link
// (Dynamic's SDK sends one with registerTotpMfaDevice and
// registerPasskey when it holds one) or an mfaToken. Without it, a stolen
// session could enroll a device of its own and then pass, with it, every
// check that asks for a fresh factor. A user's first factor needs none,
// nor does a passkey while the environment uses no MFA (neither at
// sign-in nor for actions): passkeys are then sign-in methods only.
//
// The proof it returns (nil when none is needed) is looked at, not spent:
// the caller spends it with the factor's insert, in its transaction, so
// that an addition refused (a bad attestation, a limit) leaves a
// single-use token for the next try. The look refuses a bad proof before
// any of the addition's work.
func (s *Service) mayAddFactor(ctx context.Context, cur *Current, proof Proof) (*mfa.TokenUse, error) {
	if cur.Claims.MFAPending() {
		return nil, nil // mayEnroll decides for pending sessions
	}
	if need, err := s.addingNeedsProof(ctx, cur); err != nil || !need {
		return nil, err
	}
	if proof.MFAToken == "" && proof.Elevated == "" {
		return nil, errs.Forbidden("Elevated access token required: pass a factor in this session with requestedScopes " +
			"[credential:link] (or createMfaToken) before adding another")
	}
	use, err := s.mfaProof(cur, proof.MFAToken, proof.Elevated, "credential:link")
	if err != nil {
		return nil, err
	}
	if err := s.mfa.Serves(ctx, use); err != nil {
		return nil, err
	}
	return use, nil
}

// addingNeedsProof tells whether adding a factor for the caller takes
// proof of one (mayAddFactor): whether they have a verified MFA device,
// or a passkey while the environment uses MFA.
func (s *Service) addingNeedsProof(ctx context.Context, cur *Current) (bool, error) {
	if s.mfa == nil {
		return false, nil
	}
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return false, err
	}
	has, err := s.mfa.HasVerifiedMethod(ctx, p, cur.User.ID)
	if err != nil || has || s.passkeys == nil || !p.PasskeysAreFactors() {
		return has, err
	}
	return s.passkeys.HasPasskey(ctx, cur.User.ID)
}

func (s *Service) mayEnroll(ctx context.Context, cur *Current, method string) error {
	if err := s.mfaAllowed(ctx, cur, method, nil); err != nil {
		return err
	}
	if !cur.Claims.MFAPending() {
		return nil
	}
	has, err := s.callerHasSecondFactor(ctx, cur)
	if err != nil {
		return err
	}
	if has {
		return errs.Forbidden("this session must pass MFA before it can add an MFA device")
	}
	return nil
}
