package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// The JSON shapes of the contract. Field names are the wire names of
// @dynamic-labs/sdk-api; httpapi maps domain types onto them and nothing else.

const wireTime = "2006-01-02T15:04:05.000Z"

func ts(t time.Time) string { return t.UTC().Format(wireTime) }

func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

type wireAddress struct {
	AddressLine1 string `json:"addressLine1,omitempty"`
	AddressLine2 string `json:"addressLine2,omitempty"`
	City         string `json:"city,omitempty"`
	Region       string `json:"region,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	Country      string `json:"country,omitempty"`
}

func (a wireAddress) domain() tenant.Address {
	return tenant.Address{Line1: a.AddressLine1, Line2: a.AddressLine2, City: a.City, Region: a.Region,
		PostalCode: a.PostalCode, Country: a.Country}
}

type wireOrganization struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	WebsiteURL  string       `json:"websiteUrl,omitempty"`
	Address     *wireAddress `json:"address,omitempty"`
	Role        string       `json:"role,omitempty"`
}

func toOrganization(o *tenant.Organization, role tenant.Role) wireOrganization {
	w := wireOrganization{ID: o.ID, Name: o.Name, Description: o.Description, WebsiteURL: o.WebsiteURL, Role: string(role)}
	if o.Address != (tenant.Address{}) {
		a := o.Address
		w.Address = &wireAddress{a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country}
	}
	return w
}

type wireProjectEnvironmentRef struct {
	ID              string `json:"id"`
	EnvironmentName string `json:"environmentName"`
}

type wireProject struct {
	ID                  string                      `json:"id"`
	Name                string                      `json:"name"`
	OrganizationID      string                      `json:"organizationId"`
	ProjectEnvironments []wireProjectEnvironmentRef `json:"projectEnvironments"`
}

func toProject(p *tenant.Project) wireProject {
	w := wireProject{ID: p.ID, Name: p.Name, OrganizationID: p.OrganizationID, ProjectEnvironments: []wireProjectEnvironmentRef{}}
	for _, e := range p.Environments {
		w.ProjectEnvironments = append(w.ProjectEnvironments, wireProjectEnvironmentRef{ID: e.ID, EnvironmentName: e.Name})
	}
	return w
}

type wireEnvironment struct {
	ID         string          `json:"id"`
	Settings   json.RawMessage `json:"settings,omitempty"`
	CreatedAt  string          `json:"createdAt,omitempty"`
	UpdatedAt  string          `json:"updatedAt,omitempty"`
	SDKVersion string          `json:"sdkVersion,omitempty"`
}

func toEnvironment(e *tenant.Environment) wireEnvironment {
	w := wireEnvironment{ID: e.ID, Settings: e.Settings, SDKVersion: e.SDKVersion}
	if !e.CreatedAt.IsZero() {
		w.CreatedAt, w.UpdatedAt = ts(e.CreatedAt), ts(e.UpdatedAt)
	}
	return w
}

type wireTokenCreatedBy struct {
	ID        string `json:"id"`
	Alias     string `json:"alias,omitempty"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
}

type wireIDOnly struct {
	ID string `json:"id"`
}

type wireToken struct {
	ID                   string             `json:"id"`
	RawToken             string             `json:"rawToken,omitempty"`
	Checksum             string             `json:"checksum"`
	CreatedBy            wireTokenCreatedBy `json:"createdBy"`
	Active               *bool              `json:"active,omitempty"`
	CreatedAt            string             `json:"createdAt"`
	Note                 string             `json:"note,omitempty"`
	ProjectEnvironmentID string             `json:"projectEnvironmentId"`
	ProjectEnvironment   wireIDOnly         `json:"projectEnvironment"`
	Scopes               []tenant.Scope     `json:"scopes"`
}

func toToken(t *tenant.Token) wireToken {
	u := t.CreatedBy.User
	scopes := t.Scopes
	if scopes == nil {
		scopes = []tenant.Scope{}
	}
	return wireToken{
		ID: t.ID, Checksum: t.Checksum, CreatedAt: ts(t.CreatedAt), Note: t.Note,
		CreatedBy:            wireTokenCreatedBy{ID: u.ID, Alias: u.Alias, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email},
		ProjectEnvironmentID: t.EnvironmentID, ProjectEnvironment: wireIDOnly{ID: t.EnvironmentID}, Scopes: scopes,
	}
}

type wireOrigin struct {
	ID                   string `json:"id"`
	Origin               string `json:"origin"`
	CreatedAt            string `json:"createdAt"`
	ProjectEnvironmentID string `json:"projectEnvironmentId"`
}

