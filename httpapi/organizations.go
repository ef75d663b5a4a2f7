package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgs, err := s.tenants.ListOrganizations(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]wireOrganization, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, toOrganization(&o.Organization, o.Role))
	}
	writeJSON(w, http.StatusOK, map[string]any{"organizations": out})
	return nil
}

type organizationRequest struct {
	Name                   string  `json:"name"`
	Description            *string `json:"description"`
	WebsiteURL             *string `json:"websiteUrl"`
	ImplementationTimeline *string `json:"implementationTimeline"`
}

func (req organizationRequest) input() tenant.OrganizationInput {
	return tenant.OrganizationInput{Name: req.Name, Description: req.Description, WebsiteURL: req.WebsiteURL,
		ImplementationTimeline: req.ImplementationTimeline}
}

func writeOrganization(w http.ResponseWriter, org *tenant.Organization) {
	o := toOrganization(org, "")
	writeJSON(w, http.StatusOK, map[string]any{"organization": o})
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	var req organizationRequest
	if err := s.decode(w, r, "OrganizationRequest", &req); err != nil {
		return err
	}
	org, err := s.tenants.CreateOrganization(r.Context(), p, req.input())
	if err != nil {
		return err
	}
	writeOrganization(w, org)
	return nil
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	org, err := s.tenants.GetOrganization(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toOrganization(&org.Organization, org.Role))
	return nil
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	var req organizationRequest
	if err := s.decode(w, r, "OrganizationFields", &req); err != nil {
		return err
	}
	in := req.input()
	in.ImplementationTimeline = nil // not part of OrganizationFields
	org, err := s.tenants.UpdateOrganization(r.Context(), p, id, in)
	if err != nil {
		return err
	}
	writeOrganization(w, org)
	return nil
}

func (s *Server) updateOrganizationAddress(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	var req wireAddress
	if err := s.decode(w, r, "OrganizationAddressFields", &req); err != nil {
		return err
	}
	org, err := s.tenants.UpdateOrganizationAddress(r.Context(), p, id, req.domain())
	if err != nil {
		return err
	}
	writeOrganization(w, org)
	return nil
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	sub, err := s.tenants.BillingSubscription(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSubscription(sub))
	return nil
}

func (s *Server) applyCoupon(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	var req wireCoupon
	if err := s.decode(w, r, "BillingSubscriptionCoupon", &req); err != nil {
		return err
	}
	sub, err := s.tenants.ApplyCoupon(r.Context(), p, id, req.Coupon)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSubscription(sub))
	return nil
}

func (s *Server) upgradeSubscription(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	sub, err := s.tenants.UpgradeSubscription(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSubscription(sub))
	return nil
}

type ssoRequest struct {
	ClientID       *string `json:"clientId"`
	ClientSecret   *string `json:"clientSecret"`
	SsoDomain      *string `json:"ssoDomain"`
	EmailDomain    *string `json:"emailDomain"`
	Provider       *string `json:"provider"`
	EnforceOnlySSO *bool   `json:"enforceOnlySSO"`
}

func (req ssoRequest) input() tenant.SsoInput {
	return tenant.SsoInput{ClientID: req.ClientID, ClientSecret: req.ClientSecret, SsoDomain: req.SsoDomain,
		EmailDomain: req.EmailDomain, Provider: req.Provider, EnforceOnlySSO: req.EnforceOnlySSO}
}

func (s *Server) getSsoProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	sp, err := s.tenants.GetSsoProvider(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSsoProvider(sp))
	return nil
}

func (s *Server) createSsoProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	var req ssoRequest
	if err := s.decode(w, r, "SsoProviderCreateRequest", &req); err != nil {
		return err
	}
	sp, err := s.tenants.CreateSsoProvider(r.Context(), p, id, req.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSsoProvider(sp))
	return nil
}

func (s *Server) updateSsoProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "ssoProviderId")
	if err != nil {
		return err
	}
	var req ssoRequest
	if err := s.decode(w, r, "SsoProviderUpdateRequest", &req); err != nil {
		return err
	}
	sp, err := s.tenants.UpdateSsoProvider(r.Context(), p, orgID, id, req.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSsoProvider(sp))
	return nil
}

func (s *Server) deleteSsoProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "ssoProviderId")
	if err != nil {
		return err
	}
	if err := s.tenants.DeleteSsoProvider(r.Context(), p, orgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
