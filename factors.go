package dynamicauth

import (
	"context"

	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/go-webauthn/webauthn/protocol"
)

// The users/mfa/* routes without HTTP. Like PassEmailMFA, each method
// takes the end user's session token (the minifiedJwt) and acts as that
// user, with the same rules as the route: the ones an MFA-pending session
// may call (enroll a first device, pass a factor, list devices) accept
// its token; the others need a full session and refuse a pending one
// with signin.ErrMFAPending.

// need is what a facade method asks of the session it acts as.
type need int

const (
	anySession  need = iota // restricted ones too: refresh, sign-out, device approval
	mfaStage                // restricted only by MFA still due (signin.RequireMFAStage)
	fullSession             // a full session (signin.RequireFull)
)

// current authenticates a session token of the environment and checks it
// meets n.
func (a *Auth) current(ctx context.Context, envID, sessionToken string, n need) (*signin.Current, error) {
	cur, err := a.signin.Authenticate(ctx, envID, sessionToken)
	if err != nil {
		return nil, err
	}
	switch n {
	case fullSession:
		err = signin.RequireFull(cur)
	case mfaStage:
		err = signin.RequireMFAStage(cur)
	}
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// RegisterTOTP starts a TOTP enrollment for the session's user: an
// unverified device, its secret and otpauth:// URI to show as a QR code
// (GET users/mfa/register/totp). An MFA-pending session may enroll only
// a user who has no verified method yet; a full session of a user who has
// one needs proof of a factor passed in it (an elevatedAccessToken with
// credential:link, or an mfaToken), as adding a passkey does.
func (a *Auth) RegisterTOTP(ctx context.Context, envID, sessionToken string, proof MFAProof) (*mfa.Enrollment, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.RegisterTOTP(ctx, cur, proof.signin())
}

// ConfirmTOTP verifies the enrollment with a first code from the
// authenticator app and returns the verified device (POST
// users/mfa/register/totp). It does not upgrade the session: pass a
// factor with PassTOTP for that.
func (a *Auth) ConfirmTOTP(ctx context.Context, envID, sessionToken, code string) (*mfa.Device, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.ConfirmTOTP(ctx, cur, code)
}

// PassTOTP takes a TOTP code (req.Code; req.DeviceID picks a device, the
// default one when empty) as the session's second factor and returns its
// tokens upgraded: same sid, full scope, totp in amr (users/mfa/auth/totp).
// A code works once, within ±1 step; wrong codes count towards the
// per-user lock. req.MFAToken and req.Scopes also ask for an mfaToken and
// an elevatedAccessToken, bound to this session.
func (a *Auth) PassTOTP(ctx context.Context, envID, sessionToken string, req signin.MFARequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.AuthTOTP(ctx, cur, req)
}

// PassRecoveryCode spends one of the user's recovery codes (req.Code) as
// the session's second factor and upgrades it like PassTOTP
// (users/mfa/auth/recovery).
func (a *Auth) PassRecoveryCode(ctx context.Context, envID, sessionToken string, req signin.MFARequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.AuthRecovery(ctx, cur, req)
}

// PassEmailMFA takes the code of an email verification (Codes().Start
// to one of the user's verified emails) as the session's second factor
// and upgrades it like PassTOTP, with email in amr
// (users/mfa/auth/email).
func (a *Auth) PassEmailMFA(ctx context.Context, envID, sessionToken string, req signin.EmailMFARequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.AuthEmailMFA(ctx, cur, req)
}

// BeginPasskeyMFA returns WebAuthn request options for the session's
// user's own passkeys (GET users/passkeys/authenticate), to hand to
// navigator.credentials.get in the browser at origin; relatedRpID is the
// relatedOriginRpId query parameter ("" for none). The challenge is
// stored and consumed once by PassPasskey.
func (a *Auth) BeginPasskeyMFA(ctx context.Context, envID, sessionToken, origin, relatedRpID string) (*protocol.PublicKeyCredentialRequestOptions, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.passkeys.BeginAuthenticate(ctx, cur.Session.EnvironmentID, cur.User, origin, relatedRpID)
}

// PassPasskey verifies the browser's assertion (req.Body, the
// PasskeyAuthRequest JSON) of one of the user's passkeys against a
// challenge of BeginPasskeyMFA and upgrades the session like PassTOTP
// (users/mfa/auth/passkey). req.EnvironmentID is ignored: the session's
// environment is used.
func (a *Auth) PassPasskey(ctx context.Context, envID, sessionToken string, req signin.PasskeyRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = cur.Session.EnvironmentID
	return a.signin.AuthPasskey(ctx, cur, req)
}

// MFADevices lists the session's user's verified MFA devices (GET
// users/mfa); an MFA-pending session may list them to pick one.
func (a *Auth) MFADevices(ctx context.Context, envID, sessionToken string) ([]mfa.Device, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.mfa.VerifiedDevices(ctx, cur.User.ID)
}

// SetDefaultMFADevice makes a device the user's default (or not) for
// PassTOTP without a device id (PUT users/mfa/{mfaDeviceId}).
func (a *Auth) SetDefaultMFADevice(ctx context.Context, envID, sessionToken, deviceID string, isDefault bool) (*mfa.Device, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.mfa.SetDefault(ctx, cur.User.ID, deviceID, isDefault)
}

// MFAProof is the recent second factor a sensitive MFA change takes:
// the mfaToken (createMfaToken) or an elevatedAccessToken with the
// scope of the change (credential:unlink to delete a device,
// credential:link to add one), issued by a Pass* call in the same session.
type MFAProof struct {
	MFAToken            string
	ElevatedAccessToken string
}

func (p MFAProof) signin() signin.Proof {
	return signin.Proof{MFAToken: p.MFAToken, Elevated: p.ElevatedAccessToken}
}

// DeleteMFADevice removes one of the user's MFA devices (DELETE
// users/mfa/{mfaDeviceId}). It needs a full session and proof of a
// factor passed in that session; a single-use proof is spent.
func (a *Auth) DeleteMFADevice(ctx context.Context, envID, sessionToken, deviceID string, proof MFAProof) error {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return err
	}
	return a.signin.DeleteMFADevice(ctx, cur, deviceID, proof.MFAToken, proof.ElevatedAccessToken)
}

