package mfa

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Backup-code acknowledgements (SdkUser.mfaBackupCodeAcknowledgement): a
// new set is pending until the user says they saved it.
const (
	AckPending  = "pending"
	AckComplete = "complete"
)

// AcknowledgeBackupCodes records the user's answer about their recovery
// codes ("complete" once saved; "pending" to be asked again).
func (s *Service) AcknowledgeBackupCodes(ctx context.Context, userID, ack string) error {
	if err := CheckBackupCodeAck(ack); err != nil {
		return err
	}
	return s.store.SetBackupCodeAck(ctx, userID, ack)
}

// CheckBackupCodeAck refuses an acknowledgement other than pending or
// complete.
func CheckBackupCodeAck(ack string) error {
	if ack != AckPending && ack != AckComplete {
		return errs.Invalid("mfaBackupCodeAcknowledgement: must be pending or complete")
	}
	return nil
}

// RecoveryCodeCount is how many codes a set holds.
const RecoveryCodeCount = 10

// recoveryAlphabet leaves out look-alikes (0/O, 1/I/L).
const recoveryAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// recoveryLen characters give ~49 bits per code: far beyond guessing
// within the attempt limit.
const recoveryLen = 10

// RecoveryCodes returns the user's codes on their first call (creating the
// set); later calls return no codes, only how many are left unused: codes
// are stored hashed and shown once. NewRecoveryCodes makes a fresh set.
func (s *Service) RecoveryCodes(ctx context.Context, userID string) (codes []string, unused int, err error) {
	total, unused, err := s.store.CountRecoveryCodes(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	if total > 0 {
		return []string{}, unused, nil
	}
	codes, hashes, err := s.newSet(userID)
	if err != nil {
		return nil, 0, err
	}
	// Two first asks at once: one set is made, the other ask shows none
	// (rather than a set the first's replaced).
	created, err := s.store.CreateRecoveryCodes(ctx, userID, hashes, AckPending, s.clock())
	if err != nil || !created {
		if err == nil {
			_, unused, err = s.store.CountRecoveryCodes(ctx, userID)
		}
		return []string{}, unused, err
	}
	s.log.InfoContext(ctx, "mfa recovery codes created", "user_id", userID)
	return codes, len(codes), nil
}

// NewRecoveryCodes replaces the user's recovery codes with a new set.
func (s *Service) NewRecoveryCodes(ctx context.Context, userID string) ([]string, error) {
	codes, hashes, err := s.newSet(userID)
	if err != nil {
		return nil, err
	}
	if err := s.store.ReplaceRecoveryCodes(ctx, userID, hashes, AckPending, s.clock()); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "mfa recovery codes replaced", "user_id", userID)
	return codes, nil
}

// newSet draws a set of recovery codes for the user and their hashes.
func (s *Service) newSet(userID string) (codes []string, hashes [][]byte, err error) {
	codes = make([]string, RecoveryCodeCount)
	hashes = make([][]byte, RecoveryCodeCount)
	for i := range codes {
		c, err := randomCode()
		if err != nil {
			return nil, nil, errs.Internal("recovery code", err)
		}
		codes[i] = c[:recoveryLen/2] + "-" + c[recoveryLen/2:]
		hashes[i] = s.recoveryHash(userID, c)
	}
	return codes, hashes, nil
}

// UseRecoveryCode spends one of the user's recovery codes.
func (s *Service) UseRecoveryCode(ctx context.Context, userID, code string) error {
	norm := normalizeRecovery(code)
	if len(norm) != recoveryLen {
		return invalidCode()
	}
	if err := s.checkAttempt(ctx, userID); err != nil {
		return err
	}
	ok := false
	for _, h := range s.recoveryHashes(userID, norm) { // a set made before a rotation: a previous master secret's
		var err error
		if ok, err = s.store.UseRecoveryCode(ctx, userID, h, s.clock()); err != nil {
			return err
		}
		if ok {
			break
		}
	}
	if !ok {
		return invalidCode()
	}
	s.log.InfoContext(ctx, "mfa recovery code used", "user_id", userID)
	return s.store.ClearMFAAttempts(ctx, userID)
}

// recoveryHash is a keyed hash bound to the user, so a stolen table yields
// no codes and a code of one user is nothing to another.
func (s *Service) recoveryHash(userID, norm string) []byte {
	return s.keys.MAC(recoveryPurpose, []byte(userID+"\x00"+norm))
}

// recoveryHashes are the hashes of a code under the current master secret
// and the previous ones.
func (s *Service) recoveryHashes(userID, norm string) [][]byte {
	return s.keys.MACs(recoveryPurpose, []byte(userID+"\x00"+norm))
}

const recoveryPurpose = "mfa recovery code"

func normalizeRecovery(code string) string {
	r := strings.NewReplacer("-", "", " ", "")
	return strings.ToUpper(r.Replace(strings.TrimSpace(code)))
}

func randomCode() (string, error) {
	b := make([]byte, recoveryLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	// Rejection-free mapping has a tiny bias (256 % 31); redraw biased bytes.
	out := make([]byte, 0, recoveryLen)
	for len(out) < recoveryLen {
		for _, c := range b {
			if int(c) < 256-256%len(recoveryAlphabet) && len(out) < recoveryLen {
				out = append(out, recoveryAlphabet[int(c)%len(recoveryAlphabet)])
			}
		}
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
	}
	return string(out), nil
}
