package tenant

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
)

// SsoInput carries the fields of an SSO provider create or update; nil
// leaves a field as it is on update.
type SsoInput struct {
	ClientID, ClientSecret, SsoDomain, EmailDomain, Provider *string
	EnforceOnlySSO                                           *bool
}

func (s *Service) applySso(p *SsoProvider, in SsoInput) error {
	texts := []struct {
		name string
		in   *string
		out  *string
	}{{"clientId", in.ClientID, &p.ClientID}, {"ssoDomain", in.SsoDomain, &p.SsoDomain},
		{"emailDomain", in.EmailDomain, &p.EmailDomain}, {"provider", in.Provider, &p.Provider}}
	for _, f := range texts {
		if f.in == nil {
			continue
		}
		v, err := checkText(f.name, *f.in, maxNameLen, true)
		if err != nil {
			return err
		}
		*f.out = v
	}
	if p.Provider != "okta" {
		return errs.Invalid("provider: value is not one of okta")
	}
	// An admin client sending back the masked secret it read keeps the
	// stored one (as social providers' and settings' secrets do).
	if in.ClientSecret != nil && (p.MaskedClientSecret == "" || *in.ClientSecret != p.MaskedClientSecret) {
		secret, err := checkText("clientSecret", *in.ClientSecret, maxTextLen, true)
		if err != nil {
			return err
		}
		sealed, err := s.keys.Seal([]byte(secret), ssoAAD(p.ID))
		if err != nil {
			return errs.Internal("seal sso secret", err)
		}
		p.ClientSecretSealed, p.MaskedClientSecret = sealed, secrets.Mask(secret)
	}
	if in.EnforceOnlySSO != nil {
		p.EnforceOnlySSO = *in.EnforceOnlySSO
	}
	p.RedirectURL = "https://" + p.SsoDomain + "/oauth2/v1/authorize"
	return nil
}

// GetSsoProvider returns the organization's SSO provider.
func (s *Service) GetSsoProvider(ctx context.Context, p *Principal, orgID string) (*SsoProvider, error) {
	if err := p.CanManageOrganization(orgID, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.GetSsoProvider(ctx, orgID)
}

// CreateSsoProvider configures SSO; an organization has at most one provider.
func (s *Service) CreateSsoProvider(ctx context.Context, p *Principal, orgID string, in SsoInput) (*SsoProvider, error) {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	for name, v := range map[string]*string{"clientId": in.ClientID, "clientSecret": in.ClientSecret,
		"ssoDomain": in.SsoDomain, "emailDomain": in.EmailDomain, "provider": in.Provider} {
		if v == nil {
			return nil, errs.Invalid("%s: is required", name)
		}
	}
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return nil, err
	}
	now := s.now()
	sp := &SsoProvider{ID: ids.New(), OrganizationID: orgID, CreatedAt: now, UpdatedAt: now}
	if err := s.applySso(sp, in); err != nil {
		return nil, err
	}
	if err := s.store.CreateSsoProvider(ctx, sp); err != nil {
		return nil, err
	}
	return sp, nil
}

// UpdateSsoProvider changes the given fields of the provider.
func (s *Service) UpdateSsoProvider(ctx context.Context, p *Principal, orgID, id string, in SsoInput) (*SsoProvider, error) {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	sp, err := s.store.GetSsoProvider(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if sp.ID != id {
		return nil, errs.NotFound("sso_provider_not_found", "SSO provider not found")
	}
	if err := s.applySso(sp, in); err != nil {
		return nil, err
	}
	sp.UpdatedAt = s.now()
	if err := s.store.UpdateSsoProvider(ctx, sp); err != nil {
		return nil, err
	}
	return sp, nil
}

// DeleteSsoProvider removes the provider.
func (s *Service) DeleteSsoProvider(ctx context.Context, p *Principal, orgID, id string) error {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return err
	}
	return s.store.DeleteSsoProvider(ctx, orgID, id)
}
