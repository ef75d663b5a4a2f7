package session

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/go-jose/go-jose/v4"
)

// TestCompactSignerMatchesGoJose: tokens of the compact signer verify with
// go-jose, carry the header go-jose writes, and with RS256 (deterministic)
// are byte for byte go-jose's; a changed payload does not verify.
func TestCompactSignerMatchesGoJose(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	payload := []byte(`{"sub":"u1","sid":"s1","exp":1700000000,"verified_credentials":[{"address":"0xabc"}]}`)
	for _, tc := range []struct {
		alg string
		key crypto.Signer
	}{{signing.RS256, rsaKey}, {signing.ES256, ecKey}, {signing.EdDSA, edKey}} {
		t.Run(tc.alg, func(t *testing.T) {
			cs, err := newCompactSigner(tc.alg, "kid-1", tc.key)
			if err != nil {
				t.Fatal(err)
			}
			token, err := cs.sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(tc.alg), Key: tc.key},
				(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "kid-1"))
			if err != nil {
				t.Fatal(err)
			}
			obj, err := js.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			want, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			if got, exp := strings.SplitN(token, ".", 2)[0], strings.SplitN(want, ".", 2)[0]; got != exp {
				t.Errorf("header %s, go-jose writes %s", got, exp)
			}
			if tc.alg == signing.RS256 && token != want {
				t.Errorf("RS256 token differs from go-jose's:\n%s\n%s", token, want)
			}
			parsed, err := jose.ParseSigned(token, algorithms)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parsed.Verify(tc.key.Public())
			if err != nil || string(got) != string(payload) {
				t.Fatalf("go-jose verification: %q, %v", got, err)
			}
			if parsed.Signatures[0].Header.KeyID != "kid-1" {
				t.Errorf("kid %q", parsed.Signatures[0].Header.KeyID)
			}
			parts := strings.Split(token, ".")
			other, _ := cs.sign([]byte(`{"sub":"u2"}`))
			forged := parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2]
			if p, err := jose.ParseSigned(forged, algorithms); err == nil {
				if _, err := p.Verify(tc.key.Public()); err == nil {
					t.Error("a token with another payload under this signature verified")
				}
			}
		})
	}
	if _, err := newCompactSigner(signing.ES256, "k", rsaKey); err == nil {
		t.Error("an RSA key accepted for ES256")
	}
}

// BenchmarkSign compares the compact signer with go-jose's
// Sign+CompactSerialize on one sign-in-sized payload.
func BenchmarkSign(b *testing.B) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	payload := []byte(`{"sub":"0b3a8f0e-7c1e-4d6b-9f59-2a4a1c3c9d11","sid":"5f0c1c9e-3c2b-4a8e-b7e5-6b7d8f9a0b1c","environment_id":"env","exp":1700000000}`)
	b.Run("compact", func(b *testing.B) {
		cs, _ := newCompactSigner(signing.ES256, "kid-1", key)
		for b.Loop() {
			if _, err := cs.sign(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-jose", func(b *testing.B) {
		js, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "kid-1"))
		for b.Loop() {
			obj, err := js.Sign(payload)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := obj.CompactSerialize(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
