package signin

import (
	"context"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/users"
)

// EmailMFARequest is users/mfa/auth/email: the code of an email
// verification (emailVerifications/create) as the second factor.
type EmailMFARequest struct {
	VerificationID string // verificationUUID
	Code           string // verificationToken
	MFARequest
}

// AuthEmailMFA checks a code sent to one of the caller's verified emails
// and upgrades their session like AuthTOTP. The code is the email-code
// machinery's (keyed hash, attempts counted by the store, consumed once,
// bound to its environment); the check also runs under the per-user MFA
// lock. A code sent to any other address proves nothing about this user
// and is refused; so is an email code as the second factor of a session
// whose first factor was an email code. The check counts the attempt but
// the code is consumed only once the upgrade is ready to be answered
// (after the access rules, the mfaToken and the elevatedAccessToken): an
// upgrade refused before then leaves the code good, and of two racing
// with one code, one is answered.
func (s *Service) AuthEmailMFA(ctx context.Context, cur *Current, req EmailMFARequest) (*Result, error) {
	if err := s.mfaAllowed(ctx, cur, mfa.TypeEmail, req.Scopes); err != nil {
		return nil, err
	}
	if s.codes == nil {
		return nil, errs.Unprocessable("no_enabled_email_provider", "email codes are not enabled on this server", nil)
	}
	if cur.Claims.MFAPending() && slices.Contains(cur.Claims.AMR, FactorEmail) {
		return nil, errs.Unprocessable(mfa.CodeInvalidRequest,
			"this session signed in with an email code: pass another method as its second factor", nil)
	}
	if !hasEmail(cur.User, "") {
		return nil, errs.Unprocessable(mfa.CodeInvalidRequest, "this user has no verified email", nil)
	}
	var proved *otp.Verification
	err := s.mfa.Guard(ctx, cur.User.ID, func() error {
		envID, id, code := cur.Session.EnvironmentID, strings.TrimSpace(req.VerificationID), strings.TrimSpace(req.Code)
		notYours := errs.Unprocessable("invalid_email_verification",
			"verificationUUID: this verification is not of one of your verified emails", nil)
		// A code to another address is refused before it is checked, and
		// stays good for that address: the address is one its verification's
		// creator named, so the refusal tells nothing a code proves.
		if otp.ValidCodeFormat(code) {
			seen, err := s.codes.Peek(ctx, envID, otp.ChannelEmail, id)
			if err != nil {
				return err
			}
			if seen != nil && !hasEmail(cur.User, seen.Address) {
				return notYours
			}
		}
		v, err := s.codes.Prove(ctx, envID, otp.ChannelEmail, id, code)
		if err != nil {
			return err
		}
		if !hasEmail(cur.User, v.Address) {
			return notYours
		}
		proved = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	res, err := s.completeMFA(ctx, cur, mfa.TypeEmail, req.MFARequest)
	if err != nil {
		return nil, err
	}
	if err := s.codes.Consume(ctx, proved); err != nil {
		return nil, err
	}
	return res, nil
}

// hasEmail reports whether u has the verified email address (normalised),
// or any verified email when address is "".
func hasEmail(u *users.User, address string) bool {
	for _, c := range u.Credentials {
		if c.Format == users.FormatEmail && (address == "" || c.Address == address) {
			return true
		}
	}
	return false
}
