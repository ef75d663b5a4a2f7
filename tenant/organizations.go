package tenant

import (
	"context"
	"net/url"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// OrganizationInput is what an operator may set on an organization.
type OrganizationInput struct {
	Name                   string
	Description            *string
	WebsiteURL             *string
	ImplementationTimeline *string
}

var implementationTimelines = map[string]bool{"yesterday": true, "nextTwoWeeks": true, "nextTwoMonths": true, "justBrowsing": true}

func (in OrganizationInput) apply(org *Organization) error {
	name, err := checkText("name", in.Name, maxNameLen, true)
	if err != nil {
		return err
	}
	org.Name = name
	if in.Description != nil {
		if org.Description, err = checkText("description", *in.Description, maxTextLen, false); err != nil {
			return err
		}
	}
	if in.WebsiteURL != nil {
		if org.WebsiteURL, err = checkWebsite("websiteUrl", *in.WebsiteURL); err != nil {
			return err
		}
	}
	if in.ImplementationTimeline != nil {
		if !implementationTimelines[*in.ImplementationTimeline] {
			return errs.Invalid("implementationTimeline: value is not one of yesterday, nextTwoWeeks, nextTwoMonths, justBrowsing")
		}
		org.ImplementationTimeline = *in.ImplementationTimeline
	}
	return nil
}

func checkWebsite(field, s string) (string, error) {
	s, err := checkText(field, s, maxURLLen, false)
	if err != nil || s == "" {
		return s, err
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errs.Invalid("%s: must be an http(s) URL", field)
	}
	return s, nil
}

// ListOrganizations lists the organizations the principal reaches.
func (s *Service) ListOrganizations(ctx context.Context, p *Principal) ([]OrganizationWithRole, error) {
	if p.Token.OrgWide {
		return s.store.ListOrganizationsForUser(ctx, p.Token.CreatedBy.User.ID)
	}
	org, err := s.store.GetOrganization(ctx, p.Token.OrganizationID)
	if err != nil {
		return nil, err
	}
	return []OrganizationWithRole{{Organization: *org, Role: p.Memberships[org.ID]}}, nil
}

// CreateOrganization makes a new organization owned by the token's creator.
func (s *Service) CreateOrganization(ctx context.Context, p *Principal, in OrganizationInput) (*Organization, error) {
	if !p.Token.OrgWide {
		return nil, errs.Forbidden("an environment API token cannot create organizations")
	}
	creator, err := s.creator(ctx, p)
	if err != nil {
		return nil, err
	}
	now := s.now()
	org := &Organization{ID: ids.New(), CreatedAt: now, UpdatedAt: now}
	if err := in.apply(org); err != nil {
		return nil, err
	}
	owner := &Member{ID: ids.New(), OrganizationID: org.ID, User: creator.User, Role: RoleOwner, CreatedAt: now}
	if err := s.store.CreateOrganization(ctx, org, owner); err != nil {
		return nil, err
	}
	return org, nil
}

// GetOrganization returns an organization the principal reaches.
func (s *Service) GetOrganization(ctx context.Context, p *Principal, id string) (*OrganizationWithRole, error) {
	if err := p.CanReadOrganization(id); err != nil {
		return nil, err
	}
	org, err := s.store.GetOrganization(ctx, id)
	if err != nil {
		return nil, err
	}
	return &OrganizationWithRole{Organization: *org, Role: p.Memberships[id]}, nil
}

// UpdateOrganization replaces an organization's name, description and site.
func (s *Service) UpdateOrganization(ctx context.Context, p *Principal, id string, in OrganizationInput) (*Organization, error) {
	return s.editOrganization(ctx, p, id, in.apply)
}

// UpdateOrganizationAddress replaces the postal address.
func (s *Service) UpdateOrganizationAddress(ctx context.Context, p *Principal, id string, a Address) (*Organization, error) {
	return s.editOrganization(ctx, p, id, func(org *Organization) error {
		fields := []struct {
			name string
			v    *string
		}{{"addressLine1", &a.Line1}, {"addressLine2", &a.Line2}, {"city", &a.City},
			{"region", &a.Region}, {"postalCode", &a.PostalCode}, {"country", &a.Country}}
		for _, f := range fields {
			v, err := checkText(f.name, *f.v, maxNameLen, false)
			if err != nil {
				return err
			}
			*f.v = v
		}
		org.Address = a
		return nil
	})
}

func (s *Service) editOrganization(ctx context.Context, p *Principal, id string, edit func(*Organization) error) (*Organization, error) {
	if err := p.CanManageOrganization(id, RoleAdmin); err != nil {
		return nil, err
	}
	org, err := s.store.GetOrganization(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := edit(org); err != nil {
		return nil, err
	}
	org.UpdatedAt = s.now()
	if err := s.store.UpdateOrganization(ctx, org); err != nil {
		return nil, err
	}
	return org, nil
}

// Subscription is the billing view of a self-hosted organization: every
// feature, no payment provider, no trial.
type Subscription struct {
	PlanType    string
	Scope       []string
	Version     string
	Coupons     []string
	PeriodStart time.Time
	PeriodEnd   time.Time
}

// SelfHostedPlan is the plan every self-hosted organization is on.
const SelfHostedPlan = "enterprise"

// BillingSubscription returns the organization's (self-hosted) plan.
func (s *Service) BillingSubscription(ctx context.Context, p *Principal, orgID string) (*Subscription, error) {
	if err := p.CanReadOrganization(orgID); err != nil {
		return nil, err
	}
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return nil, err
	}
	coupons, err := s.store.ListCoupons(ctx, orgID)
	if err != nil {
		return nil, err
	}
	start := time.Date(s.now().Year(), s.now().Month(), 1, 0, 0, 0, 0, time.UTC)
	return &Subscription{PlanType: SelfHostedPlan, Scope: []string{"self-hosted"}, Version: "self-hosted",
		Coupons: coupons, PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0)}, nil
}

// ApplyCoupon records a coupon; self-hosted plans have nothing to discount,
// but the coupon is kept and shown so the call round-trips.
func (s *Service) ApplyCoupon(ctx context.Context, p *Principal, orgID, coupon string) (*Subscription, error) {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	c, err := checkText("coupon", coupon, 64, true)
	if err != nil {
		return nil, err
	}
	if err := s.store.AddCoupon(ctx, orgID, c, s.now()); err != nil {
		return nil, err
	}
	return s.BillingSubscription(ctx, p, orgID)
}

// UpgradeSubscription is a no-op: a self-hosted organization has every plan.
func (s *Service) UpgradeSubscription(ctx context.Context, p *Principal, orgID string) (*Subscription, error) {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	return s.BillingSubscription(ctx, p, orgID)
}
