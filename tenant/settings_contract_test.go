package tenant

import (
	"encoding/json"
	"testing"

	"github.com/dynamicauth/dynamicauth/contract"
)

// TestDefaultSettingsMatchContract keeps the seeded settings valid
// ProjectSettings, since the SDK reads them as such.
func TestDefaultSettingsMatchContract(t *testing.T) {
	c, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{EnvSandbox, EnvLive} {
		var v any
		if err := json.Unmarshal(DefaultSettings(env, "App"), &v); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate("ProjectSettings", v); err != nil {
			t.Fatalf("%s defaults: %v", env, err)
		}
	}
}
