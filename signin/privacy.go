package signin

import (
	"encoding/json"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// collectedIP is the client IP to store for env: none when its
// privacy.collectIp setting is false (the contract's privacy settings
// cover only the IP; user agents are kept).
func collectedIP(env *tenant.Environment, ip string) string {
	var st struct {
		Privacy struct {
			CollectIP *bool `json:"collectIp"`
		} `json:"privacy"`
	}
	if json.Unmarshal(env.Settings, &st) == nil && st.Privacy.CollectIP != nil && !*st.Privacy.CollectIP {
		return ""
	}
	return ip
}
