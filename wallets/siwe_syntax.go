package wallets

import (
	"net/url"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
)

// The character classes of RFC 3986, which EIP-4361 builds on.
const (
	alpha      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digits     = "0123456789"
	unreserved = alpha + digits + "-._~"
	subDelims  = "!$&'()*+,;="
	genDelims  = ":/?#[]@"
	pchar      = unreserved + subDelims + ":@" // plus pct-encoded
	uriChars   = unreserved + subDelims + genDelims
)

// checkScheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func checkScheme(s string) error {
	if s == "" || !strings.ContainsRune(alpha, rune(s[0])) || !onlyFrom(s, alpha+digits+"+-.") {
		return errs.Invalid("message: invalid scheme %s", quote(s))
	}
	return nil
}

// checkDomain accepts an RFC 3986 authority: [userinfo@]host[:port].
func checkDomain(s string) error {
	if s == "" || !onlyPctOrFrom(s, unreserved+subDelims+":@[]") {
		return errs.Invalid("message: invalid domain %s", quote(s))
	}
	u, err := url.Parse("x://" + s)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return errs.Invalid("message: invalid domain %s", quote(s))
	}
	return nil
}

// checkURI accepts an absolute RFC 3986 URI (what names the resource the
// user signs in to, and each listed resource).
func checkURI(what, s string) error {
	if s == "" || !onlyPctOrFrom(s, uriChars) {
		return errs.Invalid("message: invalid %s %s", what, quote(s))
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return errs.Invalid("message: invalid %s %s", what, quote(s))
	}
	return nil
}

func isPchars(s string) bool { return onlyPctOrFrom(s, pchar) }

func isAlnum(s string) bool { return onlyFrom(s, alpha+digits) }

func onlyFrom(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(set, rune(s[i])) {
			return false
		}
	}
	return true
}

// onlyPctOrFrom is onlyFrom that also admits "%" followed by two hex digits.
func onlyPctOrFrom(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
			continue
		}
		if !strings.ContainsRune(set, rune(s[i])) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
