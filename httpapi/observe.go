package httpapi

import (
	"net/http"
	"time"
)

// Observer receives what the handler does, for metrics. Routes are mux
// patterns ("POST /api/v0/sdk/{environmentId}/verify"), never raw paths,
// so a metrics label set stays bounded; "" means no route matched.
type Observer interface {
	Request(route string, status int, d time.Duration)
	// SignIn is one sign-in attempt: method is wallet, passkey or
	// externalAuth; outcome success, rejected, rate_limited or error.
	SignIn(method, outcome string)
	// RateLimited is one request the per-IP limits refused, by class.
	RateLimited(class string)
}

// signInMethods are the routes that sign a user in, by login method.
var signInMethods = map[string]string{
	"POST " + v0 + "/sdk/{environmentId}/verify":                "wallet",
	"POST " + v0 + "/sdk/{environmentId}/wallets/signin":        "wallet",
	"POST " + v0 + "/sdk/{environmentId}/externalAuth/signin":   "externalAuth",
	"POST " + v0 + "/sdk/{environmentId}/users/passkeys/signin": "passkey",
	"POST " + v0 + "/sdk/{environmentId}/farcaster/signin":      "farcaster",
}

// observe reports a finished request to the observer, if there is one.
func (s *Server) observe(r *http.Request, status int, d time.Duration) {
	if s.obs == nil {
		return
	}
	_, pattern := s.mux.Handler(r)
	s.obs.Request(pattern, status, d)
	if method := signInMethods[pattern]; method != "" {
		s.obs.SignIn(method, outcomeOf(status))
	}
}

func outcomeOf(status int) string {
	switch {
	case status < 400:
		return "success"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	case status < 500:
		return "rejected"
	}
	return "error"
}
