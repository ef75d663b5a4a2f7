package sqlite

import "testing"

// TestStorableText: what PostgreSQL refuses (U+0000, bytes that are not
// UTF-8, a \u0000 escape in JSON) SQLite refuses too; the characters
// \u0000 in plain text, or after an escaped backslash in JSON, are kept.
func TestStorableText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"plain text, café", true},
		{"a\x00b", false},
		{"caf\xe9", false},
		{`{"a":"\u0000"}`, false},
		{`"\u0000"`, false},
		{`["ok", "x\u0000y"]`, false},
		{`{"a":"\\u0000"}`, true},   // an escaped backslash, then "u0000"
		{`{"a":"\\\u0000"}`, false}, // an escaped backslash, then the escape
		{`{"a":"\\u0000", "b":"\u0000"}`, false},
		{`not JSON: \u0000`, true}, // text, which PostgreSQL stores
		{`{"a":"\u00001"}`, false},
	} {
		if got := storableText(c.in); got != c.want {
			t.Errorf("storableText(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
