package httpapi

import (
	"errors"
	"html"
	"net/http"
	"strings"
)

// The pages of a social login's browser routes: where a browser, not the
// SDK's code, reads the answer (the provider's redirect, Apple's form
// post, the generic callback, authorizeHtml, login, Telegram's login
// page). A refusal there
// that cannot send the browser back to the application (no usable state
// names its page) is a page saying what happened and to start again,
// not a JSON body the browser would show raw. Every word on it is fixed
// here: nothing the request or the provider sent is shown.

// browser wraps a public route a browser navigates to: its refusals are
// pages when the client reads HTML (a browser's navigation, and Apple's
// form post, name text/html in Accept); any other client (an API
// client, one naming application/json or nothing) keeps the contract's
// JSON error body, which the contract gives these routes too.
// Routes register it with routeTable.Browser, which the rate limit reads.
func (s *Server) browser(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeBrowserError(w, r, err)
		}
	}
}

// writeBrowserError answers a refusal of a browser route: a page for a
// client that reads HTML, the contract's JSON body for any other.
func (s *Server) writeBrowserError(w http.ResponseWriter, r *http.Request, err error) {
	if !readsHTML(r) {
		s.writeError(w, r, err)
		return
	}
	s.writeErrorPage(w, r, err)
}

// writeLimited answers a request the rate limit holds back, before any
// route ran, as its route answers its other refusals: a browser route's
// (routeTable.Browser) as a page when the client reads HTML.
func (s *Server) writeLimited(w http.ResponseWriter, r *http.Request, err error) {
	if _, pattern := s.mux.Handler(r); s.browserRoutes[pattern] {
		s.writeBrowserError(w, r, err)
		return
	}
	s.writeError(w, r, err)
}

func readsHTML(r *http.Request) bool {
	return strings.Contains(strings.ToLower(strings.Join(r.Header.Values("Accept"), ",")), "text/html")
}

// providerError is a refusal of the provider's redirect that carried the
// provider's error (?error=access_denied): the page names the error by a
// fixed message of its own. It reads as err everywhere else.
type providerError struct {
	code string
	err  error
}

func (e *providerError) Error() string { return e.err.Error() }

func (e *providerError) Unwrap() error { return e.err }

// startAgain ends every refusal page: the login is over, the user
// starts a new one from the application.
const startAgain = "Go back to the application and start the sign-in again."

// writeErrorPage answers err as writeError would (same status, same
// log) with a page in place of the JSON body.
func (s *Server) writeErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.errorAnswer(w, r, err)
	msg := refusalMessage(status, body.Code)
	var pe *providerError
	if errors.As(err, &pe) {
		msg = providerMessage(pe.code)
	}
	writePage(w, status, msg+" "+startAgain)
}

// refusalMessage says what a refusal of a browser route means to the
// person in front of it.
func refusalMessage(status int, code string) string {
	switch {
	case code == "provider_not_available":
		return "This sign-in provider is not available right now."
	case code == "other_verify_failure":
		return "This sign-in has expired or was already used."
	case status == http.StatusTooManyRequests:
		return "Too many sign-in attempts: wait a minute."
	case status == http.StatusNotFound:
		return "This sign-in page does not exist."
	case status >= 500:
		return "The sign-in failed on the server."
	}
	return "This sign-in request is not valid."
}

// providerMessages are fixed messages for the OAuth errors a provider
// sends back (RFC 6749 4.1.2.1, OpenID Connect's, Apple's), and this
// server's own for a redirect without a code.
var providerMessages = map[string]string{
	"access_denied":              "The sign-in was cancelled at the provider.",
	"user_cancelled_authorize":   "The sign-in was cancelled at the provider.",
	"login_required":             "The provider needs you to sign in there first.",
	"interaction_required":       "The provider needs you to sign in there first.",
	"account_selection_required": "The provider needs you to choose an account there first.",
	"consent_required":           "The provider needs your consent there first.",
	"temporarily_unavailable":    "The provider could not complete the sign-in right now.",
	"server_error":               "The provider could not complete the sign-in right now.",
	"invalid_request":            "The provider refused the sign-in request.",
	"unauthorized_client":        "The provider refused the sign-in request.",
	"unsupported_response_type":  "The provider refused the sign-in request.",
	"invalid_scope":              "The provider refused the sign-in request.",
	"missing_code":               "The provider sent no authorization code.",
}

// providerMessage is the fixed message for a provider's error code; a
// code it does not know is not shown.
func providerMessage(code string) string {
	if msg, ok := providerMessages[code]; ok {
		return msg
	}
	return "The provider did not complete the sign-in."
}

// notCompleted is the page of a login without a return URL (a popup)
// that the provider refused: the code named when it is a known one.
func notCompleted(code string) string {
	lead := "Sign-in was not completed."
	if _, ok := providerMessages[code]; ok {
		lead = "Sign-in was not completed: " + code + "."
	}
	return lead + " " + providerMessage(code) + " Close this window and start the sign-in again."
}

// writePage writes a page of this server's own, the browser's end of a
// login: no script, nothing loaded, nothing it can be framed into or
// submit to (the same policy as authorizeHtml's).
func writePage(w http.ResponseWriter, status int, msg string) {
	writeHTML(w, status, "", "", "<p>"+html.EscapeString(msg)+"</p>")
}

// writeHTML writes every page of this server's own (a login's last or
// refused page, authorizeHtml's hop) with one set of headers: not cached,
// no referrer, and a policy under which nothing loads, runs or submits
// but the scripts script (a CSP source list, "" for none) allows. head
// and body are HTML the caller escaped.
func writeHTML(w http.ResponseWriter, status int, script, head, body string) {
	csp := "default-src 'none'; base-uri 'none'; form-action 'none'"
	if script != "" {
		csp = "default-src 'none'; script-src " + script + "; base-uri 'none'; form-action 'none'"
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
		head + `<title>Sign-in</title></head><body>` + body + `</body></html>`))
}
