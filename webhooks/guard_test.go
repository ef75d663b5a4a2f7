package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/internal/netguard"
)

// The guard works on the dialled address, so a name that resolves to
// loopback (as "localhost" does here, and as a rebinding DNS name would)
// is refused at connection time, not only literal IPs at creation.
func TestClientRefusesNonPublicAfterResolution(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	s := &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: 2 * time.Second})}
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		res := s.Send(context.Background(), u, "secret", []byte(`{}`))
		if res.OK() || !errors.Is(res.Err, netguard.ErrForbiddenAddress) {
			t.Errorf("%s: result %+v, want a refused address", u, res)
		}
	}
	if hits != 0 {
		t.Fatalf("the receiver was reached %d times", hits)
	}
	allowed := &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true})}
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
	s := &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true})}
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
	s := &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: 200 * time.Millisecond, AllowPrivate: true})}
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

// A receiver's answer is kept in the delivery log, a text column both
// stores refuse U+0000 in (and, in a JSON value, the \u0000 escape): an
// excerpt holding either made Record fail, so River ran the job again and
// the endpoint got the message again and again, never logged.
func TestExcerptIsStorableText(t *testing.T) {
	for name, body := range map[string]string{
		"nul byte":    "ok\x00binary\x00",
		"json escape": `{"error":"\u0000"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(body))
		}))
		s := &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true})}
		res := s.Send(context.Background(), srv.URL, "k", []byte(`{}`))
		srv.Close()
		if !res.OK() {
			t.Fatalf("%s: %+v", name, res)
		}
		if strings.IndexByte(res.Body, 0) >= 0 || strings.Contains(res.Body, `\u0000`) {
			t.Errorf("%s: excerpt %q holds what the stores refuse", name, res.Body)
		}
	}
}
