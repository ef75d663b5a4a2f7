// Package devices holds device registration (Dynamic's
// security.deviceRegistrationRequired): the devices each user trusts, and
// the emailed approval a returning user's sign-in on an unknown device
// must pass before its session is a full one.
//
// A device is known by the public key of its signer, the P-256 key that
// Dynamic's JS SDK keeps per browser and proves on sign-in requests
// (x-dynamic-device-publickey with a signed nonce). A user's first
// sign-in registers its device at once; a later sign-in from a device the
// user has not registered yields a restricted session (scope
// device:register) and an email with a one-time link; following it
// (POST /sdk/{env}/deviceRegistration) registers the device and lifts the
// restriction. A sign-in that proves no device key is never recognized:
// each such sign-in of a returning user needs an approval.
package devices

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Device is a device a user registered.
type Device struct {
	ID            string
	EnvironmentID string
	UserID        string
	PublicKey     string
	UserAgent     string
	CreatedAt     time.Time
}

// ApprovalTTL is how long an emailed approval link works.
const ApprovalTTL = time.Hour

// Approval is a pending approval as the sign-in transaction stores it:
// only the token's hash.
type Approval struct {
	TokenHash string
	ExpiresAt time.Time
}

// Check asks a sign-in's transaction to recognize the device, once it
// knows the user: a first sign-in registers it (as NewID, when it has a
// key), a returning user's known device is recognized, and an unknown one
// stores Approval and leaves the session pending. A returning user
// without an email cannot be asked and is not: there is no way to send
// the link.
type Check struct {
	PublicKey string // the verified device key; "" when the sign-in proved none
	UserAgent string
	NewID     string
	Approval  Approval

	// Set by the store, anew on each run of the transaction.
	DeviceID string // the recognized or registered device ("" if none)
	Pending  bool   // Approval was stored: the session is restricted
}

// Reset clears the store's answers before a run of the transaction.
func (c *Check) Reset() { c.DeviceID, c.Pending = "", false }

// NewToken draws an approval token: 32 random bytes, URL-safe base64.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internal("device approval token", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is what the store keeps of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CookieName is the cookie that identifies a browser in cookie mode,
// where Dynamic's JS SDK proves no device key: an HttpOnly secret this
// server sets at the browser's sign-in.
const CookieName = "dynamicauth_device"

// NewCookieSecret draws a device cookie's value.
func NewCookieSecret() (string, error) { return NewToken() }

// ValidCookieSecret reports whether s has the shape NewCookieSecret gives.
func ValidCookieSecret(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// CookieKey is the device key of a device cookie's secret (its hash:
// the secret itself is stored nowhere).
func CookieKey(secret string) string { return "cookie:" + HashToken(secret) }

// IsCookieKey reports whether a device key came from a device cookie.
func IsCookieKey(key string) bool { return strings.HasPrefix(key, "cookie:") }

// Required reports whether an environment's settings document asks for
// device registration (security.deviceRegistrationRequired).
func Required(doc []byte) bool {
	var st struct {
		Security struct {
			DeviceRegistrationRequired bool `json:"deviceRegistrationRequired"`
		} `json:"security"`
	}
	_ = json.Unmarshal(doc, &st) // a malformed document keeps the default, off
	return st.Security.DeviceRegistrationRequired
}

// SettingsRule looks after security.deviceRegistrationRequired when next
// replaces the stored ProjectSettings (a tenant.SettingsRule): next
// without it keeps the stored value, because Dynamic's clients that
// predate it drop it when they send the settings back (a dashboard
// toggling anything else would otherwise turn device registration off);
// null clears it; any value but true or false is refused.
func SettingsRule(next map[string]any, stored json.RawMessage) error {
	if err := tenant.KeepOmitted([]string{"security", settingKey})(next, stored); err != nil {
		return err
	}
	sec, _ := next["security"].(map[string]any)
	if v, ok := sec[settingKey]; ok {
		if _, isBool := v.(bool); !isBool {
			return errs.Invalid("security.%s: must be true or false", settingKey)
		}
	}
	return nil
}

const settingKey = "deviceRegistrationRequired"

// Approve is a followed approval link, to apply in one transaction.
type Approve struct {
	EnvironmentID string
	UserID        string // the caller's
	SessionID     string // the caller's session
	TokenHash     string
	NewID         string // the device's id if it is registered now
	Now           time.Time
}

// Store persists devices and approvals.
type Store interface {
	// ApproveDevice uses up the approval (ErrApprovalInvalid if unknown,
	// used, expired or of another environment; ErrApprovalOtherUser or
	// ErrApprovalOtherSession if it was emailed for another user's or
	// session's sign-in), registers its device (keeping an existing
	// registration of the same key), ties the session to it and records
	// the event. It returns the device's id, "" for an approval of a
	// sign-in that proved no device key.
	ApproveDevice(ctx context.Context, a Approve) (string, error)
	ListDevices(ctx context.Context, envID, userID string) ([]Device, error)
	// RevokeDevice deletes the user's device and revokes the live sessions
	// tied to it (ErrDeviceNotFound if the user has no such device); it
	// returns the ids of the sessions it revoked.
	RevokeDevice(ctx context.Context, envID, userID, deviceID string, now time.Time) ([]string, error)
	// RevokeAllDevices deletes all the user's devices and revokes all the
	// user's live sessions.
	RevokeAllDevices(ctx context.Context, envID, userID string, now time.Time) error
	// DeleteExpiredApprovals forgets approvals that expired before.
	DeleteExpiredApprovals(ctx context.Context, before time.Time) (int64, error)
}
