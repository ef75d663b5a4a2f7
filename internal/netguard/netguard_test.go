package netguard

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true,
		"127.0.0.1": false, "127.9.9.9": false, "::1": false, "0.0.0.0": false, "::": false,
		"10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "fd00::1": false,
		"169.254.169.254": false, "fe80::1": false, "100.64.0.1": false, "224.0.0.1": false,
		"255.255.255.255": false, "::ffff:127.0.0.1": false, "::ffff:169.254.169.254": false,
		"64:ff9b::7f00:1": false, "198.18.0.1": false, "240.0.0.1": false,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/dynamic", false, true},
		{"http://hooks.example.com:8080/x", false, true},
		{"http://127.0.0.1:9000/x", false, false},
		{"http://127.0.0.1:9000/x", true, true},
		{"http://localhost/x", false, false},
		{"http://api.localhost./x", false, false},
		{"http://[::1]/x", false, false},
		{"http://169.254.169.254/latest/meta-data", false, false},
		{"http://10.1.2.3/", false, false},
		{"ftp://hooks.example.com/", true, false},
		{"hooks.example.com/x", true, false},
		{"https://user:pw@hooks.example.com/", true, false},
		{"https:///nohost", true, false},
		{"https://hooks.example.com/" + strings.Repeat("a", 2100), true, false},
	} {
		if err := CheckURL(c.url, c.allowPrivate); (err == nil) != c.ok {
			t.Errorf("CheckURL(%q, %v) = %v, want ok %v", c.url, c.allowPrivate, err, c.ok)
		}
	}
}

// TestKeepAlives: a client asked for keep-alives reuses its connection;
// without, each request dials (and is checked) afresh.
func TestKeepAlives(t *testing.T) {
	for _, keep := range []bool{true, false} {
		var dials atomic.Int32
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				dials.Add(1)
			}
		}
		srv.Start()
		c := NewClient(ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true, KeepAlives: keep})
		for range 3 {
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		srv.Close()
		if want := map[bool]int32{true: 1, false: 3}[keep]; dials.Load() != want {
			t.Errorf("KeepAlives %v: %d connections for 3 requests, want %d", keep, dials.Load(), want)
		}
	}
}

// TestResponseBodyBounded: a body of MaxResponseBytes reads whole; one
// byte more fails with ErrResponseTooLarge, whatever length it announced.
func TestResponseBodyBounded(t *testing.T) {
	const limit = 1 << 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := limit
		if r.URL.Path == "/over" {
			n++
		}
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	}))
	defer srv.Close()
	c := NewClient(ClientOptions{AllowPrivate: true, MaxResponseBytes: limit})
	for path, wantErr := range map[string]bool{"/at": false, "/over": true} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if wantErr {
			if !errors.Is(err, ErrResponseTooLarge) || len(b) != limit {
				t.Errorf("%s: read %d bytes, %v; want %d and ErrResponseTooLarge", path, len(b), err, limit)
			}
		} else if err != nil || len(b) != limit {
			t.Errorf("%s: read %d bytes, %v; want all %d", path, len(b), err, limit)
		}
	}
}
