package mfa

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters authenticator apps expect (RFC 6238 defaults).
const (
	totpPeriod     = 30
	totpDigits     = otp.DigitsSix
	totpSecretSize = 20 // 160 bits, RFC 4226's recommendation
	totpSkew       = 1  // steps either side of now
)

// Enrollment is a new, unverified TOTP device: the secret is shown to the
// user once (as text and as an otpauth:// URI for a QR code).
type Enrollment struct {
	Device *Device
	Secret string // base32, unpadded
	URI    string
}

// BeginTOTP creates an unverified TOTP device for the user. issuer names
// the app in the authenticator (the project name); account is what the
// user is known by (email, wallet address or id).
func (s *Service) BeginTOTP(ctx context.Context, envID, userID, issuer, account string) (*Enrollment, error) {
	return s.BeginTOTPWithProof(ctx, envID, userID, issuer, account, nil)
}

// BeginTOTPWithProof is BeginTOTP taking a step-up proof, spent with the
// device's insert (Store.InsertMFADevice): an enrollment refused before
// it (the most TOTP devices allowed) leaves it unspent.
func (s *Service) BeginTOTPWithProof(ctx context.Context, envID, userID, issuer, account string, proof *TokenUse) (*Enrollment, error) {
	devs, err := s.VerifiedDevices(ctx, userID)
	if err != nil {
		return nil, err
	}
	if n := countType(devs, TypeTOTP); n >= s.cfg.MaxDevices {
		return nil, errs.Unprocessable(CodeInvalidRequest, "this user has the most TOTP devices allowed; delete one first", nil)
	}
	if strings.TrimSpace(issuer) == "" {
		issuer = "dynamicauth"
	}
	if strings.TrimSpace(account) == "" {
		account = userID
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod,
		SecretSize: totpSecretSize, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, errs.Internal("generate totp secret", err)
	}
	d := &Device{ID: s.newID(), EnvironmentID: envID, UserID: userID, Type: TypeTOTP, CreatedAt: s.clock()}
	if d.Secret, err = s.keys.Seal([]byte(key.Secret()), sealAAD(d)); err != nil {
		return nil, errs.Internal("seal totp secret", err)
	}
	if err := s.store.InsertMFADevice(ctx, d, proof); err != nil {
		return nil, err
	}
	return &Enrollment{Device: d, Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmTOTP verifies the first code of the user's pending TOTP
// enrollment; the device becomes verified.
func (s *Service) ConfirmTOTP(ctx context.Context, userID, code string) (*Device, error) {
	devs, err := s.store.ListMFADevices(ctx, userID)
	if err != nil {
		return nil, err
	}
	var pending *Device
	for i := range devs {
		if devs[i].Type == TypeTOTP && !devs[i].Verified() {
			pending = &devs[i]
		}
	}
	if pending == nil {
		return nil, errs.Unprocessable(CodeInvalidRequest, "no TOTP device is waiting for its first code; GET users/mfa/register/totp first", nil)
	}
	return s.checkTOTP(ctx, pending, code)
}

// Waiting is the TOTP device of the user that deviceID names when it
// still waits for its first code; nil for "", unknown ids and any other
// device.
func (s *Service) Waiting(ctx context.Context, userID, deviceID string) (*Device, error) {
	if deviceID == "" {
		return nil, nil
	}
	d, err := s.Device(ctx, userID, deviceID)
	if errs.Is(err, errs.KindNotFound) {
		return nil, nil
	}
	if err != nil || d.Type != TypeTOTP || d.Verified() {
		return nil, err
	}
	return d, nil
}

// ConfirmTOTPDevice verifies the first code of a waiting TOTP device
// (Waiting found it), as ConfirmTOTP does for the newest one.
func (s *Service) ConfirmTOTPDevice(ctx context.Context, d *Device, code string) (*Device, error) {
	return s.checkTOTP(ctx, d, code)
}

// VerifyTOTP checks a code of one of the user's verified TOTP devices:
// the one named, else the default, else the only one.
func (s *Service) VerifyTOTP(ctx context.Context, userID, deviceID, code string) (*Device, error) {
	d, err := s.pickTOTP(ctx, userID, deviceID)
	if err != nil {
		return nil, err
	}
	return s.checkTOTP(ctx, d, code)
}

func (s *Service) pickTOTP(ctx context.Context, userID, deviceID string) (*Device, error) {
	if deviceID != "" {
		d, err := s.Device(ctx, userID, deviceID)
		if err != nil {
			return nil, err
		}
		if d.Type != TypeTOTP || !d.Verified() {
			return nil, errs.NotFound(CodeDeviceNotFound, "no such verified TOTP device")
		}
		return d, nil
	}
	devs, err := s.VerifiedDevices(ctx, userID)
	if err != nil {
		return nil, err
	}
	var found *Device
	for i := range devs {
		if devs[i].Type != TypeTOTP {
			continue
		}
		if found == nil || devs[i].Default {
			found = &devs[i]
		}
	}
	if found == nil {
		return nil, errs.NotFound(CodeDeviceNotFound, "this user has no verified TOTP device")
	}
	return found, nil
}

// checkTOTP takes an attempt, matches the code within ±1 step and has the
// store accept the step only if it is later than the last accepted one.
func (s *Service) checkTOTP(ctx context.Context, d *Device, code string) (*Device, error) {
	code = strings.TrimSpace(code)
	if len(code) != int(totpDigits) || strings.Trim(code, "0123456789") != "" {
		return nil, errs.Unprocessable(CodeInvalidCode, "code: must be 6 digits", nil)
	}
	if err := s.checkAttempt(ctx, d.UserID); err != nil {
		return nil, err
	}
	secret, err := s.keys.Open(d.Secret, sealAAD(d))
	if err != nil {
		return nil, errs.Internal("open totp secret", err)
	}
	now := s.clock()
	step, ok := matchStep(string(secret), code, now)
	if !ok {
		return nil, invalidCode()
	}
	accepted, err := s.store.AcceptMFAStep(ctx, d.UserID, d.ID, step, now)
	if err != nil {
		return nil, err
	}
	if !accepted {
		s.log.WarnContext(ctx, "totp code replayed", "user_id", d.UserID, "device_id", d.ID)
		return nil, invalidCode()
	}
	if err := s.store.ClearMFAAttempts(ctx, d.UserID); err != nil {
		return nil, err
	}
	return s.store.GetMFADevice(ctx, d.UserID, d.ID)
}

// matchStep finds the time step within ±totpSkew of now whose code is
// code. Every candidate is computed and compared in constant time.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	cur := now.Unix() / totpPeriod
	var found int64
	ok := 0
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := CodeAt(secret, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = step, 1 // the latest matching step wins
		}
	}
	return found, ok == 1
}

// CodeAt is the TOTP code of a base32 secret at a time step.
func CodeAt(secret string, step int64) (string, error) {
	return totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
}

// sealAAD binds a sealed secret to its device, so it cannot be moved.
func sealAAD(d *Device) []byte { return []byte("mfa totp " + d.UserID + " " + d.ID) }

func countType(devs []Device, typ string) int {
	n := 0
	for _, d := range devs {
		if d.Type == typ {
			n++
		}
	}
	return n
}
