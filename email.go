package dynamicauth

import (
	"context"
	"net/http"

	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/social"
)

// EmailProvidersConfig reaches the environments' own email providers:
// SendGrid and Resend, enabled per environment through the Settings
// providers API (provider "sendgrid" or "resend", clientSecret the API
// key, clientId the sender, sendgridIpPoolName). An environment with one
// enabled sends its email codes through it; the others use Config.Mailer.
type EmailProvidersConfig struct {
	// From is the sender of a provider configured without one
	// (serve's --mail-from).
	From string
	// SendGridURL and ResendURL replace the providers' API base URLs
	// (a proxy, or a local server in tests); "" means the real ones.
	SendGridURL, ResendURL string
	// HTTPClient calls the providers; nil means a client with a 10 s
	// timeout that follows no redirect.
	HTTPClient *http.Client
}

// emailRouter is the Mailer the code flows send through: the
// environment's enabled provider first, else the server's mailer.
func emailRouter(cfg Config, providers *social.Providers) *delivery.Router {
	return delivery.NewRouter(delivery.RouterDeps{Providers: envEmailProviders{providers}, Fallback: cfg.Mailer,
		From: cfg.EmailProviders.From, HTTP: cfg.EmailProviders.HTTPClient,
		SendGridURL: cfg.EmailProviders.SendGridURL, ResendURL: cfg.EmailProviders.ResendURL})
}

// envEmailProviders reads an environment's enabled email provider from
// its Settings providers, the API key opened from sealed storage only
// for the send.
type envEmailProviders struct{ providers *social.Providers }

func (e envEmailProviders) EmailProvider(ctx context.Context, envID string) (*delivery.EmailProvider, error) {
	p, err := e.providers.EnabledEmail(ctx, envID)
	if err != nil || p == nil {
		return nil, err
	}
	key, err := e.providers.ClientSecret(p)
	if err != nil {
		return nil, err
	}
	return &delivery.EmailProvider{Type: p.Type, APIKey: key, From: p.ClientID, IPPoolName: p.SendGridIPPoolName}, nil
}
