package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"time"
)

// DefaultHTTPTimeout bounds one call to a provider's HTTP API. There is no
// retry: a failed send is reported to the client, whose retry (rate
// limited) is the only one, so a slow provider never sees a retry storm.
const DefaultHTTPTimeout = 10 * time.Second

// NewHTTPClient is the client the HTTP adapters use by default: a time
// limit per call and no redirects (a provider API does not redirect, and
// following one would carry the credentials elsewhere).
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	return &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// ProviderError is a provider's refusal: its status and what it said,
// with the credentials removed.
type ProviderError struct {
	Provider string
	Status   int
	Message  string
}

func (e *ProviderError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s: HTTP %d", e.Provider, e.Status)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", e.Provider, e.Status, e.Message)
}

// userAgent names this server to the providers (Resend refuses requests
// without one).
const userAgent = "dynamicauth-delivery"

// call is one request to a provider's API: req is sent with client, a 2xx
// is success, anything else becomes a *ProviderError whose message
// readError takes from the body. secrets are scrubbed from every error:
// the credential, and the message's one-time code, which a provider
// quoting the request would put in the log line of a failed send (beside
// the verification's id, while the code stays good for a retry).
func call(ctx context.Context, client *http.Client, provider string, req *http.Request,
	readError func([]byte) string, secrets ...string) error {
	req = req.WithContext(ctx)
	req.Header.Set("User-Agent", userAgent)
	res, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer in time: %s", provider, scrub(err.Error(), secrets))
		}
		return fmt.Errorf("%s: %s", provider, scrub(err.Error(), secrets))
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	msg := ""
	if readError != nil {
		msg = readError(body)
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	return &ProviderError{Provider: provider, Status: res.StatusCode, Message: scrub(clip(msg), secrets)}
}

// newJSONRequest builds a POST of v as JSON.
func newJSONRequest(url string, v any) (*http.Request, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// scrub removes each secret from s, so an error or a log line never holds
// a credential even when a provider (or a URL) echoes it.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// clip keeps an error message to one readable line.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// bearerAPI is what the email APIs (SendGrid, Resend) share: a provider
// name for errors, a bearer API key, a sender and a base URL.
type bearerAPI struct {
	name    string
	key     string
	from    *mail.Address
	baseURL string
	http    *http.Client
}

// newBearerAPI checks an email API's configuration; baseURL defaults to
// def and hc to NewHTTPClient(0).
func newBearerAPI(name, key, from, baseURL, def string, hc *http.Client) (bearerAPI, error) {
	if key == "" {
		return bearerAPI{}, fmt.Errorf("%s: no API key", name)
	}
	addr, err := parseFrom(from)
	if err != nil {
		return bearerAPI{}, fmt.Errorf("%s: %w", name, err)
	}
	if baseURL == "" {
		baseURL = def
	}
	if hc == nil {
		hc = NewHTTPClient(0)
	}
	return bearerAPI{name: name, key: key, from: addr, baseURL: strings.TrimRight(baseURL, "/"), http: hc}, nil
}

// send authorizes req with the API key and sends it; the key and code
// (the message's one-time code) are scrubbed from its errors.
func (a bearerAPI) send(ctx context.Context, req *http.Request, refusal func([]byte) string, code string) error {
	req.Header.Set("Authorization", "Bearer "+a.key)
	return call(ctx, a.http, a.name, req, refusal, a.key, code)
}
