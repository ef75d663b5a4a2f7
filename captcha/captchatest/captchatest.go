// Package captchatest is a captcha provider's siteverify endpoint for
// tests, answering as hCaptcha's and Turnstile's do: it knows one secret,
// accepts the tokens it was told to, each once, and records what it was
// asked.
package captchatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Call is one siteverify request.
type Call struct{ Secret, Response, RemoteIP string }

// Provider is a running siteverify endpoint.
type Provider struct {
	URL    string
	secret string

	mu     sync.Mutex
	tokens map[string]bool // issued and not yet used
	calls  []Call
	down   bool
}

// New starts a provider knowing secret; it stops with the test.
func New(t testing.TB, secret string) *Provider {
	p := &Provider{secret: secret, tokens: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL + "/siteverify"
	return p
}

// Issue makes token one the provider accepts, once: a solved captcha.
func (p *Provider) Issue(token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokens[token] = true
}

// SetDown makes the provider answer 503 (true) or serve again (false).
func (p *Provider) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

// Calls are the requests so far.
func (p *Provider) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	c := Call{Secret: r.PostForm.Get("secret"), Response: r.PostForm.Get("response"), RemoteIP: r.PostForm.Get("remoteip")}
	p.mu.Lock()
	p.calls = append(p.calls, c)
	down := p.down
	ok := c.Secret == p.secret && p.tokens[c.Response]
	if ok {
		delete(p.tokens, c.Response)
	}
	p.mu.Unlock()
	if down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	out := map[string]any{"success": ok}
	if !ok {
		out["error-codes"] = []string{"invalid-input-response"}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}
