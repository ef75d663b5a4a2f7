package tenant

import "encoding/json"

// WithSecurityMember returns a ProjectSettings document with
// security.<key> replaced by what build makes of its current value (nil
// when absent), leaving every other member as it was. The document comes
// back unchanged when it is not a JSON object or build's value does not
// marshal: the SDK settings then show what is stored rather than nothing.
func WithSecurityMember(settings []byte, key string, build func(current json.RawMessage) (any, error)) []byte {
	var doc map[string]json.RawMessage
	if json.Unmarshal(settings, &doc) != nil || doc == nil {
		return settings
	}
	var sec map[string]json.RawMessage
	if json.Unmarshal(doc["security"], &sec) != nil || sec == nil {
		sec = map[string]json.RawMessage{}
	}
	v, err := build(sec[key])
	if err != nil {
		return settings
	}
	if sec[key], err = json.Marshal(v); err != nil {
		return settings
	}
	if doc["security"], err = json.Marshal(sec); err != nil {
		return settings
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return settings
	}
	return out
}
