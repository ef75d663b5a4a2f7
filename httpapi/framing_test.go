package httpapi_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestContentLengthWithTransferEncodingCloses: a request carrying both
// Content-Length and Transfer-Encoding is how a request is smuggled past a
// proxy that reads the other header (RFC 9112 §6.1). The server must close
// the connection after it, so whatever follows on the connection is never
// read as a request of its own.
func TestContentLengthWithTransferEncodingCloses(t *testing.T) {
	h := newHarness(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	smuggled := "GET " + v0 + "/sdk/" + h.ids.EnvironmentID + "/nonce HTTP/1.1\r\nHost: x\r\n\r\n"
	body := "0\r\n\r\n" + smuggled
	req := "POST " + v0 + "/sdk/" + h.ids.EnvironmentID + "/connect HTTP/1.1\r\nHost: x\r\n" +
		"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("first response: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if !res.Close {
		t.Errorf("response to a Content-Length + Transfer-Encoding request does not close the connection (status %d, Connection %q)",
			res.StatusCode, res.Header.Get("Connection"))
	}
	if second, err := http.ReadResponse(br, nil); err == nil {
		t.Errorf("the smuggled request was answered: %d", second.StatusCode)
	}
}

// TestNosniffOnEveryResponse: browsers must not guess a response's type.
func TestNosniffOnEveryResponse(t *testing.T) {
	h := newHarness(t)
	for _, rq := range []request{
		{method: "GET", path: "/healthz"},
		{method: "GET", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/settings"},
		{method: "GET", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/.well-known/jwks"},
		{method: "GET", path: v0 + "/organizations", token: h.token},
		{method: "GET", path: v0 + "/organizations"},                                       // 401
		{method: "GET", path: v0 + "/no/such/route"},                                       // 404
		{method: "POST", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/connect", body: "{"}, // 400
	} {
		r := h.send(t, rq)
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s -> %d: X-Content-Type-Options %q, want nosniff", rq.method, rq.path, r.status, got)
		}
	}
}
