package claims

import "testing"

func TestReserved(t *testing.T) {
	for _, name := range []string{"sub", "iss", "aud", "exp", "iat", "nbf", "jti", "kid", "sid", "environment_id",
		"scope", "amr", "roles", "email", "metadata", "verified_credentials", "missing_fields", "lists", "new_user",
		"verifiedCredentialsHashes", "refreshExp", "Sub", "EXP", "Scope", "Environment_ID", "refreshexp",
		"\u017fub", "\u212aid"} { // a long s, a Kelvin sign: encoding/json folds them to s and k
		if !Reserved(name) {
			t.Errorf("%q is not reserved", name)
		}
	}
	for _, name := range []string{"plan", "tenant", "org_id", ""} {
		if Reserved(name) {
			t.Errorf("%q is reserved", name)
		}
	}
}
