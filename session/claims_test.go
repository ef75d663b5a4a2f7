package session_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

// A phone credential carries the number as JwtVerifiedCredential's camel
// phoneNumber, phoneCountryCode and isoCountryCode, as an email credential
// carries email: public_identifier alone left clients without the parts
// the SMS flows speak in.
func TestWireCredentialsOfAPhone(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &users.User{ID: "u1", Credentials: []users.Credential{
		{ID: "c1", Format: users.FormatPhoneNumber, Address: "+14155550188", PublicIdentifier: "+14155550188", VerifiedAt: at},
		{ID: "c2", Format: users.FormatPhoneNumber, Address: "+14165550123", PublicIdentifier: "+14165550123", VerifiedAt: at},
		{ID: "c3", Format: users.FormatPhoneNumber, Address: "+447400123456", PublicIdentifier: "+447400123456", VerifiedAt: at},
		{ID: "c4", Format: users.FormatPhoneNumber, Address: "not a number", PublicIdentifier: "not a number", VerifiedAt: at},
	}}
	raw, err := json.Marshal(session.WireCredentials(u))
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"phoneNumber": "4155550188", "phoneCountryCode": "1", "isoCountryCode": "US", "public_identifier": "+14155550188"},
		{"phoneNumber": "4165550123", "phoneCountryCode": "1", "isoCountryCode": "CA", "public_identifier": "+14165550123"},
		{"phoneNumber": "7400123456", "phoneCountryCode": "44", "isoCountryCode": "GB", "public_identifier": "+447400123456"},
		{"public_identifier": "not a number"}, // one that does not parse: shown whole, not split
	}
	for i, w := range want {
		for _, k := range []string{"phoneNumber", "phoneCountryCode", "isoCountryCode", "public_identifier"} {
			v, _ := got[i][k].(string)
			if v != w[k] {
				t.Errorf("credential %d: %s = %q, want %q (%s)", i, k, v, w[k], raw)
			}
		}
	}
}
