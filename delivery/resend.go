package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
)

// ResendURL is Resend's API; ResendConfig.BaseURL replaces it (tests).
const ResendURL = "https://api.resend.com"

// ResendConfig configures a Resend Mailer.
type ResendConfig struct {
	APIKey  string // re_…
	From    string // "Name <address>" or an address on a domain verified in Resend
	BaseURL string // default ResendURL
	HTTP    *http.Client
}

// Resend sends email through Resend's API (POST /emails, bearer API key,
// JSON; 200 with the email's id when accepted).
type Resend struct{ api bearerAPI }

// NewResend checks the configuration.
func NewResend(c ResendConfig) (*Resend, error) {
	api, err := newBearerAPI("resend", c.APIKey, c.From, c.BaseURL, ResendURL, c.HTTP)
	if err != nil {
		return nil, err
	}
	return &Resend{api: api}, nil
}

type resendMessage struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	HTML    string   `json:"html,omitempty"`
	Text    string   `json:"text,omitempty"`
}

// SendEmail sends m.
func (r *Resend) SendEmail(ctx context.Context, m Email) error {
	if err := checkEmail(m); err != nil {
		return fmt.Errorf("resend: %w", err)
	}
	req, err := newJSONRequest(r.api.baseURL+"/emails", resendMessage{From: fromHeader(r.api.from), To: []string{m.To},
		Subject: m.Subject, HTML: m.HTML, Text: m.Text})
	if err != nil {
		return fmt.Errorf("resend: %w", err)
	}
	return r.api.send(ctx, req, resendError, m.Code)
}

// plainName is a display name that needs no quoting.
var plainName = regexp.MustCompile(`^[\p{L}\p{N} _-]+$`)

// fromHeader writes a sender as Resend's docs show it, Name <address>,
// quoting (and encoding) only a name that needs it.
func fromHeader(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	if plainName.MatchString(a.Name) {
		return a.Name + " <" + a.Address + ">"
	}
	return a.String()
}

// resendError reads Resend's {"statusCode","name","message"}.
func resendError(body []byte) string {
	var e struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		return ""
	}
	if e.Name != "" {
		return e.Name + ": " + e.Message
	}
	return e.Message
}
