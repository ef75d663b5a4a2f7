package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
)

// SendGridURL is SendGrid's API; SendGridConfig.BaseURL replaces it (tests).
const SendGridURL = "https://api.sendgrid.com"

// SendGridConfig configures a SendGrid Mailer.
type SendGridConfig struct {
	APIKey     string
	From       string // "Name <address>" or an address: a sender verified in SendGrid
	IPPoolName string // optional: the IP pool to send from
	BaseURL    string // default SendGridURL
	HTTP       *http.Client
}

// SendGrid sends email through SendGrid's v3 Mail Send API
// (POST /v3/mail/send, bearer API key, JSON; 202 when accepted).
type SendGrid struct {
	api    bearerAPI
	ipPool string
}

// NewSendGrid checks the configuration.
func NewSendGrid(c SendGridConfig) (*SendGrid, error) {
	api, err := newBearerAPI("sendgrid", c.APIKey, c.From, c.BaseURL, SendGridURL, c.HTTP)
	if err != nil {
		return nil, err
	}
	return &SendGrid{api: api, ipPool: c.IPPoolName}, nil
}

type sgAddress struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

type sgContent struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type sgMessage struct {
	Personalizations []sgPersonalization `json:"personalizations"`
	From             sgAddress           `json:"from"`
	Subject          string              `json:"subject"`
	Content          []sgContent         `json:"content"`
	IPPoolName       string              `json:"ip_pool_name,omitempty"`
}

type sgPersonalization struct {
	To []sgAddress `json:"to"`
}

// SendEmail sends m. The text part comes first, as SendGrid requires.
func (s *SendGrid) SendEmail(ctx context.Context, m Email) error {
	if err := checkEmail(m); err != nil {
		return fmt.Errorf("sendgrid: %w", err)
	}
	msg := sgMessage{
		Personalizations: []sgPersonalization{{To: []sgAddress{{Email: m.To}}}},
		From:             sgAddress{Email: s.api.from.Address, Name: s.api.from.Name},
		Subject:          m.Subject,
		IPPoolName:       s.ipPool,
	}
	if m.Text != "" {
		msg.Content = append(msg.Content, sgContent{Type: "text/plain", Value: m.Text})
	}
	if m.HTML != "" {
		msg.Content = append(msg.Content, sgContent{Type: "text/html", Value: m.HTML})
	}
	req, err := newJSONRequest(s.api.baseURL+"/v3/mail/send", msg)
	if err != nil {
		return fmt.Errorf("sendgrid: %w", err)
	}
	return s.api.send(ctx, req, sendGridError, m.Code)
}

// sendGridError reads SendGrid's {"errors":[{"message","field"}]}.
func sendGridError(body []byte) string {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var parts []string
	for _, x := range e.Errors {
		if x.Field != "" {
			parts = append(parts, x.Field+": "+x.Message)
		} else {
			parts = append(parts, x.Message)
		}
	}
	return strings.Join(parts, "; ")
}

// parseFrom parses a sender, "Name <address>" or a bare address.
func parseFrom(s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no sender address (from)")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", s, err)
	}
	return a, nil
}

// checkEmail refuses a message no provider would take.
func checkEmail(m Email) error {
	if _, err := mail.ParseAddress(m.To); err != nil || strings.ContainsAny(m.To, "<>") {
		return fmt.Errorf("recipient %q is not an email address", m.To)
	}
	if m.Text == "" && m.HTML == "" {
		return errors.New("empty message")
	}
	return nil
}
