package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
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

// The guard works on the dialled address, so a name that resolves to
// loopback (as "localhost" does here, and as a rebinding DNS name would)
// is refused at connection time, not only literal IPs at creation.
func TestClientRefusesNonPublicAfterResolution(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	s := &Sender{Client: NewClient(ClientOptions{Timeout: 2 * time.Second})}
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		res := s.Send(context.Background(), u, "secret", []byte(`{}`))
		if res.OK() || !errors.Is(res.Err, ErrForbiddenAddress) {
			t.Errorf("%s: result %+v, want a refused address", u, res)
		}
	}
	if hits != 0 {
		t.Fatalf("the receiver was reached %d times", hits)
	}
	allowed := &Sender{Client: NewClient(ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true})}
	if res := allowed.Send(context.Background(), srv.URL, "secret", []byte(`{}`)); !res.OK() {
		t.Fatalf("with AllowPrivate: %+v", res)
	}
}

// A redirect is a failed attempt: following it would let a public endpoint
// bounce the request to an internal address.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	followed := false
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed = true }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s := &Sender{Client: NewClient(ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true})}
	res := s.Send(context.Background(), srv.URL, "secret", []byte(`{}`))
	if res.OK() || res.Status != http.StatusTemporaryRedirect || followed {
		t.Fatalf("result %+v, followed %v; want a failed 307 attempt", res, followed)
	}
}

func TestSenderTimeoutAndExcerpt(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	s := &Sender{Client: NewClient(ClientOptions{Timeout: 200 * time.Millisecond, AllowPrivate: true})}
	if res := s.Send(context.Background(), slow.URL, "k", []byte(`{}`)); res.OK() || res.Err == nil {
		t.Fatalf("slow endpoint: %+v, want a timeout", res)
	}
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte(strings.Repeat("é", 4000)))
	}))
	defer big.Close()
	res := s.Send(context.Background(), big.URL, "k", []byte(`{}`))
	if res.OK() || res.Status != http.StatusBadGateway || len(res.Body) > ResponseExcerpt+3 || !strings.HasPrefix(res.Body, "éé") {
		t.Fatalf("502 with a big body: status %d, excerpt %d bytes", res.Status, len(res.Body))
	}
}
