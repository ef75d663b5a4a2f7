package social

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Provider is one social provider configured for an environment (the
// contract's Provider). The client secret is kept sealed; only its masked
// form is ever shown.
type Provider struct {
	ID                 string
	EnvironmentID      string
	Type               string
	ClientID           string
	ClientSecretSealed []byte
	MaskedClientSecret string
	Scopes             string // space-separated, as the contract has it
	AppleKeyID         string
	AppleTeamID        string
	// Domain is the provider's own host or issuer: for an OpenID
	// provider (Okta, a self-hosted IdP; Google or Apple pointed at a
	// staging issuer) the discovery URL's base.
	Domain string
	// SendGridIPPoolName is the IP pool a SendGrid provider sends from
	// (optional).
	SendGridIPPoolName string
	EnabledAt          *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// ProviderStore keeps providers. Create fails with ErrProviderExists when
// the environment already has one of that type.
type ProviderStore interface {
	CreateProvider(ctx context.Context, p *Provider) error
	GetProvider(ctx context.Context, id string) (*Provider, error)
	ListProviders(ctx context.Context, envID string) ([]Provider, error)
	UpdateProvider(ctx context.Context, p *Provider) error
	DeleteProvider(ctx context.Context, id string) error
}

// Errors of provider settings.
var (
	ErrProviderNotFound = errs.NotFound("provider_not_found", "provider not found")
	ErrProviderExists   = errs.Conflict("duplicate_exists", "this environment already has a provider of this type")
)

// SocialTypes are the provider types this server signs in with.
var SocialTypes = []string{Apple, Discord, GitHub, Google, Okta, X, Telegram, Farcaster}

// EmailTypes are the email providers an environment can send its codes
// through, in the order one is chosen when several are enabled.
var EmailTypes = []string{SendGrid, Resend}

// SettingsTypes are the provider types the admin Settings API accepts.
var SettingsTypes = append(slices.Clone(SocialTypes), EmailTypes...)

// IsEmailType tells whether typ is an email provider (SendGrid, Resend):
// its client secret is the API key, its client id the sender.
func IsEmailType(typ string) bool { return slices.Contains(EmailTypes, typ) }

// ProviderInput is a create or update body; nil leaves a field alone.
type ProviderInput struct {
	Type, ClientID, ClientSecret, Scopes, AppleKeyID, AppleTeamID, Domain *string
	SendGridIPPoolName                                                    *string
}

// Environments finds an environment without reach checks (they are done
// here, with the principal).
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
}

// ProvidersDeps build a Providers service.
type ProvidersDeps struct {
	Store        ProviderStore
	Environments Environments
	Keys         *secrets.Keys
	Now          func() time.Time
}

// Providers is the admin API of an environment's social providers.
type Providers struct{ d ProvidersDeps }

// NewProviders builds the service.
func NewProviders(d ProvidersDeps) *Providers {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Providers{d: d}
}

const maxField = 2048

func (s *Providers) env(ctx context.Context, p *tenant.Principal, envID string, scope tenant.Scope) (*tenant.Environment, error) {
	return tenant.UseEnvironment(ctx, s.d.Environments, p, envID, scope)
}

// byID finds a provider the principal reaches; another organization's is
// not found, as if it did not exist.
func (s *Providers) byID(ctx context.Context, p *tenant.Principal, id string, scope tenant.Scope) (*Provider, error) {
	pr, err := s.d.Store.GetProvider(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := tenant.ReachRecord(ctx, s.d.Environments, p, pr.EnvironmentID, scope, ErrProviderNotFound); err != nil {
		return nil, err
	}
	return pr, nil
}

// List returns the environment's providers.
func (s *Providers) List(ctx context.Context, p *tenant.Principal, envID string) ([]Provider, error) {
	env, err := s.env(ctx, p, envID, tenant.ScopeSettingsRead)
	if err != nil {
		return nil, err
	}
	return s.d.Store.ListProviders(ctx, env.ID)
}

// Enabled returns the environment's enabled providers, for the public
// SDK settings (no principal: nothing secret is in a Provider's shown
// fields).
func (s *Providers) Enabled(ctx context.Context, envID string) ([]Provider, error) {
	all, err := s.d.Store.ListProviders(ctx, envID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if p.EnabledAt != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// EnabledEmail returns the environment's enabled email provider
// (SendGrid before Resend when both are), or nil when it has none.
func (s *Providers) EnabledEmail(ctx context.Context, envID string) (*Provider, error) {
	enabled, err := s.Enabled(ctx, envID)
	if err != nil {
		return nil, err
	}
	for _, typ := range EmailTypes {
		for i := range enabled {
			if enabled[i].Type == typ {
				return &enabled[i], nil
			}
		}
	}
	return nil, nil
}

// Get returns one provider.
func (s *Providers) Get(ctx context.Context, p *tenant.Principal, id string) (*Provider, error) {
	return s.byID(ctx, p, id, tenant.ScopeSettingsRead)
}

// Create adds a provider, enabled, to the environment.
func (s *Providers) Create(ctx context.Context, p *tenant.Principal, envID string, in ProviderInput) (*Provider, error) {
	env, err := s.env(ctx, p, envID, tenant.ScopeSettingsWrite)
	if err != nil {
		return nil, err
	}
	if in.Type == nil || !slices.Contains(SettingsTypes, *in.Type) {
		return nil, errs.Invalid("provider: must be one of %s", strings.Join(SettingsTypes, ", "))
	}
	now := s.d.Now().UTC().Truncate(time.Millisecond)
	pr := &Provider{ID: ids.New(), EnvironmentID: env.ID, Type: *in.Type, EnabledAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(pr, in); err != nil {
		return nil, err
	}
	if err := s.d.Store.CreateProvider(ctx, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// Update changes a provider's fields.
func (s *Providers) Update(ctx context.Context, p *tenant.Principal, id string, in ProviderInput) (*Provider, error) {
	pr, err := s.byID(ctx, p, id, tenant.ScopeSettingsWrite)
	if err != nil {
		return nil, err
	}
	if in.Type != nil && *in.Type != pr.Type {
		return nil, errs.Invalid("provider: cannot be changed")
	}
	if err := s.apply(pr, in); err != nil {
		return nil, err
	}
	pr.UpdatedAt = s.d.Now().UTC().Truncate(time.Millisecond)
	if err := s.d.Store.UpdateProvider(ctx, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// SetEnabled enables or disables a provider (idempotent).
func (s *Providers) SetEnabled(ctx context.Context, p *tenant.Principal, id string, enabled bool) (*Provider, error) {
	pr, err := s.byID(ctx, p, id, tenant.ScopeSettingsWrite)
	if err != nil {
		return nil, err
	}
	now := s.d.Now().UTC().Truncate(time.Millisecond)
	switch {
	case enabled && pr.EnabledAt == nil:
		pr.EnabledAt = &now
	case !enabled:
		pr.EnabledAt = nil
	}
	pr.UpdatedAt = now
	if err := s.d.Store.UpdateProvider(ctx, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// Delete removes a provider.
func (s *Providers) Delete(ctx context.Context, p *tenant.Principal, id string) error {
	pr, err := s.byID(ctx, p, id, tenant.ScopeSettingsWrite)
	if err != nil {
		return err
	}
	return s.d.Store.DeleteProvider(ctx, pr.ID)
}

// ClientSecret opens a provider's sealed client secret (for the flow).
func (s *Providers) ClientSecret(pr *Provider) (string, error) {
	if len(pr.ClientSecretSealed) == 0 {
		return "", nil
	}
	b, err := s.d.Keys.Open(pr.ClientSecretSealed, providerAAD(pr.ID))
	if err != nil {
		return "", errs.Internal("open provider secret", err)
	}
	return string(b), nil
}

func (s *Providers) apply(pr *Provider, in ProviderInput) error {
	for _, f := range []struct {
		name string
		in   *string
		out  *string
	}{{"clientId", in.ClientID, &pr.ClientID}, {"scopes", in.Scopes, &pr.Scopes},
		{"appleKeyId", in.AppleKeyID, &pr.AppleKeyID}, {"appleTeamId", in.AppleTeamID, &pr.AppleTeamID},
		{"domain", in.Domain, &pr.Domain}, {"sendgridIpPoolName", in.SendGridIPPoolName, &pr.SendGridIPPoolName}} {
		if f.in == nil {
			continue
		}
		v := strings.TrimSpace(*f.in)
		if len(v) > maxField || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 }) {
			return errs.Invalid("%s: at most %d printable characters", f.name, maxField)
		}
		*f.out = v
	}
	// An admin client sending back the masked secret it read keeps the
	// stored one (as environment settings' secrets do).
	if in.ClientSecret != nil && (pr.MaskedClientSecret == "" || *in.ClientSecret != pr.MaskedClientSecret) {
		secret := strings.TrimSpace(*in.ClientSecret)
		if len(secret) > 8*maxField {
			return errs.Invalid("clientSecret: too long")
		}
		if secret == "" {
			pr.ClientSecretSealed, pr.MaskedClientSecret = nil, ""
		} else {
			sealed, err := s.d.Keys.Seal([]byte(secret), providerAAD(pr.ID))
			if err != nil {
				return errs.Internal("seal provider secret", err)
			}
			pr.ClientSecretSealed, pr.MaskedClientSecret = sealed, secrets.Mask(secret)
		}
	}
	return checkEmailProvider(pr)
}

// maxIPPoolName is SendGrid's limit on an IP pool's name.
const maxIPPoolName = 64

// checkEmailProvider refuses an email provider that could not send (no
// API key, a sender that is not an address) and SendGrid's IP pool on
// any other type, so a mistake shows when it is saved rather than as a
// failed sign-in later.
func checkEmailProvider(pr *Provider) error {
	if pr.SendGridIPPoolName != "" && pr.Type != SendGrid {
		return errs.Invalid("sendgridIpPoolName: only a sendgrid provider has one")
	}
	if len(pr.SendGridIPPoolName) > maxIPPoolName {
		return errs.Invalid("sendgridIpPoolName: at most %d characters", maxIPPoolName)
	}
	if !IsEmailType(pr.Type) {
		return nil
	}
	if len(pr.ClientSecretSealed) == 0 {
		return errs.Invalid("clientSecret: the %s API key is required", pr.Type)
	}
	if pr.ClientID != "" {
		if _, err := mail.ParseAddress(pr.ClientID); err != nil {
			return errs.Invalid("clientId: the sender must be an email address or \"Name <address>\"")
		}
	}
	return nil
}
