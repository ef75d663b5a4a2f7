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

// TestPublic: every range of IANA's IPv4 and IPv6 special-purpose
// registries not marked globally reachable is refused, as are the
// deprecated site-local and 6to4 relay prefixes; an IPv4 address carried
// inside an IPv6 one (mapped, NAT64, 6to4) is judged as itself.
func TestPublic(t *testing.T) {
	for _, c := range []struct {
		addr string
		want bool
		why  string
	}{
		{"8.8.8.8", true, "public IPv4"},
		{"1.1.1.1", true, "public IPv4"},
		{"2606:4700:4700::1111", true, "public IPv6"},
		{"192.31.196.1", true, "AS112-v4, globally reachable"},
		{"192.0.0.9", true, "PCP anycast, globally reachable"},
		{"192.0.0.10", true, "TURN anycast, globally reachable"},

		{"0.0.0.0", false, "unspecified"},
		{"0.1.2.3", false, "this network 0.0.0.0/8"},
		{"10.0.0.1", false, "private"},
		{"100.64.0.1", false, "shared address space"},
		{"100.127.255.254", false, "shared address space"},
		{"127.0.0.1", false, "loopback"},
		{"127.9.9.9", false, "loopback"},
		{"169.254.169.254", false, "link-local (cloud metadata)"},
		{"172.16.5.4", false, "private"},
		{"192.0.0.1", false, "IETF protocol assignments"},
		{"192.0.0.170", false, "NAT64 discovery"},
		{"192.0.2.1", false, "TEST-NET-1"},
		{"192.88.99.1", false, "6to4 relay anycast (deprecated)"},
		{"192.88.99.2", false, "6a44 relay anycast"},
		{"192.168.1.1", false, "private"},
		{"198.18.0.1", false, "benchmarking"},
		{"198.19.255.255", false, "benchmarking"},
		{"198.51.100.7", false, "TEST-NET-2"},
		{"203.0.113.9", false, "TEST-NET-3"},
		{"224.0.0.1", false, "multicast"},
		{"239.255.255.250", false, "multicast"},
		{"240.0.0.1", false, "reserved"},
		{"255.255.255.255", false, "limited broadcast"},

		{"::", false, "unspecified"},
		{"::1", false, "loopback"},
		{"::7f00:1", false, "IPv4-compatible (deprecated)"},
		{"::808:808", false, "IPv4-compatible (deprecated)"},
		{"::ffff:127.0.0.1", false, "mapped loopback"},
		{"::ffff:169.254.169.254", false, "mapped link-local"},
		{"::ffff:10.0.0.1", false, "mapped private"},
		{"::ffff:8.8.8.8", true, "mapped public"},
		{"::ffff:0:a00:1", false, "IPv4-translated (SIIT) private"},
		{"64:ff9b::7f00:1", false, "NAT64 of loopback"},
		{"64:ff9b::a9fe:a9fe", false, "NAT64 of link-local"},
		{"64:ff9b::c0a8:101", false, "NAT64 of private"},
		{"64:ff9b::808:808", true, "NAT64 of a public address (DNS64 on an IPv6-only host)"},
		{"64:ff9b:1::808:808", false, "local-use NAT64"},
		{"100::1", false, "discard-only"},
		{"100:0:0:1::1", false, "dummy prefix"},
		{"2001::1", false, "Teredo"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false, "Teredo"},
		{"2001:1::1", true, "PCP anycast, globally reachable"},
		{"2001:1::4", false, "IETF protocol assignments"},
		{"2001:2::1", false, "benchmarking"},
		{"2001:3::1", true, "AMT, globally reachable"},
		{"2001:4:112::1", true, "AS112-v6, globally reachable"},
		{"2001:10::1", false, "ORCHID (deprecated)"},
		{"2001:20::1", true, "ORCHIDv2, globally reachable"},
		{"2001:1ff::1", false, "IETF protocol assignments"},
		{"2001:200::1", true, "public, past 2001::/23"},
		{"2001:db8::1", false, "documentation"},
		{"2002:7f00:1::1", false, "6to4 of loopback"},
		{"2002:a00:1::1", false, "6to4 of private"},
		{"2002:c000:201::1", false, "6to4 of documentation"},
		{"2002:808:808::1", true, "6to4 of a public address"},
		{"3fff::1", false, "documentation"},
		{"5f00::1", false, "segment routing SIDs"},
		{"fc00::1", false, "unique local"},
		{"fd00::1", false, "unique local"},
		{"fe80::1", false, "link-local"},
		{"febf::1", false, "link-local"},
		{"fec0::1", false, "site-local (deprecated)"},
		{"feff::1", false, "site-local (deprecated)"},
		{"ff02::1", false, "multicast"},
		{"ff0e::1", false, "global multicast"},
		{"4000::1", false, "unallocated, outside 2000::/3"},
	} {
		if got := Public(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("Public(%s) = %v, want %v (%s)", c.addr, got, c.want, c.why)
		}
	}
	if Public(netip.Addr{}) {
		t.Error("Public(zero Addr) = true")
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
		{"http://[fec0::1]/", false, false},
		{"http://192.88.99.1/", false, false},
		{"http://[64:ff9b::a9fe:a9fe]/latest/meta-data", false, false},
		{"http://[2002:808:808::1]/", false, true},
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