func toOrigin(o *tenant.Origin) wireOrigin {
	return wireOrigin{ID: o.ID, Origin: o.Origin, CreatedAt: ts(o.CreatedAt), ProjectEnvironmentID: o.EnvironmentID}
}

// wireMemberUser is the contract's User, as far as a dashboard user fills it.
type wireMemberUser struct {
	ID                   string  `json:"id"`
	ProjectEnvironmentID string  `json:"projectEnvironmentId"`
	Alias                *string `json:"alias"`
	Email                *string `json:"email"`
	FirstName            *string `json:"firstName"`
	LastName             *string `json:"lastName"`
	WalletPublicKey      string  `json:"walletPublicKey,omitempty"`
	CreatedAt            string  `json:"createdAt,omitempty"`
}

type wireMember struct {
	ID   string         `json:"id"`
	User wireMemberUser `json:"user"`
	Role tenant.Role    `json:"role"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toMember(m *tenant.Member) wireMember {
	u := m.User
	return wireMember{ID: m.ID, Role: m.Role, User: wireMemberUser{
		ID: u.ID, Alias: nullable(u.Alias), Email: nullable(u.Email), FirstName: nullable(u.FirstName),
		LastName: nullable(u.LastName), WalletPublicKey: u.WalletPublicKey, CreatedAt: ts(u.CreatedAt),
	}}
}

type wireInvite struct {
	ID               string      `json:"id"`
	OrganizationID   string      `json:"organizationId"`
	OrganizationName string      `json:"organizationName"`
	Status           string      `json:"status"`
	Email            string      `json:"email,omitempty"`
	Alias            string      `json:"alias,omitempty"`
	WalletPublicKey  string      `json:"walletPublicKey,omitempty"`
	Role             tenant.Role `json:"role"`
	CreatedByEmail   string      `json:"createdByEmail,omitempty"`
}

func toInvites(invs []tenant.Invite) map[string]any {
	out := make([]wireInvite, 0, len(invs))
	for _, i := range invs {
		out = append(out, wireInvite{ID: i.ID, OrganizationID: i.OrganizationID, OrganizationName: i.OrganizationName,
			Status: i.Status, Email: i.Email, Alias: i.Alias, WalletPublicKey: i.WalletPublicKey, Role: i.Role,
			CreatedByEmail: i.CreatedByEmail})
	}
	return map[string]any{"count": len(out), "invites": out}
}

type wireMfaSetting struct {
	EnabledAt     *string `json:"enabledAt"`
	MfaDeviceType string  `json:"mfaDeviceType"`
}

func toMfaSetting(m tenant.MfaSetting) wireMfaSetting {
	return wireMfaSetting{EnabledAt: tsPtr(m.EnabledAt), MfaDeviceType: m.DeviceType}
}

type wireCoupon struct {
	Coupon string `json:"coupon"`
}

type wireBillingPeriod struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
}

type wireSubscription struct {
	HasPaymentMethod            bool              `json:"hasPaymentMethod"`
	PlanType                    string            `json:"planType"`
	InTrial                     bool              `json:"inTrial"`
	Scope                       []string          `json:"scope"`
	Version                     string            `json:"version"`
	ShouldLockEnvironmentSwitch bool              `json:"shouldLockEnvironmentSwitch"`
	CurrentBillingPeriod        wireBillingPeriod `json:"currentBillingPeriod"`
	Coupons                     []wireCoupon      `json:"coupons"`
}

func toSubscription(s *tenant.Subscription) wireSubscription {
	w := wireSubscription{PlanType: s.PlanType, Scope: s.Scope, Version: s.Version, Coupons: []wireCoupon{},
		CurrentBillingPeriod: wireBillingPeriod{StartDate: ts(s.PeriodStart), EndDate: ts(s.PeriodEnd)}}
	for _, c := range s.Coupons {
		w.Coupons = append(w.Coupons, wireCoupon{Coupon: c})
	}
	return w
}

type wireSsoProvider struct {
	ID                 string `json:"id"`
	ClientID           string `json:"clientId"`
	MaskedClientSecret string `json:"maskedClientSecret"`
	OrganizationID     string `json:"organizationId"`
	SsoDomain          string `json:"ssoDomain"`
	EmailDomain        string `json:"emailDomain"`
	Provider           string `json:"provider"`
	RedirectURL        string `json:"redirectUrl,omitempty"`
	EnforceOnlySSO     bool   `json:"enforceOnlySSO"`
	CreatedAt          string `json:"createdAt"`
	UpdatedAt          string `json:"updatedAt"`
}

func toSsoProvider(p *tenant.SsoProvider) wireSsoProvider {
	return wireSsoProvider{ID: p.ID, ClientID: p.ClientID, MaskedClientSecret: p.MaskedClientSecret,
		OrganizationID: p.OrganizationID, SsoDomain: p.SsoDomain, EmailDomain: p.EmailDomain, Provider: p.Provider,
		RedirectURL: p.RedirectURL, EnforceOnlySSO: p.EnforceOnlySSO, CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

func toKey(k *signing.Key) map[string]any {
	return map[string]any{"key": map[string]string{"id": k.ID, "publicKey": base64.StdEncoding.EncodeToString([]byte(k.PublicPEM))}}
}

// wireSDKUser is the contract's SdkUser.
type wireSDKUser struct {
	ID                           string               `json:"id"`
	ProjectEnvironmentID         string               `json:"projectEnvironmentId"`
	VerifiedCredentials          []session.Credential `json:"verifiedCredentials"`
	LastVerifiedCredentialID     string               `json:"lastVerifiedCredentialId,omitempty"`
	SessionID                    string               `json:"sessionId,omitempty"`
	Alias                        *string              `json:"alias,omitempty"`
	Country                      *string              `json:"country,omitempty"`
	Email                        *string              `json:"email,omitempty"`
	FirstName                    *string              `json:"firstName,omitempty"`
	JobTitle                     *string              `json:"jobTitle,omitempty"`
	LastName                     *string              `json:"lastName,omitempty"`
	PhoneNumber                  *string              `json:"phoneNumber,omitempty"`
	TShirtSize                   *string              `json:"tShirtSize,omitempty"`
	Team                         *string              `json:"team,omitempty"`
	Username                     *string              `json:"username,omitempty"`
	FirstVisit                   string               `json:"firstVisit"`
	LastVisit                    string               `json:"lastVisit"`
	NewUser                      bool                 `json:"newUser"`
	Metadata                     json.RawMessage      `json:"metadata"`
	MfaBackupCodeAcknowledgement *string              `json:"mfaBackupCodeAcknowledgement"`
	Lists                        []string             `json:"lists"`
	Scope                        string               `json:"scope"`
	MissingFields                []any                `json:"missingFields"`
}

func toSDKUser(u *users.User, sessionID string, newUser bool) wireSDKUser {
	meta := u.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	return wireSDKUser{
		ID: u.ID, ProjectEnvironmentID: u.EnvironmentID, VerifiedCredentials: session.WireCredentials(u),
		LastVerifiedCredentialID: u.LastVerifiedCredentialID, SessionID: sessionID,
		Alias: nullable(u.Alias), Country: nullable(u.Country), Email: nullable(u.Email), FirstName: nullable(u.FirstName),
		JobTitle: nullable(u.JobTitle), LastName: nullable(u.LastName), PhoneNumber: nullable(u.PhoneNumber),
		TShirtSize: nullable(u.TShirtSize), Team: nullable(u.Team), Username: nullable(u.Username),
		FirstVisit: ts(u.CreatedAt), LastVisit: ts(u.LastVisitAt), NewUser: newUser, Metadata: meta,
		Lists: []string{}, Scope: session.ScopeUserBasic, MissingFields: []any{},
		MfaBackupCodeAcknowledgement: nullable(u.MfaBackupCodeAcknowledgement),
	}
}

type wireVerifyResponse struct {
	User        wireSDKUser `json:"user"`
	ExpiresAt   int64       `json:"expiresAt"`
	JWT         string      `json:"jwt,omitempty"`
	MinifiedJWT string      `json:"minifiedJwt,omitempty"`
	MFAToken    string      `json:"mfaToken,omitempty"`
	// ElevatedAccessToken is the newer clients' ([core]) scoped token.
	ElevatedAccessToken string `json:"elevatedAccessToken,omitempty"`
}

func toVerifyResponse(res *signin.Result) wireVerifyResponse {
	u := toProfileUser(res.Profile, res.Session.ID)
	u.NewUser = res.NewUser
	if res.Auth.MFAPending || res.Auth.DevicePending {
		u.Scope = session.RestrictedScope(res.Auth)
	}
	return wireVerifyResponse{User: u, ExpiresAt: res.Tokens.ExpiresAt, JWT: res.Tokens.JWT, MinifiedJWT: res.Tokens.MinifiedJWT,
		MFAToken: res.MFAToken, ElevatedAccessToken: res.ElevatedAccessToken}
}
