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
// previous one (stamp as hashCode takes it).
func (s *Service) codeHashes(envID, verificationID, channel, code, stamp string) []string {
	out := []string{hashCode(s.d.Key, envID, verificationID, channel, code, stamp)}
	for _, k := range s.d.PreviousKeys {
		out = append(out, hashCode(k, envID, verificationID, channel, code, stamp))
	}
	return out
}

// hashCode is the stored form of a code: an HMAC bound to the
// environment, the verification and the channel, so a hash copied to
// another row never matches there. A test account's static code is bound
// to the account too (its stamp; "" for every other code): once the
// account is replaced or deleted, verifications asked for under it no
// longer take its code.
func hashCode(key []byte, envID, verificationID, channel, code, stamp string) string {
	m := hmac.New(sha256.New, key)
	parts := []string{envID, verificationID, channel, code}
	if stamp != "" {
		parts = append(parts, stamp)
	}
	for _, part := range parts {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return hex.EncodeToString(m.Sum(nil))
}
