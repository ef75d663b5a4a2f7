package tenant

import (
	"bytes"
	"testing"

	"github.com/dynamicauth/dynamicauth/secrets"
)

// TestSsoSecretKeptOnMaskedRoundTrip: an admin client that reads the
// provider (its maskedClientSecret) and sends the masked value back keeps
// the stored secret, as social providers and environment settings do; a
// new value replaces it.
func TestSsoSecretKeptOnMaskedRoundTrip(t *testing.T) {
	keys, err := secrets.New(bytes.Repeat([]byte{7}, secrets.MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{keys: keys}
	str := func(v string) *string { return &v }
	p := &SsoProvider{ID: "sso-1"}
	if err := s.applySso(p, SsoInput{ClientID: str("c"), ClientSecret: str("the-client-secret"), SsoDomain: str("d.example"),
		EmailDomain: str("e.example"), Provider: str("okta")}); err != nil {
		t.Fatal(err)
	}
	secret := func() string {
		t.Helper()
		b, err := keys.Open(p.ClientSecretSealed, ssoAAD(p.ID))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := s.applySso(p, SsoInput{ClientSecret: str(p.MaskedClientSecret)}); err != nil {
		t.Fatal(err)
	}
	if got := secret(); got != "the-client-secret" {
		t.Fatalf("after the masked round trip the secret is %q", got)
	}
	if err := s.applySso(p, SsoInput{ClientSecret: str("another-secret")}); err != nil {
		t.Fatal(err)
	}
	if got := secret(); got != "another-secret" {
		t.Fatalf("after a new secret: %q", got)
	}
}
