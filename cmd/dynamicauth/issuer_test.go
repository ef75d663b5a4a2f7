package main

import "testing"

func TestHostOfAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "127.0.0.1:8080",
		":8080":          "localhost:8080",
		"0.0.0.0:9000":   "localhost:9000",
		"[::]:9000":      "localhost:9000",
		"auth.local:443": "auth.local:443",
		"[::1]:8080":     "[::1]:8080",
	} {
		if got := hostOfAddr(addr); got != want {
			t.Errorf("hostOfAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}
