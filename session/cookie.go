package session

import (
	"net/http"
	"time"

	"github.com/dynamicauth/dynamicauth/claims"
)

// NewCookie is the cookie that carries a session's minified JWT in cookie
// mode (security.auth.storage: cookie): HttpOnly, so script never sees
// the token; SameSite=Lax and Path=/, so the application's own pages and
// backend on the site receive it and other sites' requests do not;
// expiring with the token. domain "" keeps it to the host that set it;
// secure is false only for plain http in development.
func NewCookie(token string, expires time.Time, secure bool, domain string) *http.Cookie {
	return &http.Cookie{Name: claims.CookieName, Value: token, Path: "/", Domain: domain, Expires: expires,
		MaxAge: max(int(time.Until(expires).Seconds()), 1), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure}
}

// ClearedCookie tells a browser to drop the cookie NewCookie set with the
// same secure and domain.
func ClearedCookie(secure bool, domain string) *http.Cookie {
	c := NewCookie("", time.Time{}, secure, domain)
	c.Expires, c.MaxAge = time.Time{}, -1
	return c
}
