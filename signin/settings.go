package signin

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// envSettings are the members of an environment's settings every sign-in
// reads, derived once per settings document (tenant.SettingsMemo).
type envSettings struct {
	lifetime   time.Duration // of a new session (session.Lifetime)
	collectIP  bool          // privacy.collectIp
	mfaEnabled bool          // security.mfa.enabled (mfa.PolicyFrom)
	cookie     bool          // security.auth.storage has "cookie" (cookieStorage)
	// deviceRegistration: security.deviceRegistrationRequired
	deviceRegistration bool
}

func deriveSettings(doc []byte) envSettings {
	return envSettings{lifetime: session.Lifetime(doc), collectIP: collectsIP(doc), mfaEnabled: mfa.PolicyFrom(doc).Enabled,
		cookie: cookieStorage(doc), deviceRegistration: devices.Required(doc)}
}

// cookieStorage reports whether security.auth.storage names "cookie":
// Dynamic's cookie mode, where the SDK routes hand the session token to
// the browser in an HttpOnly cookie instead of the JSON body.
func cookieStorage(doc []byte) bool {
	var st struct {
		Security struct {
			Auth struct {
				Storage []string `json:"storage"`
			} `json:"auth"`
		} `json:"security"`
	}
	_ = json.Unmarshal(doc, &st) // a malformed document keeps the default, local storage
	return slices.Contains(st.Security.Auth.Storage, "cookie")
}

func (s *Service) settingsOf(env *tenant.Environment) envSettings {
	return s.settings.Get(env.Settings, deriveSettings)
}

// collectedIP is the client IP to store for env: none when its
// privacy.collectIp setting is false (the contract's privacy settings
// cover only the IP; user agents are kept).
func (s *Service) collectedIP(env *tenant.Environment, ip string) string {
	if !s.settingsOf(env).collectIP {
		return ""
	}
	return ip
}

func collectsIP(doc []byte) bool {
	var st struct {
		Privacy struct {
			CollectIP *bool `json:"collectIp"`
		} `json:"privacy"`
	}
	return json.Unmarshal(doc, &st) != nil || st.Privacy.CollectIP == nil || *st.Privacy.CollectIP
}
