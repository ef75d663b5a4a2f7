package httpapi

import (
	"context"
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

// Tracer starts a span for each request (the tracing package implements
// it with OpenTelemetry). end is called once the answer is written, with
// the route pattern the mux matched ("" if none) and the status.
type Tracer interface {
	StartRequest(r *http.Request) (ctx context.Context, end func(route string, status int))
}

// signInMethods are the routes that sign a user in, by login method.
var signInMethods = map[string]string{
	"POST " + v0 + "/sdk/{environmentId}/verify":                "wallet",
	"POST " + v0 + "/sdk/{environmentId}/wallets/signin":        "wallet",
	"POST " + v0 + "/sdk/{environmentId}/externalAuth/signin":   "externalAuth",
	"POST " + v0 + "/sdk/{environmentId}/users/passkeys/signin": "passkey",
	"POST " + v0 + "/sdk/{environmentId}/farcaster/signin":      "farcaster",
}

// observe reports a finished request to the observer, if there is one,
// and ends its span, if it has one.
func (s *Server) observe(r *http.Request, status int, d time.Duration, endSpan func(string, int)) {
	if s.obs == nil && endSpan == nil {
		return
	}
	// dispatch's mux set the pattern on this request: matching the route
	// again cost a third lookup per request. A request answered before
	// dispatch (rate limited, a CORS preflight) or by no route has none,
	// and is matched here.
	pattern := r.Pattern
	if pattern == "" {
		_, pattern = s.mux.Handler(r)
	}
	if endSpan != nil {
		endSpan(pattern, status)
	}
	if s.obs == nil {
		return
	}
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
