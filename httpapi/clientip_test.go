package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	s := &Server{trustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	cases := []struct {
		name, peer, xff, want string
	}{
		{"untrusted peer: its forwarded header is ignored", "203.0.113.9:4000", "1.2.3.4", "203.0.113.9"},
		{"trusted proxy names the client", "10.0.0.1:4000", "1.2.3.4", "1.2.3.4"},
		{"a client-sent entry left of the real one is ignored", "10.0.0.1:4000", "6.6.6.6, 1.2.3.4", "1.2.3.4"},
		{"chained trusted proxies are skipped", "10.0.0.1:4000", "1.2.3.4, 10.0.0.2", "1.2.3.4"},
		{"only proxies: the farthest one", "10.0.0.1:4000", "10.0.0.3", "10.0.0.3"},
		{"a broken last entry stops at the peer", "10.0.0.1:4000", "1.2.3.4, garbage", "10.0.0.1"},
		{"no header: the proxy itself", "10.0.0.1:4000", "", "10.0.0.1"},
		{"IPv6 peer", "[2001:db8::1]:4000", "1.2.3.4", "2001:db8::1"},
		// Some proxies (Azure Application Gateway, IIS ARR) append the
		// client's port: the entry still names the client.
		{"an entry with a port", "10.0.0.1:4000", "1.2.3.4:5678", "1.2.3.4"},
		{"an IPv6 entry with a port", "10.0.0.1:4000", "[2001:db8::2]:443", "2001:db8::2"},
		{"a proxy's entry with a port is skipped", "10.0.0.1:4000", "1.2.3.4, 10.0.0.2:80", "1.2.3.4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if got := s.clientIP(r); got != c.want {
				t.Fatalf("clientIP = %s, want %s", got, c.want)
			}
		})
	}
	if got := (&Server{}).clientIP(httptest.NewRequest("GET", "/", nil)); got != "192.0.2.1" {
		t.Fatalf("default peer %s", got) // httptest's RemoteAddr
	}
}
