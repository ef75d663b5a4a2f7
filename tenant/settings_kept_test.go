package tenant

import (
	"encoding/json"
	"testing"
)

// TestKeepOmitted: omitted members are carried over only where next still
// holds their parent, array elements only from the stored element with the
// same key, and null clears.
func TestKeepOmitted(t *testing.T) {
	stored := json.RawMessage(`{"security":{"mfa":{"actions":[
		{"action":"user.update","tokenBehavior":"single_use"},
		{"action":"wallet.waas.sign","tokenBehavior":"time_bound"}]},
		"passkeys":{"userVerification":"required"}}}`)
	var next map[string]any
	if err := json.Unmarshal([]byte(`{"security":{"mfa":{"actions":[
		{"action":"wallet.waas.sign"},
		{"action":"wallet.waas.export"},
		{"action":{"odd":1}},
		{"action":"user.update","tokenBehavior":null}]}}}`), &next); err != nil {
		t.Fatal(err)
	}
	rule := KeepOmitted([]string{"security", "passkeys"},
		[]string{"security", "mfa", "actions", "[action]", "tokenBehavior"},
		[]string{"security", "externalAuth", "algorithms"})
	if err := rule(next, stored); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(next)
	want := `{"security":{"mfa":{"actions":[{"action":"wallet.waas.sign","tokenBehavior":"time_bound"},` +
		`{"action":"wallet.waas.export"},{"action":{"odd":1}},{"action":"user.update"}]},` +
		`"passkeys":{"userVerification":"required"}}}`
	if string(got) != want {
		t.Errorf("after KeepOmitted:\n got %s\nwant %s", got, want)
	}
}
