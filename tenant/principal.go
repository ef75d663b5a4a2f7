package tenant

import (
	"slices"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Principal is who an admin request acts as: the token and what it reaches.
//
// A token belongs to one environment. An environment token (made through
// the API) reaches that environment, and may read its own project and
// organization. An organization-wide token (made by `dynamicauth init`)
// reaches every organization its creator is a member of, with that member's
// role. The rules live here so every route applies the same ones.
type Principal struct {
	Token       Token
	Memberships map[string]Role // organization id -> role of the token's creator
	// system marks the in-process principal of System: no token stands
	// behind it, and what it creates is credited to the organization's owner.
	system bool
}

// System is the trusted in-process principal of an embedding application:
// it acts as the owner of organization orgID, with every scope, without an
// API token. Code that holds the library already has the keys to the
// store, so this grants nothing it could not do; it never comes from a
// request.
func System(orgID string) *Principal {
	return &Principal{Token: Token{OrganizationID: orgID, OrgWide: true},
		Memberships: map[string]Role{orgID: RoleOwner}, system: true}
}

// HasScope reports whether the token carries s; no scopes means all.
func (p *Principal) HasScope(s Scope) bool {
	return len(p.Token.Scopes) == 0 || slices.Contains(p.Token.Scopes, s)
}

// RequireScope refuses a token without scope s.
func (p *Principal) RequireScope(s Scope) error {
	if !p.HasScope(s) {
		return errs.Forbidden("API token is missing the required scope " + string(s))
	}
	return nil
}

func (p *Principal) role(orgID string) (Role, bool) {
	r, ok := p.Memberships[orgID]
	return r, ok
}

var errNoReach = errs.Forbidden("API token does not have access to this resource")

// CanReadOrganization refuses organizations outside the token's reach.
func (p *Principal) CanReadOrganization(orgID string) error {
	if p.Token.OrgWide {
		if _, ok := p.role(orgID); ok {
			return nil
		}
		return errNoReach
	}
	if orgID == p.Token.OrganizationID {
		return nil
	}
	return errNoReach
}

// CanManageOrganization requires an organization-wide token whose creator
// holds at least role min in the organization.
func (p *Principal) CanManageOrganization(orgID string, min Role) error {
	if err := p.CanReadOrganization(orgID); err != nil {
		return err
	}
	if !p.Token.OrgWide {
		return errs.Forbidden("an environment API token cannot manage organizations or projects")
	}
	if r, _ := p.role(orgID); !r.AtLeast(min) {
		return errs.Forbidden("this action needs the " + string(min) + " role")
	}
	return nil
}

// RequireOrgWide refuses environment tokens: the routes about the token's
// operator rather than one environment (their invitations) are for
// organization-wide tokens only, as organizations are.
func (p *Principal) RequireOrgWide() error {
	if !p.Token.OrgWide {
		return errs.Forbidden("an environment API token cannot act for its operator; use an organization-wide token")
	}
	return nil
}

// mayRevokeOrgWide refuses to revoke organization-wide token t of
// organization orgID unless the principal is t's operator or an admin of
// orgID whose role is at least that of t's operator.
func (p *Principal) mayRevokeOrgWide(orgID string, t *Token) error {
	if !p.Token.OrgWide {
		return errs.Forbidden("an environment API token cannot delete an organization-wide token")
	}
	if p.system || t.CreatedBy.User.ID == p.Token.CreatedBy.User.ID {
		return nil
	}
	if r, _ := p.role(orgID); !r.AtLeast(RoleAdmin) || !r.AtLeast(t.CreatedBy.Role) {
		return errs.Forbidden("only its operator, or an admin of at least their role, can delete an organization-wide token")
	}
	return nil
}

// CanReadProject refuses projects outside the token's reach.
func (p *Principal) CanReadProject(pr *Project) error {
	if p.Token.OrgWide {
		return p.CanReadOrganization(pr.OrganizationID)
	}
	if pr.ID == p.Token.ProjectID {
		return nil
	}
	return errNoReach
}

// SeesEnvironment reports whether the token reaches environment env.
func (p *Principal) SeesEnvironment(env *Environment) bool {
	if p.Token.OrgWide {
		_, ok := p.role(env.OrganizationID)
		return ok
	}
	return env.ID == p.Token.EnvironmentID
}

// CanUseEnvironment checks reach and scope for an environment route. Writes
// (s.Writes) need the token's operator to hold at least the developer
// role in the environment's organization now: an environment token made
// by a developer since demoted to viewer writes no more than they may.
func (p *Principal) CanUseEnvironment(env *Environment, s Scope) error {
	if !p.SeesEnvironment(env) {
		return errNoReach
	}
	if err := p.RequireScope(s); err != nil {
		return err
	}
	if s.Writes() {
		if r, _ := p.role(env.OrganizationID); !r.AtLeast(RoleDeveloper) {
			return errs.Forbidden("this action needs the developer role")
		}
	}
	return nil
}
