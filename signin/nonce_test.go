package signin_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/signin"
)

func TestNonceMinter(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	m := signin.NewNonceMinter(key)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	n, err := m.Issue("env-a", exp)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-7]{48}$`).MatchString(n) || len(n) != signin.NonceLen {
		t.Fatalf("nonce %q is not 48 letters and digits", n)
	}
	if got, ok := signin.NonceExpiry(n); !ok || !got.Equal(exp) {
		t.Fatalf("NonceExpiry = %v %v, want %v", got, ok, exp)
	}
	if err := m.Check("env-a", n, now); err != nil {
		t.Fatalf("fresh nonce refused: %v", err)
	}
	if err := signin.NewNonceMinter(key).Check("env-a", n, now); err != nil {
		t.Fatalf("a replica with the same key refused the nonce: %v", err)
	}
	// After a master-secret rotation: issued under the new key, checked
	// under it and the old one.
	rotated := signin.NewNonceMinter([]byte("the next key, after a rotation.."), key)
	if err := rotated.Check("env-a", n, now); err != nil {
		t.Fatalf("a nonce of the previous key refused: %v", err)
	}
	if err := rotated.Check("env-b", n, now); err == nil {
		t.Fatal("a nonce of the previous key accepted in another environment")
	}
	if fresh, _ := rotated.Issue("env-a", exp); m.Check("env-a", fresh, now) == nil {
		t.Fatal("the rotated minter issued under the previous key")
	}
	other, _ := m.Issue("env-a", exp)
	if other == n {
		t.Fatal("two nonces are equal")
	}

	// Everything but an intact nonce of this key, environment and time is refused.
	flip := func(s string, i int) string {
		c := byte('a')
		if s[i] == 'a' {
			c = 'b'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	forged, _ := signin.NewNonceMinter([]byte("another key, another server.....")).Issue("env-a", exp)
	refused := map[string]struct {
		env, nonce string
		at         time.Time
	}{
		"another environment":        {"env-b", n, now},
		"expired":                    {"env-a", n, exp},
		"tampered random part":       {"env-a", flip(n, 0), now},
		"tampered expiry":            {"env-a", flip(n, 17), now},
		"tampered MAC":               {"env-a", flip(n, 47), now},
		"another key":                {"env-a", forged, now},
		"upper case":                 {"env-a", strings.ToUpper(n), now},
		"truncated":                  {"env-a", n[:47], now},
		"not a nonce":                {"env-a", "a1b2c3d4e5f6a7b8c9d0", now},
		"empty":                      {"env-a", "", now},
		"padded to the right length": {"env-a", n[:40] + "========", now},
	}
	for name, c := range refused {
		if err := m.Check(c.env, c.nonce, c.at); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok := signin.NonceExpiry("a1b2c3d4e5f6a7b8c9d0"); ok {
		t.Error("NonceExpiry read a malformed nonce")
	}
}
