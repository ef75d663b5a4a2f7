package webhooks

import (
	"strings"
	"testing"
)

func TestSignVerify(t *testing.T) {
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"eventName":"user.created","data":{"a":1}}`)
	sig := Sign(secret, body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q is not sha256=<64 hex>", sig)
	}
	// A known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
	if got := Sign("key", []byte("The quick brown fox jumps over the lazy dog")); got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatalf("known vector: %s", got)
	}
	tampered := []byte(`{"eventName":"user.created","data":{"a":2}}`)
	reencoded := []byte(`{"eventName": "user.created", "data": {"a": 1}}`)
	cases := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"exact", secret, body, sig, true},
		{"tampered body", secret, tampered, sig, false},
		{"same JSON, other bytes", secret, reencoded, sig, false},
		{"other secret", secret + "x", body, sig, false},
		{"no prefix", secret, body, strings.TrimPrefix(sig, "sha256="), false},
		{"sha1 prefix", secret, body, "sha1=" + strings.TrimPrefix(sig, "sha256="), false},
		{"truncated", secret, body, sig[:len(sig)-2], false},
		{"not hex", secret, body, "sha256=zz", false},
		{"empty", secret, body, "", false},
	}
	for _, c := range cases {
		if got := Verify(c.secret, c.body, c.header); got != c.want {
			t.Errorf("%s: Verify = %v, want %v", c.name, got, c.want)
		}
	}
	other, _ := NewSecret()
	if other == secret {
		t.Fatal("two secrets are equal")
	}
}
