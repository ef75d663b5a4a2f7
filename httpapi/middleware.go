package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxPrincipal
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

// validRequestID accepts a caller's id only if it is short and plain, so it
// is safe to log and echo.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusWriter remembers the status for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

// withRequestContext assigns a request id, recovers panics, and logs one
// line per request.
func (s *Server) withRequestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		var endSpan func(string, int)
		if s.tracer != nil {
			var ctx context.Context
			ctx, endSpan = s.tracer.StartRequest(r)
			r = r.WithContext(ctx)
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxRequestID, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(sw, r, errs.Internal("panic", panicError{p}))
			}
			if s.log.Enabled(r.Context(), slog.LevelInfo) { // the attributes cost allocations even when dropped
				attrs := []any{"request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
					"bytes", sw.bytes, "duration_ms", float64(time.Since(start).Microseconds()) / 1000, "remote", r.RemoteAddr}
				if sdkID := r.Header.Get("X-Dyn-Request-Id"); validRequestID(sdkID) {
					attrs = append(attrs, "sdk_request_id", sdkID)
				}
				s.log.InfoContext(r.Context(), "request", attrs...)
			}
			if status := sw.status; status != 0 {
				s.observe(r, status, time.Since(start), endSpan)
			} else {
				s.observe(r, http.StatusOK, time.Since(start), endSpan)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic: " + strings.TrimSpace(fmtAny(p.v)) }

func fmtAny(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case string:
		return x
	default:
		return "unexpected value"
	}
}

// admin wraps an admin route: it needs a valid "Bearer dyn_…" token.
func (s *Server) admin(h func(http.ResponseWriter, *http.Request, *tenant.Principal) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		raw, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || raw == "" {
			s.writeError(w, r, errs.Unauthorized("missing API token: send Authorization: Bearer dyn_…"))
			return
		}
		p, err := s.tenants.Authenticate(r.Context(), strings.TrimSpace(raw))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := h(w, r, p); err != nil {
			s.writeError(w, r, err)
		}
	}
}

// public wraps a route that needs no credentials.
func (s *Server) public(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}
