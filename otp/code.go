package otp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
)

// CodeDigits is the length of a code (Dynamic's: six digits).
const CodeDigits = 6

var codeSpace = big.NewInt(1_000_000)

// NewCode draws a code uniformly from 000000-999999 (r nil: crypto/rand).
func NewCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	n, err := rand.Int(r, codeSpace)
	if err != nil {
		return "", fmt.Errorf("otp: draw code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// ValidCodeFormat tells whether s is six ASCII digits.
func ValidCodeFormat(s string) bool {
	if len(s) != CodeDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// codeHashes is a code's hash under the current key, then under each
// previous one.
func (s *Service) codeHashes(envID, verificationID, channel, code string) []string {
	out := []string{hashCode(s.d.Key, envID, verificationID, channel, code)}
	for _, k := range s.d.PreviousKeys {
		out = append(out, hashCode(k, envID, verificationID, channel, code))
	}
	return out
}

// hashCode is the stored form of a code: an HMAC bound to the
// environment, the verification and the channel, so a hash copied to
// another row never matches there.
func hashCode(key []byte, envID, verificationID, channel, code string) string {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{envID, verificationID, channel, code} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}
