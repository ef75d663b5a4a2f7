package users

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// cleanFilterText is the class of every string a parsed filter carries
// to a store: valid UTF-8 without a control character (Cc). A NUL ends
// SQLite's LIKE pattern early, so it matched every user.
func cleanFilterText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.Is(unicode.Cc, r) {
			return false
		}
	}
	return true
}

// FuzzParseFilters: whatever the query holds, a filter the parsers accept
// carries only clean text (value, social provider, chains) and a known
// column. The seeds run with go test.
// Run: go test ./users -run '^$' -fuzz FuzzParseFilters -fuzztime 30s
func FuzzParseFilters(f *testing.F) {
	f.Add("email", "ann@example.com", "github", "EVM")
	f.Add("", "\x00", "", "")
	f.Add("", "ann", "git\x00hub", "")
	f.Add("", "", "", "EVM\x00")
	f.Add("walletPublicKey", "0x52908400098527886E0F7030069857D2E4169EE7", "", "ETH")
	f.Add("email", "a\u0085b", "\x7f", "sol\nana")
	f.Add("phoneNumber", "\xff\xfe", "", "")
	f.Fuzz(func(t *testing.T, column, value, provider, chain string) {
		check := func(kind string, fl Filter, allowed []FilterColumn) {
			texts := append([]string{fl.Value, fl.SocialProvider, fl.EVMAddress, string(fl.Column)}, fl.Chains...)
			for _, s := range texts {
				if !cleanFilterText(s) {
					t.Fatalf("%s filter accepted %q: %+v", kind, s, fl)
				}
			}
			if fl.Column != "" && fl.Column != FilterAll {
				known := false
				for _, c := range allowed {
					known = known || c == fl.Column
				}
				if !known {
					t.Fatalf("%s filter accepted column %q", kind, fl.Column)
				}
			}
		}
		if fl, err := ParseUserFilter(column, value, provider, chain); err == nil {
			check("user", fl, admUserColumns)
		}
		if fl, err := ParseVisitorFilter(column, value, chain); err == nil {
			check("visitor", fl, admVisitorColumns)
		}
	})
}
