package claims

import (
	"reflect"
	"strings"
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
// types so a claim added to them is reserved at once.
var reserved = func() map[string]bool {
	names := map[string]bool{}
	for _, n := range registered {
		names[n] = true
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
				names[tag] = true
			}
		}
	}
	walk(reflect.TypeFor[Full]())
	return names
}()

// Reserved reports whether name is a claim dynamicauth sets itself (or a
// registered JWT claim), which an application's custom claims may not use.
func Reserved(name string) bool { return reserved[name] }
