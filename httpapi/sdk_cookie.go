package httpapi

import (
	"context"
	"net"
	"net/http"
	"strings"

	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/dynamicauth/dynamicauth/claims"
	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Dynamic's cookie mode (security.auth.storage has "cookie"): the SDK
// routes hand the minified JWT to the browser in an HttpOnly cookie and
// leave jwt and minifiedJwt out of their answers, and the SDK, which then
// holds no token, sends its requests with credentials: the cookie.

// sessionCookie is the cookie's name: the one Dynamic's SDKs write and
// read, and verifier.Middleware reads in an application's backend.
const sessionCookie = claims.CookieName

// errCookieOrigin refuses a cookie-authenticated request from a page the
// environment does not allow: the browser attaches the cookie to any
// request for this host, a forged one from another site included.
var errCookieOrigin = errs.Forbidden("a request authenticated by the session cookie must come from an allowed origin of the environment (Origin header)")

// cookieSession authenticates r by the session cookie, when it carries
// one, for envID. A request that may change something must name an
// allowed Origin; a GET may also come without one from the same origin
// (see originlessAllowed), and the browser shows no other origin its
// answer (CORS). A cookie that no longer authenticates (revoked
// elsewhere, expired, tampered) is cleared on w; a request refused for
// its origin clears nothing, so a page of another site cannot sign the
// user out.
func (s *Server) cookieSession(w http.ResponseWriter, r *http.Request, envID string) (*signin.Current, bool, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, nil
	}
	origin := r.Header.Get("Origin")
	if origin == "" && !originlessAllowed(r) {
		return nil, true, errCookieOrigin
	}
	if origin != "" {
		ok, err := s.originAllowed(r.Context(), envID, origin)
		if err != nil {
			return nil, true, err
		}
		if !ok {
			return nil, true, errCookieOrigin
		}
	}
	cur, err := s.signin.AuthenticateCookie(r.Context(), envID, c.Value)
	if errs.Is(err, errs.KindUnauthorized) && err != signin.ErrCookieNotUsed {
		s.clearSessionCookie(w, r)
	}
	return cur, true, err
}

// originlessAllowed tells whether r, cookie-authenticated without an
// Origin header, may go on: only a GET or HEAD, and not one the browser's
// fetch metadata says another origin started. A page's fetch to another
// origin always names its Origin, so a GET without one is the page's own
// (same-origin), the address bar (none), or a backend forwarding the
// cookie (no metadata); a link, GET form or image on another site or a
// sibling subdomain (cross-site, same-site) arrives with the Lax cookie
// and no Origin, and a GET may still change something (a TOTP secret
// made, recovery codes shown once).
func originlessAllowed(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// originAllowed reports whether a page at origin may call envID's SDK
// routes: one of its origins (or, when it lists none, a sandbox's
// localhost), or https on one of its active custom hostnames.
func (s *Server) originAllowed(ctx context.Context, envID, origin string) (bool, error) {
	if !tenant.ValidID(envID) {
		return false, nil
	}
	ok, err := s.tenants.OriginAllowed(ctx, envID, origin)
	if err == nil && !ok && s.envconfig != nil {
		ok, err = s.envconfig.OriginActive(ctx, envID, origin)
	}
	return ok, err
}

// verifyResponse is res as an SDK route answers it. In cookie mode it
// sets the session cookie on w and leaves the tokens out of the body.
func (s *Server) verifyResponse(w http.ResponseWriter, r *http.Request, res *signin.Result) wireVerifyResponse {
	out := toVerifyResponse(res)
	if !res.Cookie {
		return out
	}
	if res.DeviceCookie != "" {
		http.SetCookie(w, deviceCookie(res.DeviceCookie, schemeOf(r.Host) == "https", s.cookieDomain(r)))
	}
	http.SetCookie(w, session.NewCookie(res.Tokens.MinifiedJWT, time.Unix(res.Tokens.ExpiresAt, 0), schemeOf(r.Host) == "https",
		s.cookieDomain(r)))
	out.JWT, out.MinifiedJWT = "", ""
	return out
}

// deviceCookie identifies the browser for device registration in cookie
// mode: HttpOnly, like the session cookie, and kept for 400 days (the
// longest browsers allow) so that a registered browser stays known.
func deviceCookie(secret string, secure bool, domain string) *http.Cookie {
	return &http.Cookie{Name: devices.CookieName, Value: secret, Path: "/", Domain: domain, MaxAge: 400 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure}
}

// clearSessionCookie tells the browser to drop the session cookie (after
// a revoke: the SDK cannot, the cookie being HttpOnly).
func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, session.ClearedCookie(schemeOf(r.Host) == "https", s.cookieDomain(r)))
}

// cookieDomain scopes the session cookie: on an active custom hostname of
// the environment, its parent domain (auth.example.com: example.com), so
// the application's pages and backend on that domain receive it, as with
// Dynamic's custom hostnames for cookies; else the host alone (""). A
// parent that is a public suffix (shop.co.uk's co.uk, myapp.github.io's
// github.io) is no domain to share: browsers refuse the cookie, so the
// host keeps it alone.
func (s *Server) cookieDomain(r *http.Request) string {
	iss := s.issuerHost(r)
	if iss == s.publicHost || s.issuerHosts[iss] {
		return ""
	}
	_, parent, ok := strings.Cut(hostOnly(iss), ".")
	if !ok {
		return ""
	}
	if site, err := publicsuffix.EffectiveTLDPlusOne(parent); err != nil || len(site) > len(parent) {
		return ""
	}
	return parent
}

// schemeOf is how browsers reach host (a Host header): http on a local
// host (development), https anywhere else.
func schemeOf(host string) string {
	if tenant.IsLocalHost(hostOnly(host)) {
		return "http"
	}
	return "https"
}

// hostOnly is host without its port.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
