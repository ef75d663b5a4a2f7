package claims

import (
	"reflect"
	"strings"
	"unicode"
)

// Custom claims are an application's own top-level claims (an OnSignIn
// hook sets them), added to both tokens beside the ones dynamicauth sets.
// They may not take a name dynamicauth uses: a custom "sub" or "exp"
// would change what the token means to every verifier.

// registered are the claim names RFC 7519 (section 4.1) registers; nbf
// and jti are not set by dynamicauth but verifiers read them.
var registered = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// reserved holds every claim name dynamicauth sets (the JSON names of
// Full, which embeds Minified) and the registered ones, derived from the
// types so a claim added to them is reserved at once; folded, as Reserved
// compares.
var reserved = func() map[string]bool {
	names := map[string]bool{}
	for _, n := range registered {
		names[fold(n)] = true
	}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Anonymous && tag == "":
				walk(f.Type)
			case tag != "" && tag != "-":
				names[fold(tag)] = true
			}
		}
	}
	walk(reflect.TypeFor[Full]())
	return names
}()

// Reserved reports whether name is a claim dynamicauth sets itself (or a
// registered JWT claim), which an application's custom claims may not use,
// in any case: Go's encoding/json matches keys to struct fields as
// strings.EqualFold does, so a custom "Sub" (or "ſub", with a long s)
// placed after the real "sub" would be the sub that package verifier and
// the SDK routes read.
func Reserved(name string) bool { return reserved[fold(name)] }

// fold maps every rune of s to the least rune of its Unicode simple case
// folding orbit (s, S and ſ to S), so that two names are equal under
// strings.EqualFold exactly when their folds are equal.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}
