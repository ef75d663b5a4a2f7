package webhooks

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// ResponseExcerpt is how much of an endpoint's response body the delivery
// log keeps.
const ResponseExcerpt = 1024

// Result is the outcome of one attempt.
type Result struct {
	Status   int           // the response status; 0 when none came
	Body     string        // the start of the response body (ResponseExcerpt bytes at most)
	Duration time.Duration // from sending to the end of the excerpt
	Err      error         // transport failure, timeout or refused address
}

// OK tells whether the attempt counts as delivered: a 2xx response.
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Sender makes attempts.
type Sender struct {
	Client    *http.Client     // netguard.NewClient's; it carries the timeout and the address guard
	Now       func() time.Time // time.Now when nil
	UserAgent string
}

// Send POSTs body to url signed with secret. Any non-2xx, a timeout or a
// refused address is a failure, reported in the Result, never as an error.
func (s *Sender) Send(ctx context.Context, url, secret string, body []byte) Result {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(secret, body))
	if s.UserAgent != "" {
		req.Header.Set("User-Agent", s.UserAgent)
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return Result{Err: unwrapURL(err), Duration: now().Sub(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, ResponseExcerpt))
	// Drain a little more so a well-behaved endpoint is not reset mid-write;
	// the connection is not reused, so never more than that.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	res := Result{Status: resp.StatusCode, Body: storable(b), Duration: now().Sub(start)}
	if err != nil && res.OK() {
		res.Err = err
	}
	return res
}

// unwrapURL drops net/http's "Post \"url\": " wrapper so logs read well.
func unwrapURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}

// storable keeps an excerpt storable as text even when it is binary or
// cut mid-rune: the stores refuse bytes that are not UTF-8, U+0000 and,
// in JSON, the \u0000 escape, and a Record refused would have River run
// the job again, sending the message again. Each becomes U+FFFD (the
// escape its escaped form, so a JSON answer stays JSON).
func storable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	return strings.ReplaceAll(s, `\u0000`, `\ufffd`)
}
