package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Email provider types an environment can enable in its Settings
// providers (the contract's ProviderEnum).
const (
	ProviderSendGrid = "sendgrid"
	ProviderResend   = "resend"
)

// EmailProvider is an environment's own email provider, its API key
// already opened from sealed storage.
type EmailProvider struct {
	Type       string // ProviderSendGrid or ProviderResend
	APIKey     string
	From       string // the sender configured with the provider; "" uses the server's
	IPPoolName string // SendGrid only
}

// EmailProviders finds an environment's enabled email provider; nil, nil
// when it has none.
type EmailProviders interface {
	EmailProvider(ctx context.Context, environmentID string) (*EmailProvider, error)
}

// RouterDeps build a Router.
type RouterDeps struct {
	Providers EmailProviders
	// Fallback sends for environments without a provider of their own
	// (SMTP, or the dev outbox); nil means such environments cannot send.
	Fallback Mailer
	// From is the sender when a provider has none configured (--mail-from).
	From string
	// HTTP is the client of the provider APIs; nil means NewHTTPClient.
	HTTP *http.Client
	// SendGridURL and ResendURL replace the providers' API base URLs (tests).
	SendGridURL, ResendURL string
}

// Router is the Mailer the code flows use: an email goes through its
// environment's enabled SendGrid or Resend provider when it has one, which
// takes precedence over the server-wide Fallback.
type Router struct{ d RouterDeps }

// NewRouter builds a Router.
func NewRouter(d RouterDeps) *Router {
	if d.HTTP == nil {
		d.HTTP = NewHTTPClient(0)
	}
	return &Router{d: d}
}

// ErrNoMailer is returned for an environment with no provider of its own
// on a server without a fallback mailer.
var ErrNoMailer = errors.New("delivery: no email provider is configured")

// SendEmail sends m through the environment's provider, or the fallback.
func (r *Router) SendEmail(ctx context.Context, m Email) error {
	mailer, err := r.mailerFor(ctx, m.EnvironmentID)
	if err != nil {
		return err
	}
	return mailer.SendEmail(ctx, m)
}

// CanSend tells whether an email for the environment has a way out: its
// own provider, or the fallback.
func (r *Router) CanSend(ctx context.Context, environmentID string) (bool, error) {
	if r.d.Fallback != nil {
		return true, nil
	}
	p, err := r.provider(ctx, environmentID)
	return p != nil, err
}

func (r *Router) provider(ctx context.Context, environmentID string) (*EmailProvider, error) {
	if r.d.Providers == nil || environmentID == "" {
		return nil, nil
	}
	p, err := r.d.Providers.EmailProvider(ctx, environmentID)
	if err != nil {
		return nil, fmt.Errorf("delivery: environment email provider: %w", err)
	}
	return p, nil
}

func (r *Router) mailerFor(ctx context.Context, environmentID string) (Mailer, error) {
	p, err := r.provider(ctx, environmentID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		if r.d.Fallback == nil {
			return nil, ErrNoMailer
		}
		return r.d.Fallback, nil
	}
	from := p.From
	if from == "" {
		from = r.d.From
	}
	switch p.Type {
	case ProviderSendGrid:
		return NewSendGrid(SendGridConfig{APIKey: p.APIKey, From: from, IPPoolName: p.IPPoolName, BaseURL: r.d.SendGridURL, HTTP: r.d.HTTP})
	case ProviderResend:
		return NewResend(ResendConfig{APIKey: p.APIKey, From: from, BaseURL: r.d.ResendURL, HTTP: r.d.HTTP})
	}
	return nil, fmt.Errorf("delivery: unknown email provider %q", p.Type)
}
