package wallets

import (
	"strings"
	"testing"
	"unicode"
)

// TestParseRefusesInvisibleCharacters: bidi controls, zero-width
// characters and line or paragraph separators make a message read one
// way and sign another; like CR, they are refused wherever they appear.
func TestParseRefusesInvisibleCharacters(t *testing.T) {
	statement := "Welcome to Example. Signing is the only way we can truly know that you are the owner of the wallet you are connecting."
	for _, r := range []rune{
		'\u202e', // RIGHT-TO-LEFT OVERRIDE (Cf)
		'\u202a', // LEFT-TO-RIGHT EMBEDDING (Cf)
		'\u2066', // LEFT-TO-RIGHT ISOLATE (Cf)
		'\u200b', // ZERO WIDTH SPACE (Cf)
		'\u200d', // ZERO WIDTH JOINER (Cf)
		'\u200e', // LEFT-TO-RIGHT MARK (Cf)
		'\ufeff', // BYTE ORDER MARK (Cf)
		'\u00ad', // SOFT HYPHEN (Cf)
		'\u2028', // LINE SEPARATOR (Zl)
		'\u2029', // PARAGRAPH SEPARATOR (Zp)
		'\ue000', // private use (Co)
	} {
		for _, where := range []struct{ name, from, to string }{
			{"statement", statement, "Welcome to " + string(r) + "Example."},
			{"statement end", statement, statement + string(r)},
			{"domain", "app.example.com wants", "app.example.com" + string(r) + " wants"},
			{"resource-less URI", "URI: https://app.example.com/", "URI: https://app.example.com/" + string(r)},
		} {
			msg := strings.Replace(dynamicSIWE(), where.from, where.to, 1)
			if _, err := ParseSIWE(msg); err == nil {
				t.Errorf("%U in the %s was accepted", r, where.name)
			}
		}
	}
	// Ordinary non-ASCII text in a statement is still fine.
	msg := strings.Replace(dynamicSIWE(), "Welcome to Example.", "Bienvenue à Ëxample — 欢迎.", 1)
	if _, err := ParseSIWE(msg); err != nil {
		t.Errorf("a statement in other languages was refused: %v", err)
	}
}

// allowedRune is the character class of an accepted message: LF between
// lines, otherwise letters, marks, numbers, punctuation, symbols and
// spaces; never a control, format (Cf), separator (Zl, Zp), private-use
// or unassigned character.
func allowedRune(r rune) bool {
	if r == '\n' {
		return true
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs) &&
		!unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co)
}

// printableASCII is the class of every field but the statement.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
