package dynamicauth_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestSettingsChangeSeenByNextSignIn: with a cache that would otherwise
// keep the environment for an hour, the sign-in after a settings change
// (the token lifetime) issues tokens under the new settings.
func TestSettingsChangeSeenByNextSignIn(t *testing.T) {
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) { c.EnvironmentCacheTTL = time.Hour })
	w := dynamicauthtest.NewWallet(t)
	lifetime := func() time.Duration {
		t.Helper()
		var c struct{ Iat, Exp int64 }
		if err := json.Unmarshal(jwtPayload(t, app.SignIn(t, w).MinifiedJWT), &c); err != nil {
			t.Fatal(err)
		}
		return (time.Duration(c.Exp-c.Iat) * time.Second).Round(time.Minute) // iat and exp are whole seconds of slightly different instants
	}
	if d := lifetime(); d != 2*time.Hour {
		t.Fatalf("default token lifetime %s", d)
	}
	ctx := t.Context()
	env, err := app.Tenants().GetEnvironment(ctx, app.System, app.IDs.EnvironmentID, tenant.ScopeSettingsWrite)
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	if err := json.Unmarshal(env.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	settings["security"] = map[string]any{"jwtDuration": map[string]any{"amount": 5, "unit": "minutes"}}
	if _, err := app.Tenants().UpdateSettings(ctx, app.System, env.ID, settings); err != nil {
		t.Fatal(err)
	}
	if d := lifetime(); d != 5*time.Minute {
		t.Errorf("token lifetime of the sign-in after the change: %s, want 5m", d)
	}
}