// RecoveryCodes returns the user's recovery codes the first time they are
// asked for (a set is made then) and, later, none: codes are shown once.
// unused counts the codes left (GET users/mfa/recovery).
func (a *Auth) RecoveryCodes(ctx context.Context, envID, sessionToken string) (codes []string, unused int, err error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, 0, err
	}
	return a.mfa.RecoveryCodes(ctx, cur.User.ID)
}

// NewRecoveryCodes replaces the user's recovery codes with a new set of
// ten and returns it, shown this once (POST users/mfa/recovery).
func (a *Auth) NewRecoveryCodes(ctx context.Context, envID, sessionToken string) ([]string, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.mfa.NewRecoveryCodes(ctx, cur.User.ID)
}

// AcknowledgeRecoveryCodes stores the user's mfaBackupCodeAcknowledgement
// (mfa.AckPending or mfa.AckComplete), which the app sets once it has
// shown the codes (PUT users with that field).
func (a *Auth) AcknowledgeRecoveryCodes(ctx context.Context, envID, sessionToken, ack string) error {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return err
	}
	return a.mfa.AcknowledgeBackupCodes(ctx, cur.User.ID, ack)
}

// ResetMFA removes every MFA device, recovery code and live mfaToken of a
// user of the environment, for a principal who may write its users (the
// admin POST /users/{userId}/mfa/reset). The user enrolls again at the
// next sign-in if the environment's policy asks for MFA.
func (a *Auth) ResetMFA(ctx context.Context, p *Principal, envID, userID string) error {
	if err := a.users.CheckUser(ctx, p, envID, userID, tenant.Write); err != nil {
		return err
	}
	return a.mfa.Reset(ctx, userID)
}

// MFAMethods lists the session's user's MFA devices and passkeys and
// whether any of them is verified (GET users/mfa/methods): verified
// devices only, unless verifiedOnly is false (an enrollment still waiting
// for its first code is then listed too). An MFA-pending session may
// list them to pick one.
func (a *Auth) MFAMethods(ctx context.Context, envID, sessionToken string, verifiedOnly bool) (*signin.MFAMethods, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.MFAMethods(ctx, cur, verifiedOnly)
}
