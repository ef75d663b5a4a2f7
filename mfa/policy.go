package mfa

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// Enrollment settings (MFASettings.enrollment).
const (
	EnrollNone   = "none"
	EnrollSignup = "signup" // must enroll during onboarding
	EnrollAction = "action" // enroll when an action first needs it
)

// Policy is an environment's security.mfa settings.
type Policy struct {
	// Enabled is session-level MFA: every sign-in of a user with a
	// verified method is MFA-pending until a second factor passes.
	Enabled bool
	// Enrollment tells when users without a method must enroll.
	Enrollment string
	// Methods are the device types users may use (totp, passkey, email).
	Methods []string
	// BackupCodes tells whether recovery codes may stand in for a device.
	BackupCodes bool
	// Required are the actions (MFAAction: user.update,
	// wallet.waas.sign, ...) that need a fresh factor, proven by an
	// elevatedAccessToken of the matching scope.
	Required []string
	// Tokens are the actions' tokenBehavior and tokenExpirySeconds, by
	// action.
	Tokens map[string]TokenRule
}

// TokenRule is how elevatedAccessTokens for an action behave.
type TokenRule struct {
	SingleUse *bool         // tokenBehavior single_use / time_bound; nil: the default
	TTL       time.Duration // tokenExpirySeconds; 0: the default
}

// Bounds of tokenExpirySeconds: a token shorter than a round trip is
// useless, a longer one than an hour is no longer a recent factor.
const (
	minTokenTTL = 10 * time.Second
	maxTokenTTL = time.Hour
)

// PolicyFrom reads ProjectSettings.security.mfa. Methods come from
// `methods` (the enabled ones), else `availableMethods`, else all types.
func PolicyFrom(settings []byte) Policy {
	var st struct {
		Security struct {
			MFA struct {
				Enabled          bool     `json:"enabled"`
				Required         bool     `json:"required"`
				Enrollment       string   `json:"enrollment"`
				AvailableMethods []string `json:"availableMethods"`
				Methods          []struct {
					Type             string `json:"type"`
					Enabled          bool   `json:"enabled"`
					AllowBackupCodes *bool  `json:"allowBackupCodes"`
				} `json:"methods"`
				Actions []struct {
					Action             string `json:"action"`
					Required           bool   `json:"required"`
					TokenBehavior      string `json:"tokenBehavior"`
					TokenExpirySeconds int64  `json:"tokenExpirySeconds"`
				} `json:"actions"`
			} `json:"mfa"`
		} `json:"security"`
	}
	_ = json.Unmarshal(settings, &st) // settings were validated when saved; a bad one means MFA off
	m := st.Security.MFA
	p := Policy{Enabled: m.Enabled, Enrollment: m.Enrollment, BackupCodes: true}
	if p.Enrollment == "" {
		p.Enrollment = EnrollNone
		if m.Required { // the legacy flag: enrollment is signup or action
			p.Enrollment = EnrollSignup
		}
	}
	for _, x := range m.Methods {
		if x.Enabled {
			p.Methods = append(p.Methods, x.Type)
			if x.AllowBackupCodes != nil && !*x.AllowBackupCodes {
				p.BackupCodes = false
			}
		}
	}
	if len(m.Methods) == 0 {
		p.Methods = m.AvailableMethods
	}
	for _, a := range m.Actions {
		if a.Required && !slices.Contains(p.Required, a.Action) {
			p.Required = append(p.Required, a.Action)
		}
		var r TokenRule
		switch a.TokenBehavior {
		case "single_use", "time_bound":
			single := a.TokenBehavior == "single_use"
			r.SingleUse = &single
		}
		if a.TokenExpirySeconds > 0 {
			r.TTL = min(max(time.Duration(a.TokenExpirySeconds)*time.Second, minTokenTTL), maxTokenTTL)
		}
		if r.SingleUse != nil || r.TTL > 0 {
			if p.Tokens == nil {
				p.Tokens = map[string]TokenRule{}
			}
			p.Tokens[a.Action] = r
		}
	}
	if len(m.Methods) == 0 && len(m.AvailableMethods) == 0 {
		p.Methods = []string{TypeTOTP, TypePasskey, TypeEmail}
	}
	return p
}

// Allows reports whether users may use a device type.
func (p Policy) Allows(typ string) bool { return slices.Contains(p.Methods, typ) }

