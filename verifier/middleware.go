package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/dynamicauth/dynamicauth/claims"
)

// CookieName is the cookie Dynamic's cookie mode stores the minified JWT in;
// the middleware reads it when there is no Authorization header.
const CookieName = claims.CookieName

type claimsKey struct{}

// ClaimsFrom returns the claims Middleware put in ctx.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// WithClaims returns ctx carrying c, as Middleware does; handy in tests of
// handlers that sit behind the middleware.
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// Middleware lets a request through only with a valid token, and puts its
// claims in the request context (see ClaimsFrom). It answers 401 with
// {"error": "..."} for a missing or bad token, and 503 when the keys or
// revocation status are unavailable.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := tokenFrom(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "missing bearer token")
			return
		}
		claims, err := v.Verify(r.Context(), token)
		if err != nil {
			v.cfg.Logger.DebugContext(r.Context(), "verifier: token refused", "error", err)
			status, msg := rejection(err)
			writeError(w, status, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), claims)))
	})
}

// tokenFrom reads the bearer token; the cookie counts only when there is
// no Authorization header at all, so a bad header is never papered over.
func tokenFrom(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
	}
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// rejection maps an error to a status and a message that tells the client
// what to do (refresh, sign in again) without explaining the forgery.
func rejection(err error) (int, string) {
	switch {
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, "token verification unavailable"
	case errors.Is(err, ErrExpired):
		return http.StatusUnauthorized, "token expired"
	case errors.Is(err, ErrRevoked):
		return http.StatusUnauthorized, "session revoked"
	case errors.Is(err, ErrMissingScope):
		return http.StatusUnauthorized, "insufficient scope"
	default:
		return http.StatusUnauthorized, "invalid token"
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
