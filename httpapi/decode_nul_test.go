package httpapi

import "testing"

// TestHasNUL: U+0000 is found as JSON writes it, in values and in names,
// and an escaped backslash before "u0000" is text, not a NUL.
func TestHasNUL(t *testing.T) {
	for _, tc := range []struct {
		json string
		want bool
	}{
		{`{"name":"a\u0000b"}`, true},
		{`{"a\u0000":1}`, true},
		{`["x","\\\u0000"]`, true}, // a backslash, then a NUL
		{`{"name":"a\\u0000b"}`, false},
		{`{"name":"\\\\u0000"}`, false},
		{`{"name":"\u00000"}`, true},
		{`{"name":"\u0001","u0000":"\"u0000"}`, false},
		{`{"name":"plain"}`, false},
		{`"\u000`, false},
	} {
		if got := hasNUL([]byte(tc.json)); got != tc.want {
			t.Errorf("hasNUL(%s) = %v, want %v", tc.json, got, tc.want)
		}
	}
}
