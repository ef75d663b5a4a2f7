package httpapi

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// sdkRouteClass sorts an SDK route (the path after /sdk/{environmentId}/)
// into the rate-limit class it belongs to. Every route that checks a
// code, token or proof a client could guess or replay is "signin"
// (deviceRegistration's emailed token too), the small bucket.
func sdkRouteClass(rest string) string {
	switch {
	case rest == "nonce" || rest == "nonces" || rest == "connect":
		return "nonces"
	case rest == "verify" || strings.HasPrefix(rest, "verify/") || strings.HasPrefix(rest, "wallets/") ||
		rest == "refresh" || strings.Contains(rest, "Verifications/") || strings.HasPrefix(rest, "users/mfa/auth") ||
		strings.HasPrefix(rest, "users/passkeys/signin") || strings.HasPrefix(rest, "providers/") ||
		strings.HasPrefix(rest, "externalAuth/") || strings.HasPrefix(rest, "farcaster/") ||
		strings.HasPrefix(rest, "telegram/") || rest == "checkTelegramAuth" || rest == "deviceRegistration":
		return "signin"
	case rest == "balances" || strings.HasPrefix(rest, "chains/") && strings.HasSuffix(rest, "/balances"):
		return "balances"
	}
	return ""
}

// withRateLimit applies the policy to SDK routes, per client IP.
func (s *Server) withRateLimit(next http.Handler) http.Handler {
	if s.limits.Disabled || s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, v0+"/sdk/"), "/")
		if !strings.HasPrefix(r.URL.Path, v0+"/sdk/") || !ok || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		ip := rateKey(s.clientIP(r))
		rules := map[string]ratelimit.Rule{"sdk": s.limits.SDK}
		switch class := sdkRouteClass(rest); class {
		case "nonces":
			rules[class] = s.limits.Nonces
		case "signin":
			rules[class] = s.limits.SignIn
		case "balances":
			if s.limits.Balances != (ratelimit.Rule{}) {
				rules[class] = s.limits.Balances
			}
		}
		for class, rule := range rules {
			ok, wait, err := s.limiter.Take(r.Context(), class+"|"+ip, rule)
			if err != nil {
				// A limiter outage must not take the API down with it.
				s.log.WarnContext(r.Context(), "rate limiter unavailable; request let through", "err", err)
				continue
			}
			if !ok {
				s.log.InfoContext(r.Context(), "rate limited", "request_id", requestID(r.Context()), "class", class,
					"ip", ip, "retry_after", wait.String())
				if s.obs != nil {
					s.obs.RateLimited(class)
				}
				s.writeLimited(w, r, errs.RateLimited(wait))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rateKey is the bucket key of a client address: an IPv6 client is its
// /64 (one subscriber's allocation, whose addresses it may rotate at
// will); an IPv4 client, or an IPv4-mapped one, is its address.
func rateKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
