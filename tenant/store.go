package tenant

import (
	"context"
	"time"
)

// Store is the persistence tenant needs. Each method is atomic. Lookups of a
// missing row return an errs.KindNotFound error; unique violations return
// errs.KindConflict.
type Store interface {
	// Bootstrap seeds a fresh database: organization, owner, project, both
	// environments and the owner's first token, in one transaction. It
	// fails with a conflict if the database was seeded already.
	Bootstrap(ctx context.Context, seed Seed) error
	// BootstrapIDs returns the ids Bootstrap wrote (not found before it).
	BootstrapIDs(ctx context.Context) (*Bootstrap, error)
	// CreateTenant writes a seed like Bootstrap does, for another operator.
	CreateTenant(ctx context.Context, seed Seed) error
	// DashboardUserByEmail finds an operator by (lower-case) email.
	DashboardUserByEmail(ctx context.Context, email string) (*DashboardUser, error)
	// MemberOf returns a user's membership of an organization.
	MemberOf(ctx context.Context, orgID, userID string) (*Member, error)

	CreateOrganization(ctx context.Context, org *Organization, owner *Member) error
	GetOrganization(ctx context.Context, id string) (*Organization, error)
	UpdateOrganization(ctx context.Context, org *Organization) error
	ListOrganizationsForUser(ctx context.Context, userID string) ([]OrganizationWithRole, error)

	// CreateProject stores p with its environments, or refuses with
	// ErrTooManyProjects when its organization has max projects already
	// (counted in the same transaction).
	CreateProject(ctx context.Context, p *Project, envs []*Environment, max int) error
	GetProject(ctx context.Context, id string) (*Project, error)
	ListProjects(ctx context.Context, orgID string) ([]Project, error)
	UpdateProject(ctx context.Context, p *Project) error
	DeleteProject(ctx context.Context, id string) error

	GetEnvironment(ctx context.Context, id string) (*Environment, error)
	ListEnvironments(ctx context.Context, projectID string) ([]Environment, error)
	UpdateEnvironmentSettings(ctx context.Context, id string, settings []byte, at time.Time) error
	VisitorStats(ctx context.Context, envID string, since time.Time) (*VisitorStats, error)

	// CreateToken stores t, or refuses with ErrTooManyTokens when the
	// organization of t's environment has max tokens already (counted in
	// the same transaction); max 0 is no cap (the operator's init).
	CreateToken(ctx context.Context, t *Token, max int) error
	// TokenByHash finds a token and the memberships of its creator.
	TokenByHash(ctx context.Context, hash []byte) (*Token, map[string]Role, error)
	// RehashToken replaces the hash of token id, if it still is old.
	RehashToken(ctx context.Context, id string, old, hash []byte) error
	ListTokens(ctx context.Context, envID string) ([]Token, error)
	DeleteToken(ctx context.Context, envID, tokenID string) error

	ListOrigins(ctx context.Context, envID string) ([]Origin, error)
	// AddOrigin stores o, or refuses with ErrTooManyOrigins when its
	// environment has max origins already (counted in the same transaction).
	AddOrigin(ctx context.Context, o *Origin, max int) error
	GetOrigin(ctx context.Context, id string) (*Origin, error)
	DeleteOrigin(ctx context.Context, id string) error

	ListMembers(ctx context.Context, orgID string) ([]Member, error)
	GetMember(ctx context.Context, id string) (*Member, error)
	UpdateMemberRole(ctx context.Context, id string, role Role) error
	// TransferOwnership makes toMemberID the owner and fromMemberID an admin.
	TransferOwnership(ctx context.Context, fromMemberID, toMemberID string) error
	DeleteMember(ctx context.Context, id string) error
	MembershipEnvironmentIDs(ctx context.Context, userID string) ([]string, error)

	// CreateInvite stores inv, or refuses with ErrTooManyInvites when its
	// organization has max pending invites already (counted in the same
	// transaction).
	CreateInvite(ctx context.Context, inv *Invite, max int) error
	GetInvite(ctx context.Context, id string) (*Invite, error)
	ListInvites(ctx context.Context, orgID, status string) ([]Invite, error)
	// ListInvitesFor lists invites addressed to a dashboard user's email or wallet.
	ListInvitesFor(ctx context.Context, user DashboardUser, status string) ([]Invite, error)
	// SetInviteStatus changes the status; accepting adds the invitee as a member
	// in the same transaction. An accepted invite changes no more, and only a
	// pending one is accepted (ErrInviteNotPending). Reopening an invite
	// (to pending) counts it against max, as CreateInvite does
	// (ErrTooManyInvites).
	SetInviteStatus(ctx context.Context, id, status string, newMember *Member, max int) error
	DeleteInvite(ctx context.Context, id string) error

	ListMfaSettings(ctx context.Context, orgID string) ([]MfaSetting, error)
	SetMfaSetting(ctx context.Context, orgID, deviceType string, enabledAt *time.Time) error

	GetSsoProvider(ctx context.Context, orgID string) (*SsoProvider, error)
	CreateSsoProvider(ctx context.Context, p *SsoProvider) error
	UpdateSsoProvider(ctx context.Context, p *SsoProvider) error
	DeleteSsoProvider(ctx context.Context, orgID, id string) error

	AddCoupon(ctx context.Context, orgID, coupon string, at time.Time) error
	ListCoupons(ctx context.Context, orgID string) ([]string, error)
}

// Seed is everything Bootstrap writes.
type Seed struct {
	Organization *Organization
	Owner        *Member
	Project      *Project
	Environments []*Environment
	Token        *Token
}
