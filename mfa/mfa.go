// Package mfa holds the second factor of end users: TOTP devices, recovery
// codes, the wrong-code lock and the environment's MFA policy (whether a
// sign-in yields a full session or an MFA-pending one).
//
// Secrets never rest in the clear: TOTP seeds are sealed with the master
// secret's box, recovery codes are stored as keyed hashes. A TOTP code is
// accepted once: the store records the last accepted time step and takes a
// later one only, in one atomic statement, so a replayed code fails even
// when two requests race on two replicas.
package mfa

import (
	"context"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
)

// Device types (MFADeviceType).
const (
	TypeTOTP    = "totp"
	TypePasskey = "passkey"
	TypeEmail   = "email"
)

// Contract error codes.
const (
	CodeDeviceNotFound = "mfa_device_not_found"
	CodeInvalidCode    = "mfa_invalid_code"
	CodeInvalidRequest = "mfa_invalid_request"
	CodeRateLimited    = "mfa_rate_limited"
)

// Device is one registered second factor of a user.
type Device struct {
	ID            string
	EnvironmentID string
	UserID        string
	Type          string
	Alias         string
	// Secret is the sealed TOTP seed (secrets.Keys.Seal, bound to the id).
	Secret     []byte
	Default    bool
	CreatedAt  time.Time
	VerifiedAt *time.Time
}

// Verified reports whether the device passed its first code.
func (d *Device) Verified() bool { return d.VerifiedAt != nil }

// Store is the persistence MFA needs. Each method is atomic; a missing
// device is an errs.KindNotFound error.
type Store interface {
	// InsertMFADevice stores a new unverified device, dropping the user's
	// other unverified devices of its type (an abandoned enrollment).
	// proof, if set, is spent first in the same transaction: none serving
	// refuses the insert (ErrProofRefused), and an insert refused
	// otherwise leaves it unspent.
	InsertMFADevice(ctx context.Context, d *Device, proof *TokenUse) error
	GetMFADevice(ctx context.Context, userID, id string) (*Device, error)
	// ListMFADevices lists a user's devices, oldest first.
	ListMFADevices(ctx context.Context, userID string) ([]Device, error)
	// AcceptMFAStep records step as the device's last accepted TOTP step
	// if it is later than the one recorded, marking the device verified
	// (and the user's default when they have none). ok is false when an
	// equal or later step was accepted before: the code was used.
	AcceptMFAStep(ctx context.Context, userID, deviceID string, step int64, now time.Time) (ok bool, err error)
	// SetDefaultMFADevice makes one verified device the default (the
	// others stop being it) or clears it.
	SetDefaultMFADevice(ctx context.Context, userID, id string, isDefault bool) error
	// DeleteMFADevice removes one of the user's devices (ErrDeviceNotFound
	// for none). proof, if set, is spent first in the same transaction:
	// none serving refuses the delete (ErrProofRefused), and a delete
	// refused otherwise leaves it unspent.
	DeleteMFADevice(ctx context.Context, userID, id string, now time.Time, proof *TokenUse) error
	// ResetMFA removes every device and recovery code of the user, their
	// wrong-code count and mfaTokens, and clears their acknowledgement.
	ResetMFA(ctx context.Context, userID string, now time.Time) error

	// ReplaceRecoveryCodes swaps the user's recovery codes for a new set
	// and sets the user's backup-code acknowledgement to ack.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, ack string, now time.Time) error
	// CreateRecoveryCodes is ReplaceRecoveryCodes for a user who has no
	// codes yet; created is false (and nothing changes) if they have some,
	// however many ask at once.
	CreateRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, ack string, now time.Time) (created bool, err error)
	// SetBackupCodeAck sets the user's backup-code acknowledgement.
	SetBackupCodeAck(ctx context.Context, userID, ack string) error
	// UseRecoveryCode marks an unused code used; ok is false if there is
	// no such unused code.
	UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) (ok bool, err error)
	// CountRecoveryCodes counts the user's codes: all of them, and unused.
	CountRecoveryCodes(ctx context.Context, userID string) (total, unused int, err error)

	// TakeMFAAttempt counts one code attempt of the user in a fixed
	// window: the count restarts at 1 when the window that began at
	// windowStart is over (windowStart <= now-window). It returns the
	// count and the window's start after the increment.
	TakeMFAAttempt(ctx context.Context, userID string, now time.Time, window time.Duration) (count int, windowStart time.Time, err error)
	// ClearMFAAttempts forgets the user's attempts (after a right code).
	ClearMFAAttempts(ctx context.Context, userID string) error

	TokenStore
}

// Config tunes MFA; zero values take the defaults.
type Config struct {
	// MaxAttempts wrong codes per user within Cooldown; then every try is
	// refused with mfa_rate_limited until the window is over. Default 5.
	MaxAttempts int
	// Cooldown is the window of MaxAttempts. Default 15 minutes.
	Cooldown time.Duration
	// MaxDevices caps a user's TOTP devices. Default 5.
	MaxDevices int
}

