package sdkclient

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestConn: a Conn reads answers of a known length, chunked ones and
// those that close the connection (dialling again for the next), sends
// the header and the body, and turns any status but 200 into an error.
func TestConn(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "5")
			io.WriteString(w, "hello")
		case "/chunked":
			w.(http.Flusher).Flush() // headers out before the length is known: chunked
			io.WriteString(w, strings.Repeat("x", 10_000))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			io.WriteString(w, r.Method+" "+r.Header.Get("Origin")+" "+r.Header.Get("Content-Type")+" "+string(b))
		default:
			http.Error(w, "no such thing", http.StatusNotFound)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c, err := NewConn(srv.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct {
		path, want string
		body       []byte
		conns      int32 // connections made so far
	}{
		{"/length", "hello", nil, 1},
		{"/chunked", strings.Repeat("x", 10_000), nil, 1},
		{"/close", "bye", nil, 1},
		{"/length", "hello", nil, 2},
		{"/echo", `POST http://localhost:3000 application/json {"a":1}`, []byte(`{"a":1}`), 2},
	} {
		method := http.MethodGet
		if tc.body != nil {
			method = http.MethodPost
		}
		b, err := c.Send(t.Context(), method, srv.URL+tc.path, http.Header{"Origin": {Origin}}, tc.body)
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if string(b) != tc.want {
			t.Errorf("%s: %.80q, want %.80q", tc.path, b, tc.want)
		}
		if n := conns.Load(); n != tc.conns {
			t.Errorf("after %s: %d connections, want %d", tc.path, n, tc.conns)
		}
	}
	if _, err := c.Send(t.Context(), http.MethodGet, srv.URL+"/missing", nil, nil); err == nil || !strings.Contains(err.Error(), "404 no such thing") {
		t.Errorf("404: %v", err)
	}
	if _, err := c.Send(t.Context(), http.MethodGet, "http://elsewhere/x", nil, nil); err == nil {
		t.Error("a URL on another host was sent")
	}
}
