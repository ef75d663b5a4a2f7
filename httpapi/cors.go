package httpapi

import (
	"net/http"
	"strings"
)

// allowedRequestHeader reports whether a browser may send header h to the
// SDK routes: the headers Dynamic's SDKs send, and the plain ones.
func allowedRequestHeader(h string) bool {
	h = strings.ToLower(strings.TrimSpace(h))
	switch h {
	case "authorization", "content-type", "accept", "accept-language", "x-request-id", "x-mfa-auth-token":
		return true
	}
	return strings.HasPrefix(h, "x-dyn-") || strings.HasPrefix(h, "x-dynamic-")
}

const corsMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"

// withCORS answers CORS for /api/v0/sdk/{environmentId}/…: an Origin the
// environment allows is echoed with credentials allowed; any other Origin
// gets no CORS headers, so the browser blocks the response.
func (s *Server) withCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		envID, isSDK := sdkEnvironment(r.URL.Path)
		if origin == "" || !isSDK {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		allowed, err := s.originAllowed(r.Context(), envID, origin)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !allowed {
			if preflight {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
		if !preflight {
			next.ServeHTTP(w, r)
			return
		}
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", corsMethods)
		var allowHeaders []string
		for _, hdr := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
			if allowedRequestHeader(hdr) {
				allowHeaders = append(allowHeaders, strings.ToLower(strings.TrimSpace(hdr)))
			}
		}
		if len(allowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(allowHeaders, ", "))
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

// sdkEnvironment extracts the environment id of an SDK route.
func sdkEnvironment(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/v0/sdk/")
	if !ok {
		return "", false
	}
	envID, _, _ := strings.Cut(rest, "/")
	return envID, true
}
