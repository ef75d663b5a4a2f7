// Package mfatest computes TOTP codes for tests independently of the
// server's library (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps), so tests
// check the server against the algorithm rather than against itself.
package mfatest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TOTP is the code of a base32 secret at a time.
func TOTP(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		t.Fatalf("TOTP secret %q: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1_000_000)
}

// margin is how much of the current step Code wants left: more than any
// request of a test takes on a loaded machine.
const margin = 3 * time.Second

// Code is the code of the step steps away from now. It is taken with at
// least margin left in the current step, waiting for the next step when
// less is left, so that a code one step off (the edge of the server's
// skew) or two steps off (past it) is still that far off when the server
// checks it.
func Code(t testing.TB, secret string, steps int) string {
	t.Helper()
	now := time.Now()
	if left := 30*time.Second - time.Duration(now.UnixNano()%int64(30*time.Second)); left < margin {
		time.Sleep(left)
		now = time.Now()
	}
	return TOTP(t, secret, now.Add(time.Duration(steps)*30*time.Second))
}
