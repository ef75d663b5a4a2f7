package signin

import (
	"context"
	"errors"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

// SelfUpdate is a signed-in user's change of their own profile (PUT
// /users).
type SelfUpdate struct {
	Input users.ProfileInput
	// StepUp: the change touches the profile (not only Acknowledgement),
	// so the environment's user.update step-up applies, which Proof must
	// pass.
	StepUp bool
	Proof  Proof
	// Acknowledgement, if set, records the user's answer about their
	// recovery codes (mfaBackupCodeAcknowledgement); Input.BackupCodeAck
	// stands for it when it is nil. Either is checked
	// (mfa.CheckBackupCodeAck).
	Acknowledgement *string
	// Client is the rate-limit key of the code a new email or phone
	// number is sent; IssuerHost and Origin are the re-issued tokens'.
	Client, IssuerHost, Origin string
}

// SelfUpdated is what UpdateSelf did.
type SelfUpdated struct {
	// Result is the session's tokens re-issued for the updated user.
	*Result
	// NextView is "done", or "verify-email" ("verify-sms") when the change
	// named a new sign-in email (phone number): that field is not stored,
	// a code is sent to it instead, and CodeVerify stores it once the user
	// brings the code back.
	NextView string
	// Verification is the verification started for NextView's address;
	// nil when NextView is "done".
	Verification *otp.Started
}

// UpdateSelf applies the caller's change to their own profile and
// re-issues the session's tokens, all or nothing: the input is checked
// first, writing nothing; then the user.update step-up (u.StepUp) decides
// the proof it takes, the verification a new sign-in address needs is
// prepared instead of storing the address, and the change is written with
// the recovery codes' acknowledgement, the proof spent and the
// verification stored, in one transaction; the code is sent after it. A
// change its write refuses (an email, username or unique value another
// user holds, a custom field changed meanwhile) leaves a single-use proof
// unspent and sends no code, and of two changes racing with one proof,
// one passes. Preparing the verification takes its send limits (a code
// asked for counts, as emailVerifications/create's).
func (s *Service) UpdateSelf(ctx context.Context, cur *Current, u SelfUpdate) (*SelfUpdated, error) {
	if s.profiles == nil {
		return nil, errs.Internal("update profile", errors.New("the sign-in service has no Profiles"))
	}
	if u.Acknowledgement == nil {
		// an embedder's own (Auth.UpdateProfile), checked as PUT /users'
		u.Acknowledgement = u.Input.BackupCodeAck
	}
	if u.Acknowledgement != nil {
		if _, err := s.MFAServed(); err != nil {
			return nil, err
		}
		if err := mfa.CheckBackupCodeAck(*u.Acknowledgement); err != nil {
			return nil, err
		}
		u.Input.BackupCodeAck = u.Acknowledgement
	}
	err := s.profiles.CheckProfile(ctx, cur.User, u.Input)
	if err != nil {
		return nil, err
	}
	var with users.Alongside
	if u.StepUp {
		if with.Proof, err = s.stepUpProof(ctx, cur, "user:update", u.Proof); err != nil {
			return nil, err
		}
	}
	next, pending, err := s.ProfileChangeVerification(ctx, cur, &u.Input, u.Client)
	if err != nil {
		return nil, err
	}
	if pending != nil {
		with.Verification = pending.Verification
	}
	p, err := s.profiles.UpdateProfile(ctx, cur.User, u.Input, with)
	if err != nil {
		if with.Proof != nil {
			return nil, with.Proof.Refused(err)
		}
		return nil, err
	}
	res, err := s.reissue(ctx, cur, p.User, u.IssuerHost, u.Origin)
	if err != nil {
		return nil, err
	}
	return &SelfUpdated{Result: res, NextView: next, Verification: s.deliver(ctx, pending)}, nil
}

// deliver sends the code of a verification stored with a committed
// change. A failure to send is logged by package otp and refuses
// nothing: the change stands, and the verification it answers can be
// retried ({email,sms}Verifications/retry sends a new code).
func (s *Service) deliver(ctx context.Context, p *otp.Pending) *otp.Started {
	if p == nil {
		return nil
	}
	if st, err := s.codes.Deliver(ctx, p); err == nil {
		return st
	}
	return p.Started()
}

// UserScope is a signed-in user's scope: user:basic and any extra scopes
// (userDataForm while required profile fields are missing).
func UserScope(extra ...string) string {
	out := []string{session.ScopeUserBasic}
	for _, e := range extra {
		if e != "" {
			out = append(out, e)
		}
	}
	return strings.Join(out, " ")
}
