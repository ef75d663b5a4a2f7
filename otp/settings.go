package otp

import (
	"encoding/json"
	"slices"

	"github.com/dynamicauth/dynamicauth/mfa"
)

// Provider types of an environment's settings that enable a channel
// (ProjectSettings.providers[].provider, the contract's ProviderEnum).
// Dynamic's React widget offers email sign-in when dynamic is enabled
// (magicLink only with a Magic project id), so dynamic enables email
// codes too.
var channelProviders = map[string][]string{
	ChannelEmail: {"emailOnly", "magicLink", "dynamic"},
	ChannelSMS:   {"sms"},
}

// envSettings is the part of ProjectSettings the codes read.
type envSettings struct {
	Providers []struct {
		Provider  string  `json:"provider"`
		EnabledAt *string `json:"enabledAt"`
	} `json:"providers"`
	SDK struct {
		BlockEmailSubaddresses bool `json:"blockEmailSubaddresses"`
	} `json:"sdk"`
	General struct {
		DisplayName string `json:"displayName"`
	} `json:"general"`
}

func readSettings(raw json.RawMessage) envSettings {
	var s envSettings
	_ = json.Unmarshal(raw, &s) // stored settings were validated when written; a bad member reads as unset
	return s
}

// enabled tells whether the settings turn the channel's sign-in on: a
// provider entry of the channel's type with an enabledAt.
func (s envSettings) enabled(channel string) bool {
	for _, p := range s.Providers {
		if p.EnabledAt != nil && *p.EnabledAt != "" && slices.Contains(channelProviders[channel], p.Provider) {
			return true
		}
	}
	return false
}

// SendsForMFA tells whether an environment's settings send email codes
// as a second factor (users/mfa/auth/email) while email sign-in may be
// off: MFA is in use (session-level, or an action that needs a step-up)
// and email is one of its methods. Such codes are sent by
// emailVerifications/create like sign-in codes, but sign-in and verify
// with them still need email sign-in enabled.
func SendsForMFA(settings json.RawMessage, channel string) bool {
	if channel != ChannelEmail {
		return false
	}
	p := mfa.PolicyFrom(settings)
	return (p.Enabled || len(p.Required) > 0) && p.Allows(mfa.TypeEmail)
}
