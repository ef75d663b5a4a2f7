package tenant

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestWithSecurityMember: the member is replaced from its current value,
// every other member of the document and of security stays, and a
// document that is not an object, or a build that fails, comes back as
// it was.
func TestWithSecurityMember(t *testing.T) {
	doc := []byte(`{"sdk":{"x":1},"security":{"mfa":{"enabled":true},"passkeys":{"maxPasskeysPerUser":3}}}`)
	var seen string
	out := WithSecurityMember(doc, "passkeys", func(cur json.RawMessage) (any, error) {
		seen = string(cur)
		return map[string]any{"maxPasskeysPerUser": 5}, nil
	})
	if seen != `{"maxPasskeysPerUser":3}` {
		t.Errorf("build saw %s", seen)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	sec := got["security"].(map[string]any)
	if sec["passkeys"].(map[string]any)["maxPasskeysPerUser"] != 5.0 || sec["mfa"].(map[string]any)["enabled"] != true ||
		got["sdk"].(map[string]any)["x"] != 1.0 {
		t.Errorf("got %s", out)
	}
	added := WithSecurityMember([]byte(`{}`), "mfa", func(cur json.RawMessage) (any, error) {
		if cur != nil {
			t.Errorf("absent member read as %s", cur)
		}
		return map[string]bool{"enabled": false}, nil
	})
	if string(added) != `{"security":{"mfa":{"enabled":false}}}` {
		t.Errorf("added to an empty document: %s", added)
	}
	for _, c := range []struct {
		name string
		doc  string
		err  error
	}{{"not an object", `[1]`, nil}, {"null", `null`, nil}, {"build fails", `{"security":{}}`, errors.New("no")}} {
		out := WithSecurityMember([]byte(c.doc), "mfa", func(json.RawMessage) (any, error) { return 1, c.err })
		if string(out) != c.doc {
			t.Errorf("%s: %s, want it unchanged", c.name, out)
		}
	}
}