func (c *Config) defaults() {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.Cooldown <= 0 {
		c.Cooldown = 15 * time.Minute
	}
	if c.MaxDevices <= 0 {
		c.MaxDevices = 5
	}
}

// Deps are what the service is built on.
type Deps struct {
	Store   Store
	Secrets *secrets.Keys
	Config  Config
	Now     func() time.Time // nil: time.Now
	Logger  *slog.Logger     // nil: discard
	NewID   func() string    // nil: ids.New
}

// Service runs the MFA rules.
type Service struct {
	store Store
	keys  *secrets.Keys
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
	newID func() string
}

// New builds the service.
func New(d Deps) *Service {
	d.Config.defaults()
	s := &Service{store: d.Store, keys: d.Secrets, cfg: d.Config, now: d.Now, log: d.Logger, newID: d.NewID}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.newID == nil {
		s.newID = ids.New
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Devices lists a user's devices.
func (s *Service) Devices(ctx context.Context, userID string) ([]Device, error) {
	return s.store.ListMFADevices(ctx, userID)
}

// VerifiedDevices lists a user's verified devices.
func (s *Service) VerifiedDevices(ctx context.Context, userID string) ([]Device, error) {
	all, err := s.store.ListMFADevices(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, d := range all {
		if d.Verified() {
			out = append(out, d)
		}
	}
	return out, nil
}

// Device returns one of the user's devices.
func (s *Service) Device(ctx context.Context, userID, id string) (*Device, error) {
	d, err := s.store.GetMFADevice(ctx, userID, id)
	if errs.Is(err, errs.KindNotFound) {
		return nil, errs.NotFound(CodeDeviceNotFound, "no such MFA device")
	}
	return d, err
}

// SetDefault makes a verified device the user's default, or stops it being so.
func (s *Service) SetDefault(ctx context.Context, userID, id string, isDefault bool) (*Device, error) {
	d, err := s.Device(ctx, userID, id)
	if err != nil {
		return nil, err
	}
	if !d.Verified() {
		return nil, errs.Unprocessable(CodeInvalidRequest, "only a verified device can be the default", nil)
	}
	if err := s.store.SetDefaultMFADevice(ctx, userID, id, isDefault); err != nil {
		return nil, err
	}
	d.Default = isDefault
	return d, nil
}

// DeleteDevice removes one of the user's devices.
func (s *Service) DeleteDevice(ctx context.Context, userID, id string) error {
	return s.DeleteDeviceWithProof(ctx, userID, id, nil)
}

// DeleteDeviceWithProof is DeleteDevice taking a step-up proof, spent
// with the delete (Store.DeleteMFADevice) before its refusals: a device
// not found leaves it unspent.
func (s *Service) DeleteDeviceWithProof(ctx context.Context, userID, id string, proof *TokenUse) error {
	return s.store.DeleteMFADevice(ctx, userID, id, s.clock(), proof)
}

// Reset removes all of a user's devices and recovery codes (admin, or a
// lost authenticator).
func (s *Service) Reset(ctx context.Context, userID string) error {
	s.log.InfoContext(ctx, "mfa reset", "user_id", userID)
	return s.store.ResetMFA(ctx, userID, s.clock())
}

// checkAttempt counts an attempt against the per-user lock before a code
// is checked, so concurrent guesses cannot exceed the limit.
func (s *Service) checkAttempt(ctx context.Context, userID string) error {
	now := s.clock()
	n, start, err := s.store.TakeMFAAttempt(ctx, userID, now, s.cfg.Cooldown)
	if err != nil {
		return err
	}
	if n > s.cfg.MaxAttempts {
		if n == s.cfg.MaxAttempts+1 {
			s.log.WarnContext(ctx, "mfa locked after too many wrong codes", "user_id", userID, "attempts", s.cfg.MaxAttempts)
		}
		return &errs.E{Kind: errs.KindRateLimited, Code: CodeRateLimited, RetryAfter: start.Add(s.cfg.Cooldown).Sub(now),
			Message: "Too many wrong codes. Please try again later."}
	}
	return nil
}

func invalidCode() error {
	return errs.Unprocessable(CodeInvalidCode, "the code is not valid", nil)
}

// Guard runs check, a second factor verified outside this package (an
// email code), under the per-user wrong-code lock that TOTP and recovery
// codes are under: an attempt is taken first, so concurrent guesses
// cannot pass the limit, and a passed check forgets the wrong ones.
func (s *Service) Guard(ctx context.Context, userID string, check func() error) error {
	if err := s.checkAttempt(ctx, userID); err != nil {
		return err
	}
	if err := check(); err != nil {
		return err
	}
	return s.store.ClearMFAAttempts(ctx, userID)
}
