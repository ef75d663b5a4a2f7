package otp

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Checking a code: the one use of a verification, and the look a flow
// takes at it before.

// Check accepts code for the verification id of the environment and
// channel once: the verification is consumed and returned. A wrong code
// counts against the verification's attempts.
func (s *Service) Check(ctx context.Context, envID, channel, id, code string) (*Verification, error) {
	return s.check(ctx, envID, channel, id, code, false)
}

// Prove is Check for a flow that writes what the code proves: the attempt
// is counted at once, right or wrong, in a transaction of its own (so the
// brute-force bound holds whatever the request does next), but a right
// code is not consumed. The flow's write consumes the returned
// verification in its own transaction (sqlstore: a conditional UPDATE),
// or Consume does once the flow can no longer refuse: a flow refused
// before then leaves the code good for a retry, and of two racing with
// one right code, one write passes, the other is refused as used.
func (s *Service) Prove(ctx context.Context, envID, channel, id, code string) (*Verification, error) {
	return s.check(ctx, envID, channel, id, code, true)
}

// Consume consumes a verification Prove accepted, once: one consumed
// already is refused with UsedError.
func (s *Service) Consume(ctx context.Context, v *Verification) error {
	return s.d.Store.ConsumeVerification(ctx, v, s.now())
}

// check checks code, consuming a right one unless keep.
func (s *Service) check(ctx context.Context, envID, channel, id, code string, keep bool) (*Verification, error) {
	cc, ok := contractCodes[channel]
	if !ok {
		return nil, errs.Internal("check code", fmt.Errorf("unknown channel %q", channel))
	}
	if !ValidCodeFormat(code) {
		return nil, errs.Invalid("verificationToken: must be %d digits", CodeDigits)
	}
	if len(id) > 64 {
		return nil, errs.Unprocessable(cc.invalid, "verificationUUID: no such verification", nil)
	}
	hashes := s.codeHashes(envID, id, channel, code, "")
	var static []string
	if s.d.TestAccounts != nil { // the static code of the environment's test account as it is now
		stamp, err := s.d.TestAccounts.Stamp(ctx, envID)
		if err != nil {
			return nil, err
		}
		if stamp != "" {
			static = s.codeHashes(envID, id, channel, code, stamp)
			hashes = append(hashes, static...)
		}
	}
	out, v, err := s.d.Store.CheckVerificationCode(ctx, Check{EnvironmentID: envID, ID: id, Channel: channel,
		CodeHashes: hashes, MaxAttempts: s.d.Config.MaxAttempts, Now: s.now(), Keep: keep})
	if err != nil {
		return nil, err
	}
	switch out {
	case Accepted:
		// Only the static code gives the test account its uses back: a real
		// code sent to a test address before the account existed is not it.
		if slices.Contains(static, v.CodeHash) {
			s.staticCodeAccepted(ctx, v)
		}
		return v, nil
	case WrongCode:
		return nil, errs.Unprocessable(cc.wrong, "verificationToken: wrong code", nil)
	case Locked:
		return nil, errs.Unprocessable(cc.locked, "too many wrong codes for this verification; start a new one", nil)
	case Expired:
		return nil, errs.Unprocessable(cc.invalid, "verificationToken: the code expired; ask for a new one", nil)
	case Used:
		return nil, UsedError(channel)
	default:
		return nil, errs.Unprocessable(cc.invalid, "verificationUUID: no such verification", nil)
	}
}

// Peek reads the live verification id of the environment and channel
// (unused, under its attempts, unexpired) without its code: no attempt
// counted, nothing consumed. A flow decides from its address what it can
// refuse without the code, before Check (or Prove) counts it. nil, nil when none is
// live; Check then says why. Peek's answer rests on the verification's id
// alone: a caller may be refused from it only with what the one who
// started the verification knew (its address), never anything a code
// proves.
func (s *Service) Peek(ctx context.Context, envID, channel, id string) (*Verification, error) {
	if _, ok := contractCodes[channel]; !ok || len(id) > 64 {
		return nil, nil
	}
	v, err := s.d.Store.ReadVerification(ctx, envID, channel, id)
	if err != nil || v == nil {
		return nil, err
	}
	if v.ConsumedAt != nil || v.Attempts >= s.d.Config.MaxAttempts || !v.ExpiresAt.After(s.now()) {
		return nil, nil
	}
	v.CodeHash = ""
	return v, nil
}

// PurgeExpired forgets verifications a day past their expiry.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	return s.d.Store.DeleteExpiredVerifications(ctx, s.now().Add(-24*time.Hour))
}

// staticCodeAccepted tells the test accounts that v's code was accepted;
// a failure is logged, the code stays accepted.
func (s *Service) staticCodeAccepted(ctx context.Context, v *Verification) {
	if s.d.TestAccounts == nil {
		return
	}
	env, err := s.d.Environments.GetEnvironment(ctx, v.EnvironmentID)
	if err == nil {
		err = s.d.TestAccounts.StaticCodeAccepted(ctx, env, v.Channel, v.Address)
	}
	if err != nil {
		s.d.Logger.WarnContext(ctx, "test account: reset of its uses failed", "environment_id", v.EnvironmentID, "err", err)
	}
}
