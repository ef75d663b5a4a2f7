package passkey

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"slices"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/go-webauthn/webauthn/protocol"
)

// Settings are an environment's passkey settings.
//
// Dynamic's contract has no member for them: neither ProjectSettings of
// sdk-api 0.0.847 nor that of sdk-api-core 0.0.1125 names user
// verification or a passkey limit (WebAuthn options are the server's
// choice, and the SDK only passes on the options it is given). They live
// in ProjectSettings.security.passkeys, which Dynamic's clients ignore:
//
//	{"userVerification": "required"|"preferred"|"discouraged",
//	 "maxPasskeysPerUser": 1..MaxPasskeysPerUserLimit}
//
// Members left out take the server's Config.
type Settings struct {
	// UserVerification is asked for in every ceremony; required is also
	// enforced when the answer is verified (the UV flag must be set).
	UserVerification protocol.UserVerificationRequirement
	// MaxPerUser is how many passkeys a user of the environment may have.
	MaxPerUser int
}

// Members of security.passkeys.
const (
	settingsKey             = "passkeys"
	keyUserVerification     = "userVerification"
	keyMaxPerUser           = "maxPasskeysPerUser"
	MaxPasskeysPerUserLimit = 100 // each ceremony lists the user's passkeys
)

var userVerifications = []protocol.UserVerificationRequirement{
	protocol.VerificationRequired, protocol.VerificationPreferred, protocol.VerificationDiscouraged}

// CheckSettings checks security.passkeys of a ProjectSettings document
// about to be saved (the contract's schema says nothing of it): an
// object with known members of the right values only.
func CheckSettings(settings map[string]any) error {
	sec, _ := settings["security"].(map[string]any)
	raw, ok := sec[settingsKey]
	if !ok || raw == nil {
		return nil
	}
	pk, ok := raw.(map[string]any)
	if !ok {
		return errs.Invalid("security.passkeys: must be an object")
	}
	for k, v := range pk {
		switch k {
		case keyUserVerification:
			s, _ := v.(string)
			if !validUserVerification(s) {
				return errs.Invalid("security.passkeys.userVerification: must be one of required, preferred, discouraged")
			}
		case keyMaxPerUser:
			n, ok := wholeNumber(v)
			if !ok || n < 1 || n > MaxPasskeysPerUserLimit {
				return errs.Invalid("security.passkeys.maxPasskeysPerUser: must be an integer from 1 to %d", MaxPasskeysPerUserLimit)
			}
		default:
			return errs.Invalid("security.passkeys.%s: unknown setting (userVerification and maxPasskeysPerUser are)", k)
		}
	}
	return nil
}

// wholeNumber is v as an integer when it holds one: the float64 or
// json.Number of a decoded document, or any Go integer or float a caller
// of the Go API put in the map (Tenants().UpdateSettings).
func wholeNumber(v any) (int64, bool) {
	if n, ok := v.(json.Number); ok {
		i, err := n.Int64()
		return i, err == nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		return int64(u), u <= math.MaxInt64
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 { // NaN and the infinities too
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// SettingsRule looks after security.passkeys when next replaces the
// stored ProjectSettings (a tenant.SettingsRule): next without the member
// keeps the stored one, because Dynamic's clients, which do not know it,
// drop it when they send the settings back (a dashboard toggling anything
// else would otherwise turn required user verification back to
// preferred); null clears it, so the server's defaults apply. The result
// is checked with CheckSettings.
func SettingsRule(next map[string]any, stored json.RawMessage) error {
	if err := tenant.KeepOmitted([]string{"security", settingsKey})(next, stored); err != nil {
		return err
	}
	return CheckSettings(next)
}

func validUserVerification(s string) bool {
	return slices.Contains(userVerifications, protocol.UserVerificationRequirement(s))
}

// settingsFrom reads security.passkeys of stored ProjectSettings, the
// server's Config filling in what they leave out (or hold wrongly: they
// were checked when saved).
func (c Config) settingsFrom(settings []byte) Settings {
	var st struct {
		Security struct {
			Passkeys struct {
				UserVerification string `json:"userVerification"`
				MaxPerUser       int    `json:"maxPasskeysPerUser"`
			} `json:"passkeys"`
		} `json:"security"`
	}
	_ = json.Unmarshal(settings, &st)
	out := Settings{UserVerification: c.UserVerification, MaxPerUser: c.MaxPerUser}
	if pk := st.Security.Passkeys; validUserVerification(pk.UserVerification) {
		out.UserVerification = protocol.UserVerificationRequirement(pk.UserVerification)
	}
	if n := st.Security.Passkeys.MaxPerUser; n >= 1 && n <= MaxPasskeysPerUserLimit {
		out.MaxPerUser = n
	}
	return out
}

// Settings returns the passkey settings the environment's ceremonies
// follow.
func (s *Service) Settings(ctx context.Context, envID string) (Settings, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return Settings{}, err
	}
	return s.cfg.settingsFrom(env.Settings), nil
}

// WithEffectiveSettings returns ProjectSettings with security.passkeys
// spelled out as the ceremonies apply them, for GET /sdk/{env}/settings.
func (s *Service) WithEffectiveSettings(settings []byte) []byte {
	return tenant.WithSecurityMember(settings, settingsKey, func(json.RawMessage) (any, error) {
		eff := s.cfg.settingsFrom(settings)
		return map[string]any{keyUserVerification: eff.UserVerification, keyMaxPerUser: eff.MaxPerUser}, nil
	})
}

// SetSettings writes s into a ProjectSettings document as
// security.passkeys (the Go API's way to change them; the admin route
// takes the whole document).
func SetSettings(settings map[string]any, s Settings) error {
	pk := map[string]any{}
	if s.UserVerification != "" {
		pk[keyUserVerification] = string(s.UserVerification)
	}
	if s.MaxPerUser != 0 {
		pk[keyMaxPerUser] = float64(s.MaxPerUser)
	}
	sec, _ := settings["security"].(map[string]any)
	if sec == nil {
		sec = map[string]any{}
	}
	sec[settingsKey] = pk
	settings["security"] = sec
	return CheckSettings(settings)
}
