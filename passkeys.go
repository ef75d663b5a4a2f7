package dynamicauth

import (
	"context"
	"encoding/json"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/go-webauthn/webauthn/protocol"
)

// SetPasskeySettings sets an environment's passkey settings, its
// security.passkeys (see passkey.Settings): the user verification every
// ceremony asks for (required is also enforced on the answers) and how
// many passkeys a user may have. A zero member is left out of the
// settings, so Config.Passkeys decides it. p needs write access to the
// environment's settings. Passkeys().Settings reads them back as applied.
func (a *Auth) SetPasskeySettings(ctx context.Context, p *Principal, envID string, s passkey.Settings) error {
	env, err := a.tenants.GetEnvironment(ctx, p, envID, tenant.ScopeSettingsWrite)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(env.Settings, &doc); err != nil {
		return errs.Internal("read settings", err)
	}
	if err := passkey.SetSettings(doc, s); err != nil {
		return err
	}
	_, err = a.tenants.UpdateSettings(ctx, p, env.ID, doc)
	return err
}

// SignInWithPasskey signs in the user whose passkey made an assertion
// (POST users/passkeys/signin without HTTP): req.Body is the
// authenticator's answer, as the SDK posts it, to the challenge of
// Passkeys().BeginSignIn; each challenge serves once. The session is
// MFA-pending when the environment asks for a second factor the passkey
// does not count as.
func (a *Auth) SignInWithPasskey(ctx context.Context, req signin.PasskeyRequest) (*signin.Result, error) {
	return a.signin.PasskeySignIn(ctx, req)
}

// BeginPasskeyRegistration returns WebAuthn creation options for a new
// passkey of the session's user (GET users/passkeys/register, or
// users/mfa/register/passkey for an MFA-pending session), to hand to
// navigator.credentials.create in the browser at origin; relatedRpID is
// the relatedOriginRpId query parameter ("" for none). The challenge is
// stored and consumed once by RegisterPasskey. An MFA-pending session
// whose user has a second factor already is refused (errs.KindForbidden):
// RegisterPasskey would refuse its answer.
func (a *Auth) BeginPasskeyRegistration(ctx context.Context, envID, sessionToken, origin, relatedRpID string) (*protocol.PublicKeyCredentialCreationOptions, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	return a.signin.BeginPasskeyRegistration(ctx, cur, origin, relatedRpID)
}

// RegisterPasskey verifies the browser's attestation (req.Body, the
// PasskeyRegisterRequest JSON) against a challenge of
// BeginPasskeyRegistration, stores the passkey for the session's user and
// re-issues the session's tokens with it (POST users/passkeys/register).
// A user who has a second factor already (a verified MFA device, or a
// passkey while the environment uses MFA) adds one only with req.Proof: an
// mfaToken or an elevatedAccessToken with credential:link passed in this
// session. An MFA-pending session may register only a user's first
// factor, and that completes its MFA (users/mfa/register/passkey).
// req.EnvironmentID is ignored: the session's environment is used.
func (a *Auth) RegisterPasskey(ctx context.Context, envID, sessionToken string, req signin.PasskeyRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, mfaStage)
	if err != nil {
		return nil, err
	}
	req.EnvironmentID = cur.Session.EnvironmentID
	return a.signin.RegisterPasskey(ctx, cur, req)
}

// DeletePasskey removes one of the session's user's passkeys (DELETE
// users/passkeys). Where passkeys are a second factor (the environment
// uses MFA and allows them) it takes proof of a factor passed in this
// session, as DeleteMFADevice does (credential:unlink); a single-use
// proof is spent with the delete, in its transaction (a refused delete
// leaves it). Passkeys().Delete does the same without these rules.
func (a *Auth) DeletePasskey(ctx context.Context, envID, sessionToken, passkeyID string, proof MFAProof) error {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return err
	}
	return a.signin.DeletePasskey(ctx, cur, passkeyID, proof.signin())
}

// UserPasskeys lists the session's user's passkeys (GET users/passkeys).
// Passkeys().List does the same for any user id.
func (a *Auth) UserPasskeys(ctx context.Context, envID, sessionToken string) ([]passkey.Passkey, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.passkeys.List(ctx, cur.User.ID)
}

// RenamePasskey sets the alias (at most 255 characters) of one of the
// session's user's passkeys and returns it (PUT users/passkeys); another
// user's passkey is not found.
func (a *Auth) RenamePasskey(ctx context.Context, envID, sessionToken, passkeyID, alias string) (*passkey.Passkey, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.passkeys.Rename(ctx, cur.User.ID, passkeyID, alias)
}
