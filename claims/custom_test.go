package claims

import "testing"

func TestReserved(t *testing.T) {
	for _, name := range []string{"sub", "iss", "aud", "exp", "iat", "nbf", "jti", "kid", "sid", "environment_id",
		"scope", "amr", "roles", "email", "metadata", "verified_credentials", "missing_fields", "lists", "new_user"} {
		if !Reserved(name) {
			t.Errorf("%q is not reserved", name)
		}
	}
	for _, name := range []string{"plan", "tenant", "Sub", "org_id", ""} {
		if Reserved(name) {
			t.Errorf("%q is reserved", name)
		}
	}
}
