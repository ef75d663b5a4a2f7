// Package mailpittest runs a real SMTP server, Mailpit
// (github.com/axllent/mailpit), for tests: on free loopback ports, with
// STARTTLS or implicit TLS under a certificate the test generates, and
// optional SMTP auth, and reads what it received through its HTTP API.
//
// Mailpit is run as a program, not embedded: its SMTP server is in an
// internal package, and its one exported entry point (cmd.Execute) reads
// os.Args, never returns and exits the process on error. It is pinned in
// the separate module internal/tools (so its dependencies stay out of the
// library's go.mod) and built once into Go's build cache by
// `go tool -n mailpit`, which prints the cached binary's path.
package mailpittest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TLS modes of the SMTP listener.
const (
	STARTTLS    = "starttls"     // STARTTLS required before mail (and auth)
	ImplicitTLS = "implicit-tls" // TLS from the first byte (smtps)
)

// Options configure a Mailpit.
type Options struct {
	TLS      string // STARTTLS (default) or ImplicitTLS
	User     string // with Password: SMTP auth required
	Password string
}

// Mailpit is a running server.
type Mailpit struct {
	SMTPAddr string         // host:port of the SMTP listener
	APIURL   string         // base URL of the HTTP API
	RootCAs  *x509.CertPool // trusts the server's certificate
	User     string
	Password string
	TLS      string
}

// SMTPURL is the --smtp-url that reaches this server with its credentials.
func (m *Mailpit) SMTPURL() string {
	u := url.URL{Scheme: "smtp", Host: m.SMTPAddr}
	if m.TLS == ImplicitTLS {
		u.Scheme = "smtps"
	}
	if m.User != "" {
		u.User = url.UserPassword(m.User, m.Password)
	}
	return u.String()
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// Binary builds (once per test binary; Go's build cache keeps it across
// runs) and returns the path of the Mailpit executable.
func Binary() (string, error) {
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		dir := filepath.Join(filepath.Dir(file), "..", "..", "internal", "tools")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "tool", "-n", "mailpit")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				err = fmt.Errorf("%w: %s", err, ee.Stderr)
			}
			buildErr = fmt.Errorf("build mailpit in %s: %w", dir, err)
			return
		}
		binary = strings.TrimSpace(string(out))
	})
	return binary, buildErr
}

// Start runs a Mailpit for the test; it is stopped when the test ends.
func Start(t testing.TB, o Options) *Mailpit {
	t.Helper()
	if o.TLS == "" {
		o.TLS = STARTTLS
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pool, certFile, keyFile := writeCert(t, dir)
	smtpAddr, httpAddr := freeAddr(t), freeAddr(t)
	args := []string{"--smtp", smtpAddr, "--listen", httpAddr, "--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--disable-version-check", "--quiet"}
	switch o.TLS {
	case STARTTLS:
		args = append(args, "--smtp-require-starttls")
	case ImplicitTLS:
		args = append(args, "--smtp-require-tls")
	default:
		t.Fatalf("mailpittest: unknown TLS mode %q", o.TLS)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "MP_SMTP_AUTH=")
	if o.User != "" {
		cmd.Env = append(cmd.Env, "MP_SMTP_AUTH="+o.User+":"+o.Password)
	}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &syncWriter{w: &logs}, &syncWriter{w: &logs}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	m := &Mailpit{SMTPAddr: smtpAddr, APIURL: "http://" + httpAddr, RootCAs: pool, User: o.User, Password: o.Password, TLS: o.TLS}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(m.APIURL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", smtpAddr, time.Second); err == nil {
					c.Close()
					return m
				}
			}
		}
		select {
		case <-exited:
			t.Fatalf("mailpit exited: %s", logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit not ready after 30s: %s", logs.String())
		}
	}
}

// Address is a mailbox as the API shows it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is one received message as GET /api/v1/message/{id} shows it.
type Message struct {
	ID      string    `json:"ID"`
	From    Address   `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	Text    string    `json:"Text"`
	HTML    string    `json:"HTML"`
}

// Messages returns every received message, newest first, in full.
func (m *Mailpit) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct {
		Messages []struct {
			ID string `json:"ID"`
		} `json:"messages"`
	}
	m.get(t, "/api/v1/messages", &list)
	out := make([]Message, 0, len(list.Messages))
	for _, s := range list.Messages {
		var msg Message
		m.get(t, "/api/v1/message/"+url.PathEscape(s.ID), &msg)
		out = append(out, msg)
	}
	return out
}

// WaitForMessageTo returns the newest message to addr, waiting a little
// for Mailpit to store it.
func (m *Mailpit) WaitForMessageTo(t testing.TB, addr string) Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, msg := range m.Messages(t) {
			for _, to := range msg.To {
				if strings.EqualFold(to.Address, addr) {
					return msg
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message to %s reached mailpit", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	res, err := http.Get(m.APIURL + path)
	if err != nil {
		t.Fatalf("mailpit API %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit API %s: %s", path, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("mailpit API %s: %v", path, err)
	}
}

// writeCert generates a self-signed certificate for 127.0.0.1 and
// localhost, writes it and its key, and returns a pool trusting it.
func writeCert(t testing.TB, dir string) (*x509.CertPool, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "mailpittest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool, certFile, keyFile
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
