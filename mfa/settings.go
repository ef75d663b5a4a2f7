package mfa

import (
	"encoding/json"
	"math"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// SettingsRule looks after the members of security.mfa that Dynamic's
// client @dynamic-labs/sdk-api 0.0.847 has no model for, and so drops when
// it sends the settings back (a tenant.SettingsRule): `enrollment` and the
// actions' `tokenBehavior` and `tokenExpirySeconds`. Left out, they keep
// their stored values (actions matched by `action`); null clears them. A
// stored enrollment is not carried over when the update's legacy
// `required` flag, the one such clients do send, contradicts it: that
// flag then decides, as for a document without enrollment. The values
// are checked, since the contract's schema does not know them.
func SettingsRule(next map[string]any, stored json.RawMessage) error {
	keepEnrollment(next, stored)
	keep := tenant.KeepOmitted(
		[]string{"security", "mfa", "actions", "[action]", "tokenBehavior"},
		[]string{"security", "mfa", "actions", "[action]", "tokenExpirySeconds"})
	if err := keep(next, stored); err != nil {
		return err
	}
	return checkSettings(next)
}

// keepEnrollment carries security.mfa.enrollment over from stored when
// next's security.mfa leaves it out and does not contradict it.
func keepEnrollment(next map[string]any, stored json.RawMessage) {
	sec, _ := next["security"].(map[string]any)
	m, _ := sec["mfa"].(map[string]any)
	if m == nil {
		return
	}
	if v, sent := m["enrollment"]; sent {
		if v == nil {
			delete(m, "enrollment")
		}
		return
	}
	var old struct {
		Security struct {
			MFA struct {
				Enrollment string `json:"enrollment"`
			} `json:"mfa"`
		} `json:"security"`
	}
	if json.Unmarshal(stored, &old) != nil || old.Security.MFA.Enrollment == "" {
		return
	}
	enrollment := old.Security.MFA.Enrollment
	if required, ok := m["required"].(bool); ok && required != (enrollment != EnrollNone) {
		return
	}
	m["enrollment"] = enrollment
}

// checkSettings refuses values of security.mfa's members outside the
// contract's schema that this server could not apply.
func checkSettings(settings map[string]any) error {
	sec, _ := settings["security"].(map[string]any)
	m, _ := sec["mfa"].(map[string]any)
	if v, ok := m["enrollment"]; ok {
		switch v {
		case EnrollNone, EnrollSignup, EnrollAction:
		default:
			return errs.Invalid("security.mfa.enrollment: must be one of none, signup, action")
		}
	}
	actions, _ := m["actions"].([]any)
	for _, el := range actions {
		a, _ := el.(map[string]any)
		if v, ok := a["tokenBehavior"]; ok && v != "single_use" && v != "time_bound" {
			return errs.Invalid("security.mfa.actions[].tokenBehavior: must be single_use or time_bound")
		}
		if v, ok := a["tokenExpirySeconds"]; ok {
			n, isNum := v.(float64)
			if !isNum || n != math.Trunc(n) || n < 1 {
				return errs.Invalid("security.mfa.actions[].tokenExpirySeconds: must be a positive integer of seconds")
			}
		}
	}
	return nil
}
