package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// secretsSeen is every secret value a test was given or sent, by what it
// is, to look for in the server's log afterwards.
type secretsSeen map[string]string

// add records v; a JWT's signature is recorded on its own too, since a
// log line that cut the token would still carry it.
func (s secretsSeen) add(t *testing.T, what, v string) {
	t.Helper()
	if v == "" {
		t.Fatalf("secret %s is empty", what)
	}
	s.name(v, what)
	if parts := strings.Split(v, "."); len(parts) == 3 && strings.HasPrefix(v, "eyJ") {
		s.name(parts[2], what+" (its signature)")
	}
}

// name records v as what, beside any name it had (the code the provider
// gives is the one the application gets back).
func (s secretsSeen) name(v, what string) {
	if before, ok := s[v]; ok && before != what {
		what = before + " = " + what
	}
	s[v] = what
}

// leaks names the secrets found in logs. A short one (a six-digit code)
// counts only as a word of its own, so that it is not found inside a
// request id or a duration by chance.
func (s secretsSeen) leaks(logs string) []string {
	var found []string
	for v, what := range s {
		hit := strings.Contains(logs, v)
		if len(v) < 12 {
			hit = regexp.MustCompile(`(^|[^0-9A-Za-z])` + regexp.QuoteMeta(v) + `($|[^0-9A-Za-z])`).MatchString(logs)
		}
		if hit {
			found = append(found, what+" "+v)
		}
	}
	return found
}

// echoingRefusal is an email API that refuses every message with the
// request it was sent as its answer, as a proxy's error page may.
type echoingRefusal struct {
	srv  *httptest.Server
	mu   sync.Mutex
	last []byte
}

func startEchoingRefusal(t *testing.T) *echoingRefusal {
	e := &echoingRefusal{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.last = b
		e.mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(b)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// code is the six-digit code of the last message refused.
func (e *echoingRefusal) code(t *testing.T) string {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	c := regexp.MustCompile(`\b[0-9]{6}\b`).Find(e.last)
	if c == nil {
		t.Fatalf("no code in the refused message: %s", e.last)
	}
	return string(c)
}
