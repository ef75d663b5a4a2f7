package signin

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/users"
)

// StepUpCredential is a factor the caller may step up with
// (StepUpCredential: id, format, type, alias).
type StepUpCredential struct {
	ID, Format, Type, Alias string
}

// StepUp answers POST stepUp/check: whether an action under a scope needs
// an elevatedAccessToken first, and the factors that can get one.
type StepUp struct {
	Required    bool
	Credentials []StepUpCredential
	// DefaultID is the user's default MFA device, if any.
	DefaultID string
}

// CheckStepUp tells the caller whether an action under scope needs a
// step-up in this environment (its security.mfa.actions) and lists the
// verified factors the user can pass: MFA devices, verified emails (when
// email codes are on) and passkeys; for a user with none of them, their
// wallets.
func (s *Service) CheckStepUp(ctx context.Context, cur *Current, scope string) (*StepUp, error) {
	if scope == "" {
		return nil, errs.Unprocessable(mfa.CodeInvalidScopes, "scope is required", nil)
	}
	if err := mfa.CheckScopes([]string{scope}); err != nil {
		return nil, err
	}
	res := &StepUp{Credentials: []StepUpCredential{}}
	if s.mfa == nil {
		return res, nil
	}
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	res.Required = p.StepUpRequired(scope)
	devs, err := s.mfa.VerifiedDevices(ctx, cur.User.ID)
	if err != nil {
		return nil, err
	}
	// hasDevice, hasPasskey: the user's second factors (hasSecondFactor's
	// and addingNeedsProof's answers, from what is read here already)
	hasDevice, hasPasskey := false, false
	for _, d := range devs {
		if !p.Allows(d.Type) {
			continue
		}
		hasDevice = true
		res.Credentials = append(res.Credentials, StepUpCredential{ID: d.ID, Format: d.Type, Type: d.Type, Alias: d.Alias})
		if d.Default {
			res.DefaultID = d.ID
		}
	}
	if s.codes != nil && p.Allows(mfa.TypeEmail) { // users/mfa/auth/email with a code sent there
		for _, c := range cur.User.Credentials {
			if c.Format == users.FormatEmail {
				res.Credentials = append(res.Credentials, StepUpCredential{ID: c.ID, Format: users.FormatEmail, Type: mfa.TypeEmail,
					Alias: c.Address})
			}
		}
	}
	if s.passkeys != nil && p.Allows(mfa.TypePasskey) {
		pks, err := s.passkeys.List(ctx, cur.User.ID)
		if err != nil {
			return nil, err
		}
		for _, pk := range pks {
			res.Credentials = append(res.Credentials, StepUpCredential{ID: pk.ID, Format: mfa.TypePasskey, Type: mfa.TypePasskey, Alias: pk.Alias})
		}
		hasPasskey = len(pks) > 0
	}
	if scope == "credential:link" && (hasDevice || (hasPasskey && p.PasskeysAreFactors())) {
		res.Required = true // adding a factor takes one (mayAddFactor)
	}
	// A user with no second factor steps up by proving a wallet of theirs
	// again (wallets/verify with requestedScopes: LinkWallet).
	if !hasDevice && !hasPasskey {
		for _, c := range cur.User.WalletCredentials() {
			res.Credentials = append(res.Credentials, StepUpCredential{ID: c.ID, Format: users.FormatBlockchain, Type: c.Chain,
				Alias: c.PublicIdentifier})
		}
	}
	return res, nil
}

// stepUpProof decides whether an action under scope may go ahead, spending
// nothing: nil when the environment's MFA actions require no step-up for
// it, else the proof in the caller's session, for the caller to spend with
// the change it allows (in its transaction): a live elevatedAccessToken
// carrying scope, or, without one, a live mfaToken (a single-use one is
// consumed); refused at once when proof shows neither. Dynamic's JS SDK
// sends the mfaToken of its last MFA authentication with updateUser
// (x-mfa-auth-token: the token createMfaTokenOptions asked for) and no
// elevatedAccessToken there.
func (s *Service) stepUpProof(ctx context.Context, cur *Current, scope string, proof Proof) (*mfa.TokenUse, error) {
	if s.mfa == nil {
		return nil, nil
	}
	p, err := s.MFAPolicy(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	if !p.StepUpRequired(scope) {
		return nil, nil
	}
	if proof.Elevated == "" && proof.MFAToken != "" {
		return s.mfa.TokenProof(cur.User.ID, cur.Session.ID, proof.MFAToken)
	}
	return s.mfa.ElevatedProof(cur.User.ID, cur.Session.ID, proof.Elevated, scope)
}

// mfaProof is the proof a sensitive MFA change (adding or deleting a
// device or a passkey) takes, not spent yet: an mfaToken
// (x-mfa-auth-token) or an elevatedAccessToken carrying scope (Dynamic's
// SDK sends the latter when it holds one and the former otherwise), for
// the caller to spend in the transaction of the change it allows.
func (s *Service) mfaProof(cur *Current, mfaToken, elevated, scope string) (*mfa.TokenUse, error) {
	if _, err := s.MFAServed(); err != nil {
		return nil, err
	}
	if elevated != "" {
		return s.mfa.ElevatedProof(cur.User.ID, cur.Session.ID, elevated, scope)
	}
	return s.mfa.TokenProof(cur.User.ID, cur.Session.ID, mfaToken)
}

// DeleteMFADevice removes one of the caller's MFA devices given proof of
// a factor passed in this session (mfaProof with credential:unlink);
// a single-use proof is spent with the delete, in its transaction, before
// its refusals: a device not found leaves it unspent.
func (s *Service) DeleteMFADevice(ctx context.Context, cur *Current, deviceID, mfaToken, elevated string) error {
	use, err := s.mfaProof(cur, mfaToken, elevated, "credential:unlink")
	if err != nil {
		return err
	}
	return use.Refused(s.mfa.DeleteDeviceWithProof(ctx, cur.User.ID, deviceID, use))
}
