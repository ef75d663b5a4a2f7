package social

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// ErrUnavailable: the provider failed, not the user: its discovery
// document, token or user endpoint or its signing keys could not be
// reached (down, a DNS failure, a timeout, refused by the address guard)
// or answered 5xx.
// The operator acts on it; the client may try again later.
var ErrUnavailable = errors.New("social: the provider could not be reached")

// Unavailable says which of the provider's endpoints failed, where, and
// how: never the body of a token or user endpoint, which may echo what
// was sent to it (the client secret); a failed discovery's status and the
// start of its body (go-oidc quotes them; nothing secret was sent).
type Unavailable struct {
	Endpoint string // "discovery", "token", "user" or "keys"
	Host     string
	Err      error
}

func (e *Unavailable) Error() string {
	return fmt.Sprintf("%v: %s endpoint at %s: %v", ErrUnavailable, e.Endpoint, e.Host, e.Err)
}

func (e *Unavailable) Is(target error) bool { return target == ErrUnavailable }

func (e *Unavailable) Unwrap() error { return e.Err }

// unreachable is the failure of a request to the provider's endpoint
// that got no answer (a *url.Error: refused, DNS, timeout, the address
// guard), or nil when err is something else or the request itself was
// cancelled (the client went away: nothing for the operator to act on).
func unreachable(ctx context.Context, endpoint, rawURL string, err error) error {
	var ue *url.Error
	if ctx.Err() != nil || !errors.As(err, &ue) {
		return nil
	}
	return &Unavailable{Endpoint: endpoint, Host: hostOf(rawURL), Err: clipped(ue.Err)}
}

// hostOf is the host (and port) of an endpoint's URL, for the log.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Host
}

// maxCauseBytes bounds a cause quoted in a log line: go-oidc quotes a
// failed discovery's whole body.
const maxCauseBytes = 300

// clipped keeps at most maxCauseBytes of err's text.
func clipped(err error) error {
	if s := err.Error(); len(s) > maxCauseBytes {
		return errors.New(s[:maxCauseBytes] + "…")
	}
	return err
}

// logEvery is how often a failure that repeats (a provider down, a
// refresh refused) is logged: the first at once, then one line per
// logEvery saying how many were left out. Anyone may start a login, so
// a line per attempt would let anyone flood the log.
const logEvery = 30 * time.Second

// discoveryRetry is how long a failed discovery is remembered: logins
// meanwhile fail at once, and a provider back up (or a domain fixed in
// place) is used again after it.
const discoveryRetry = 30 * time.Second

// failedDiscovery is a remembered discovery failure.
type failedDiscovery struct {
	err   error
	until time.Time
	// reported: a settings read has logged it already.
	reported bool
}

// reportDiscoveryFailure says whether issuer's remembered discovery
// failure is still to be logged by a settings read, and marks it logged:
// a provider that stays down is logged once per discoveryRetry.
func (f *Flow) reportDiscoveryFailure(issuer string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := f.failed[issuer]
	if fd == nil { // not remembered: nothing rates it
		return true
	}
	first := !fd.reported
	fd.reported = true
	return first
}
