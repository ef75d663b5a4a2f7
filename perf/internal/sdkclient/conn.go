package sdkclient

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sender sends one request (body, if not nil, as JSON) and returns the
// answer's body; any status but 200 is an error carrying its start.
type Sender interface {
	Send(ctx context.Context, method, url string, header http.Header, body []byte) ([]byte, error)
}

// HTTP is a Sender over an http.Client.
type HTTP struct{ Client *http.Client }

func (h HTTP) Send(ctx context.Context, method, url string, header http.Header, body []byte) ([]byte, error) {
	return send(ctx, h.Client, method, url, header, body)
}

// Conn is a Sender of one load generator worker: one keep-alive HTTP/1.1
// connection it writes requests to and reads answers from itself, one at
// a time. http.Transport hands each request and answer between the
// caller's goroutine and the connection's reader and writer goroutines;
// on a machine whose cores the server shares, those wake-ups are CPU the
// measured server does not get. The answers are read by net/http's own
// parser (lengths, chunks, Connection: close).
type Conn struct {
	host string // host:port of the server
	conn net.Conn
	br   *bufio.Reader
	req  bytes.Buffer
}

// NewConn is a Conn to the server at base ("http://host:port/...");
// it connects at its first request.
func NewConn(base string) (*Conn, error) {
	rest, ok := strings.CutPrefix(base, "http://")
	if !ok {
		return nil, fmt.Errorf("sdkclient: %q is not an http:// URL", base)
	}
	host, _, _ := strings.Cut(rest, "/")
	return &Conn{host: host}, nil
}

// timeout bounds one exchange, as the generators' http.Client does.
const timeout = 30 * time.Second

func (c *Conn) Send(ctx context.Context, method, url string, header http.Header, body []byte) ([]byte, error) {
	path, ok := strings.CutPrefix(url, "http://"+c.host)
	if !ok {
		return nil, fmt.Errorf("sdkclient: %s is not on %s", url, c.host)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, status, err := c.exchange(method, path, header, body)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %.300s", method, url, status, b)
	}
	return b, nil
}

func (c *Conn) exchange(method, path string, header http.Header, body []byte) ([]byte, int, error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.host, timeout)
		if err != nil {
			return nil, 0, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 8<<10)
	}
	if err := c.conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, 0, err
	}
	c.req.Reset()
	c.req.WriteString(method + " " + path + " HTTP/1.1\r\nHost: " + c.host + "\r\n")
	for k, vs := range header {
		for _, v := range vs {
			c.req.WriteString(k + ": " + v + "\r\n")
		}
	}
	if body != nil {
		c.req.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	c.req.WriteString("\r\n")
	c.req.Write(body)
	if _, err := c.conn.Write(c.req.Bytes()); err != nil {
		return nil, 0, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && resp.Close {
		c.Close() // the server ends the connection: the next request dials again
	}
	return b, resp.StatusCode, err
}

// Close closes the connection, if open.
func (c *Conn) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}