// PasskeysAreFactors tells whether a passkey counts as a user's second
// factor: passkeys are an allowed method and the environment uses MFA, at
// sign-in or for actions (else passkeys are sign-in methods only).
func (p Policy) PasskeysAreFactors() bool {
	return (p.Enabled || len(p.Required) > 0) && p.Allows(TypePasskey)
}

// scopeActions maps a TokenScope to the MFAAction whose settings govern
// it. Scopes without an action (credential:*, user:delete, ...) need no
// step-up unless a route asks for one itself.
var scopeActions = map[string]string{
	"user:update":    "user.update",
	"wallet:sign":    "wallet.waas.sign",
	"wallet:export":  "wallet.waas.export",
	"wallet:reshare": "wallet.waas.reshare",
	"wallet:refresh": "wallet.waas.refresh",
}

// StepUpRequired tells whether an action under scope needs an
// elevatedAccessToken in this environment (POST stepUp/check).
func (p Policy) StepUpRequired(scope string) bool {
	a, ok := scopeActions[scope]
	return ok && slices.Contains(p.Required, a)
}

// tokenRule decides an elevatedAccessToken's behaviour for scopes. Each
// scope takes its action's tokenBehavior and tokenExpirySeconds, else the
// defaults (wallet scopes single-use for 5 minutes, others time-bound for
// 10). Of several scopes the strictest wins: single-use if any is, the
// shortest lifetime.
func (p Policy) tokenRule(scopes []string) (single bool, ttl time.Duration) {
	for _, sc := range scopes {
		one := strings.HasPrefix(sc, "wallet:")
		r := p.Tokens[scopeActions[sc]]
		if r.SingleUse != nil {
			one = *r.SingleUse
		}
		life := r.TTL
		if life == 0 {
			life = timeBoundTTL
			if one {
				life = singleUseTTL
			}
		}
		single = single || one
		if ttl == 0 || life < ttl {
			ttl = life
		}
	}
	if ttl == 0 {
		ttl = timeBoundTTL
	}
	return single, ttl
}

// Pending tells whether a fresh sign-in of a user must pass MFA before it
// is a full session: session-level MFA is on and the user either has a
// verified method to prompt for or must enroll at sign-up.
func (p Policy) Pending(hasVerifiedMethod bool) bool {
	if !p.Enabled {
		return false
	}
	return hasVerifiedMethod || p.Enrollment == EnrollSignup
}

// HasVerifiedMethod reports whether the user has a verified device of a
// type the policy allows. Passkeys count through extra (passkey.Service
// answers for them).
func (s *Service) HasVerifiedMethod(ctx context.Context, p Policy, userID string) (bool, error) {
	devs, err := s.VerifiedDevices(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, d := range devs {
		if p.Allows(d.Type) {
			return true, nil
		}
	}
	return false, nil
}

// allTypes are the MFA device types, in the order the SDK lists them.
var allTypes = []string{TypeTOTP, TypePasskey, TypeEmail}

// WithEffectiveSettings returns ProjectSettings with security.mfa spelled
// out as this server applies it (enabled, required, enrollment,
// availableMethods and methods), so Dynamic's SDK shows the screens that
// match: the SDK reads whichever of the legacy and new members it knows.
func WithEffectiveSettings(settings []byte) []byte {
	return tenant.WithSecurityMember(settings, "mfa", func(current json.RawMessage) (any, error) {
		var mfa map[string]json.RawMessage
		if json.Unmarshal(current, &mfa) != nil || mfa == nil {
			mfa = map[string]json.RawMessage{}
		}
		p := PolicyFrom(settings)
		methods := make([]map[string]any, 0, len(allTypes))
		for _, t := range allTypes {
			methods = append(methods, map[string]any{"type": t, "enabled": p.Allows(t), "allowBackupCodes": p.BackupCodes})
		}
		put := func(k string, v any) {
			if b, err := json.Marshal(v); err == nil {
				mfa[k] = b
			}
		}
		put("enabled", p.Enabled)
		put("required", p.Enrollment != EnrollNone)
		put("enrollment", p.Enrollment)
		put("availableMethods", p.Methods)
		put("methods", methods)
		if _, ok := mfa["actions"]; !ok {
			put("actions", []any{})
		}
		return mfa, nil
	})
}
