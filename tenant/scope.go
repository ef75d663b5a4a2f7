package tenant

import "strings"

// Scope is one of the contract's TokenScopes.
type Scope string

// The scopes an admin API token can carry.
const (
	ScopeSettingsRead    Scope = "environment.settings.read"
	ScopeSettingsWrite   Scope = "environment.settings.write"
	ScopeAPITokensRead   Scope = "environment.apiTokens.read"
	ScopeAPITokensWrite  Scope = "environment.apiTokens.write"
	ScopeUsersRead       Scope = "environment.users.read"
	ScopeUsersWrite      Scope = "environment.users.write"
	ScopeAnalyticsRead   Scope = "environment.analytics.read"
	ScopeWebhooksRead    Scope = "environment.webhooks.read"
	ScopeWebhooksWrite   Scope = "environment.webhooks.write"
	ScopeEventsRead      Scope = "environment.events.read"
	ScopeEventsWrite     Scope = "environment.events.write"
	ScopeBalancesRead    Scope = "environment.balances.read"
	ScopeWaasAuth        Scope = "waas.authenticate"
	ScopeWaasSignMessage Scope = "waas.delegatedAccess.signMessage"
)

// AllScopes lists every scope in the contract's order.
var AllScopes = []Scope{
	ScopeWaasSignMessage, ScopeWaasAuth,
	ScopeSettingsRead, ScopeSettingsWrite, ScopeAPITokensRead, ScopeAPITokensWrite,
	ScopeUsersRead, ScopeUsersWrite, ScopeAnalyticsRead,
	ScopeWebhooksRead, ScopeWebhooksWrite, ScopeEventsRead, ScopeEventsWrite, ScopeBalancesRead,
}

// Writes reports whether s grants changes: a write by an
// organization-wide token also needs the developer role.
func (s Scope) Writes() bool { return strings.HasSuffix(string(s), ".write") }

// Valid reports whether s is a contract scope.
func (s Scope) Valid() bool {
	for _, v := range AllScopes {
		if v == s {
			return true
		}
	}
	return false
}

// JoinScopes renders scopes as one space-separated string, the form the
// stores keep them in (and OAuth's scope parameter uses).
func JoinScopes(sc []Scope) string {
	parts := make([]string, len(sc))
	for i, s := range sc {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

// SplitScopes reads what JoinScopes wrote.
func SplitScopes(s string) []Scope {
	var out []Scope
	for _, f := range strings.Fields(s) {
		out = append(out, Scope(f))
	}
	return out
}
