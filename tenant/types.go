// Package tenant holds the operator's side of the platform: organizations,
// their members and invites, projects, environments with their settings,
// admin API tokens and CORS origins, and who may touch which of them.
package tenant

import (
	"encoding/json"
	"time"
)

// Role is a member's role in an organization, strongest first.
type Role string

const (
	RoleOwner     Role = "owner"
	RoleAdmin     Role = "admin"
	RoleDeveloper Role = "developer"
	RoleViewer    Role = "viewer"
)

var roleRank = map[Role]int{RoleOwner: 4, RoleAdmin: 3, RoleDeveloper: 2, RoleViewer: 1}

// Valid reports whether r is one of the contract's RoleEnum values.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r is as strong as min.
func (r Role) AtLeast(min Role) bool { return roleRank[r] >= roleRank[min] }

// Environment names; every project has one of each.
const (
	EnvSandbox = "sandbox"
	EnvLive    = "live"
)

// Address is an organization's postal address.
type Address struct {
	Line1, Line2, City, Region, PostalCode, Country string
}

// Organization owns projects and has members.
type Organization struct {
	ID                     string
	Name                   string
	Description            string
	WebsiteURL             string
	ImplementationTimeline string
	Address                Address
	CreatedAt, UpdatedAt   time.Time
}

// OrganizationWithRole is an organization as seen by one member.
type OrganizationWithRole struct {
	Organization
	Role Role
}

// EnvironmentRef names one environment of a project.
type EnvironmentRef struct {
	ID   string
	Name string
}

// Project groups a sandbox and a live environment.
type Project struct {
	ID             string
	OrganizationID string
	Name           string
	Environments   []EnvironmentRef
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Environment is where end users live; its settings are the contract's
// ProjectSettings document, kept as validated JSON.
type Environment struct {
	ID             string
	ProjectID      string
	OrganizationID string
	Name           string
	Settings       json.RawMessage
	SDKVersion     string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// DashboardUser is a person who operates organizations (not an end user).
type DashboardUser struct {
	ID              string
	Alias           string
	Email           string
	FirstName       string
	LastName        string
	WalletPublicKey string
	CreatedAt       time.Time
}

// Member is a dashboard user's membership of an organization.
type Member struct {
	ID             string
	OrganizationID string
	User           DashboardUser
	Role           Role
	CreatedAt      time.Time
}

// Invite statuses.
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteRejected = "rejected"
)

// Invite asks someone to join an organization.
type Invite struct {
	ID               string
	OrganizationID   string
	OrganizationName string
	Status           string
	Email            string
	Alias            string
	WalletPublicKey  string
	PhoneNumber      string
	Role             Role
	CreatedByEmail   string
	CreatedAt        time.Time
}

// Token is an admin API token as stored: never the raw value.
type Token struct {
	ID             string
	EnvironmentID  string
	ProjectID      string
	OrganizationID string
	Hash           []byte
	Checksum       string
	Note           string
	Scopes         []Scope // empty: every environment scope
	OrgWide        bool    // reaches every organization its creator belongs to
	CreatedBy      Member
	CreatedAt      time.Time
}

// Origin is an allowed browser origin (CORS, SIWE domain) of an environment.
type Origin struct {
	ID            string
	EnvironmentID string
	Origin        string
	CreatedAt     time.Time
}

// MFA device types an organization may enable for its dashboard members.
var MfaDeviceTypes = []string{"totp", "passkey", "email"}

// MfaSetting tells whether one MFA device type is enabled.
type MfaSetting struct {
	DeviceType string
	EnabledAt  *time.Time
}

// SsoProvider is an organization's single sign-on configuration.
type SsoProvider struct {
	ID                   string
	OrganizationID       string
	ClientID             string
	ClientSecretSealed   []byte
	MaskedClientSecret   string
	SsoDomain            string
	EmailDomain          string
	Provider             string
	RedirectURL          string
	EnforceOnlySSO       bool
	CreatedAt, UpdatedAt time.Time
}

// VisitorStats counts an environment's users and wallet visitors.
type VisitorStats struct {
	Users, UsersPastMonth       int
	Visitors, VisitorsPastMonth int
}

// Bootstrap is what a fresh database is seeded with.
type Bootstrap struct {
	OrganizationID    string `json:"organizationId"`
	ProjectID         string `json:"projectId"`
	EnvironmentID     string `json:"environmentId"`
	LiveEnvironmentID string `json:"liveEnvironmentId"`
	OwnerMemberID     string `json:"ownerMemberId"`
}
