package tenant

import "testing"

func TestIsLocalHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "app.localhost": true, "127.0.0.1": true, "127.0.0.2": true,
		"::1": true, "[::1]": true,
		"": false, "example.com": false, "localhost.example.com": false, "notlocalhost": false, "10.0.0.1": false,
		"[::2]": false, "0.0.0.0": false,
	} {
		if got := IsLocalHost(host); got != want {
			t.Errorf("IsLocalHost(%q) = %v, want %v", host, got, want)
		}
	}
	for origin, want := range map[string]bool{
		"http://localhost:3000": true, "https://[::1]:8443": true, "http://127.0.0.1": true,
		"ftp://localhost": false, "http://example.com": false,
	} {
		if got := isLocalhost(origin); got != want {
			t.Errorf("isLocalhost(%q) = %v, want %v", origin, got, want)
		}
	}
}
