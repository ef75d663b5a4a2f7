package tenant

import (
	"encoding/json"
	"strings"
)

// KeepOmitted is a SettingsRule for members of ProjectSettings that
// Dynamic's clients have no model for (this server's extensions, and
// members newer than @dynamic-labs/sdk-api 0.0.847): the clients drop them
// when they send the settings back, so an update that toggles anything
// else would quietly reset them. Each path names one such member; when
// next holds the member's parent but not the member, the stored value is
// carried over; an explicit null clears it. A path segment "[key]" stands
// for the elements of an array, each matched with the stored element
// whose member key is the same (MFA actions by their action).
func KeepOmitted(paths ...[]string) SettingsRule {
	return func(next map[string]any, stored json.RawMessage) error {
		var old map[string]any
		_ = json.Unmarshal(stored, &old) // unreadable stored settings: nothing to carry over
		for _, p := range paths {
			keepOmitted(next, old, p)
		}
		return nil
	}
}

func keepOmitted(next, stored map[string]any, path []string) {
	if next == nil || len(path) == 0 {
		return
	}
	key := path[0]
	if len(path) == 1 {
		v, sent := next[key]
		switch {
		case sent && v == nil:
			delete(next, key)
		case !sent && stored[key] != nil:
			next[key] = stored[key]
		}
		return
	}
	if match, ok := arrayMatch(path[1]); ok {
		olds, _ := stored[key].([]any)
		news, _ := next[key].([]any)
		for _, el := range news {
			n, _ := el.(map[string]any)
			keepOmitted(n, elementWith(olds, match, n[match]), path[2:])
		}
		return
	}
	n, _ := next[key].(map[string]any)
	s, _ := stored[key].(map[string]any)
	keepOmitted(n, s, path[1:])
}

// arrayMatch reads a "[key]" path segment.
func arrayMatch(seg string) (string, bool) {
	inner, ok := strings.CutPrefix(seg, "[")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(inner, "]")
}

// elementWith finds the object in arr whose member key is the string id
// (nil if none, or if id is no string: such an element matches nothing).
func elementWith(arr []any, key string, id any) map[string]any {
	if _, ok := id.(string); !ok {
		return nil
	}
	for _, el := range arr {
		if m, ok := el.(map[string]any); ok && m[key] == id {
			return m
		}
	}
	return nil
}
