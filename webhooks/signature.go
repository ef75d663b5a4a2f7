package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// SignatureHeader carries the body's HMAC, as Dynamic (and GitHub) send it.
const SignatureHeader = "x-dynamic-signature-256"

const signaturePrefix = "sha256="

// Sign returns the header value for body: "sha256=" and the hex of
// HMAC-SHA256(secret, body). Sign the exact bytes you send: re-encoding
// JSON changes them.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}

// Verify tells whether header is the signature of body under secret,
// comparing in constant time. Receivers (and our tests) use it.
func Verify(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(strings.TrimSpace(header), signaturePrefix)
	if !ok {
		return false
	}
	sum, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(sum, m.Sum(nil))
}

// NewSecret returns a fresh webhook secret: 32 random bytes, hex encoded.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
