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

	"github.com/go-jose/go-jose/v4"
)

func testKeys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, dk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"RS256": rk, "ES256": ek, "EdDSA": dk}
}

func joseSigner(t testing.TB, alg, kid string, key crypto.Signer) jose.Signer {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// The compact signer writes the tokens go-jose wrote: the same header and
// payload segments, and (RS256, EdDSA) the same signature; go-jose
// verifies every one of them with the public key.
func TestCompactSignerMatchesJose(t *testing.T) {
	payload := []byte(`{"sub":"u","sid":"s","verified_credentials":[{"address":"0xAb<>&?"}],"exp":1796426811}`)
	const kid = "eecfdcf6-ac2a-4f7f-885a-86c86a27ca0b"
	for alg, key := range testKeys(t) {
		t.Run(alg, func(t *testing.T) {
			cs, err := newCompactSigner(alg, kid, key)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := cs.sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := joseSigner(t, alg, kid, key).Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := obj.CompactSerialize()
			if err != nil {
				t.Fatal(err)
			}
			o, th := strings.Split(ours, "."), strings.Split(theirs, ".")
			if len(o) != 3 || o[0] != th[0] || o[1] != th[1] {
				t.Fatalf("header or payload differ:\nours   %s\ntheirs %s", ours, theirs)
			}
			if alg != "ES256" && ours != theirs {
				t.Fatalf("deterministic signature differs:\nours   %s\ntheirs %s", ours, theirs)
			}
			jws, err := jose.ParseSigned(ours, algorithms)
			if err != nil {
				t.Fatal(err)
			}
			got, err := jws.Verify(key.Public())
			if err != nil || string(got) != string(payload) {
				t.Fatalf("verify: %v, payload %s", err, got)
			}
			if h := jws.Signatures[0].Header; h.KeyID != kid || h.Algorithm != alg {
				t.Fatalf("header %+v", h)
			}
		})
	}
}

func TestCompactSignerRefusesMismatchedKey(t *testing.T) {
	keys := testKeys(t)
	for _, c := range []struct{ alg, key string }{{"ES256", "RS256"}, {"RS256", "EdDSA"}, {"EdDSA", "ES256"}} {
		if _, err := newCompactSigner(c.alg, "k", keys[c.key]); err == nil {
			t.Errorf("%s accepted with a %s key", c.alg, c.key)
		}
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := newCompactSigner("ES256", "k", p384); err == nil {
		t.Error("ES256 accepted with a P-384 key")
	}
}

// BenchmarkSignJWT compares go-jose's signing with the compact signer on
// a sign-in's full claims, ES256 (a cheap signature, so the rest shows).
func BenchmarkSignJWT(b *testing.B) {
	payload := []byte(strings.Repeat(`{"verified_credentials":[{"address":"0xF6FD88bf8095688AACF7602DAfC44855034184b7"}]}`, 12))
	key := testKeys(b)["ES256"]
	b.Run("jose", func(b *testing.B) {
		sg := joseSigner(b, "ES256", "kid", key)
		b.ReportAllocs()
		for b.Loop() {
			obj, _ := sg.Sign(payload)
			_, _ = obj.CompactSerialize()
		}
	})
	b.Run("compact", func(b *testing.B) {
		cs, _ := newCompactSigner("ES256", "kid", key)
		b.ReportAllocs()
		for b.Loop() {
			_, _ = cs.sign(payload)
		}
	})
}
