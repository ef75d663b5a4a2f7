package signin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// The device proof Dynamic's JS SDK sends (a nonce signed with the
// device's P-256 key, raw r||s) verifies with the key compressed or not,
// and is refused for another nonce, another key, a point off the curve
// or a malformed signature.
func TestDeviceProof(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	uncompressed, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	// the SDK's form: 02 or 03 (y even or odd), then x
	compressed := append([]byte{2 | uncompressed[64]&1}, uncompressed[1:33]...)
	sign := func(k *ecdsa.PrivateKey, nonce string) string {
		d := sha256.Sum256([]byte(nonce))
		r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 64)
		r.FillBytes(b[:32])
		s.FillBytes(b[32:])
		return hex.EncodeToString(b)
	}
	// A signature of no nonce would be a proof used over and over: the
	// nonce is what makes each proof single-use.
	replayable := &DeviceProof{PublicKey: hex.EncodeToString(compressed), Signature: sign(key, "")}
	if err := replayable.Verify(); err == nil {
		t.Error("a proof without a nonce verified")
	}
	offCurve := append([]byte(nil), uncompressed...)
	offCurve[64] ^= 1
	good := sign(key, "nonce-1")
	for _, c := range []struct {
		name, nonce, pub, sig string
		ok                    bool
	}{
		{"compressed key", "nonce-1", hex.EncodeToString(compressed), good, true},
		{"uncompressed key, 0x", "nonce-1", "0x" + hex.EncodeToString(uncompressed), good, true},
		{"another nonce", "nonce-2", hex.EncodeToString(compressed), good, false},
		{"another key's signature", "nonce-1", hex.EncodeToString(compressed), sign(other, "nonce-1"), false},
		{"off the curve", "nonce-1", hex.EncodeToString(offCurve), good, false},
		{"compressed x off the curve", "nonce-1", "02" + strings.Repeat("ff", 32), good, false},
		{"short signature", "nonce-1", hex.EncodeToString(compressed), good[:126], false},
		{"not hex", "nonce-1", "zz" + hex.EncodeToString(compressed)[2:], good, false},
	} {
		d, err := DeviceProofFromHeaders(c.nonce, c.pub, c.sig)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := d.Verify(); (err == nil) != c.ok {
			t.Errorf("%s: Verify = %v, want ok %v", c.name, err, c.ok)
		}
	}
	if d, err := DeviceProofFromHeaders("", "", ""); d != nil || err != nil {
		t.Errorf("no headers: %v, %v", d, err)
	}
	if _, err := DeviceProofFromHeaders("nonce-1", hex.EncodeToString(compressed), ""); err == nil {
		t.Error("a proof without its signature")
	}
	if k, err := checkSessionPublicKey(strings.ToUpper(hex.EncodeToString(compressed))); err != nil || k != hex.EncodeToString(compressed) {
		t.Errorf("session key: %q, %v", k, err)
	}
}
