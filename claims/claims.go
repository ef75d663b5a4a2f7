// Package claims holds the claim sets of the session JWTs dynamicauth
// issues (Dynamic's DynamicJwt and MinifiedDynamicJwt) and the few wire
// types they contain.
//
// It is a leaf: it imports only the standard library, so a backend that
// only verifies tokens (package verifier) pulls in neither the chain code
// nor a database driver.
package claims

import (
	"slices"
	"strings"
)

// ScopeUserBasic marks a completed authentication; backends require it.
const ScopeUserBasic = "user:basic"

// ScopeRequiresAdditionalAuth marks an MFA-pending token (instead of
// user:basic): its first factor passed, a second is still due.
const ScopeRequiresAdditionalAuth = "requiresAdditionalAuth"

// ScopeDeviceRegister marks a token whose device awaits the user's
// emailed approval (device registration; instead of user:basic).
const ScopeDeviceRegister = "device:register"

// Credential is a JwtVerifiedCredential: wire names mix snake and camel
// case exactly as Dynamic's clients read them.
type Credential struct {
	ID               string `json:"id"`
	Format           string `json:"format"`
	SignInEnabled    bool   `json:"signInEnabled"`
	Address          string `json:"address,omitempty"`
	Chain            string `json:"chain,omitempty"`
	PublicIdentifier string `json:"public_identifier,omitempty"`
	WalletName       string `json:"wallet_name,omitempty"`
	WalletProvider   string `json:"wallet_provider,omitempty"`
	Email            string `json:"email,omitempty"`
	// PhoneNumber (national), PhoneCountryCode and ISOCountryCode are a
	// phone credential's number in the parts the SMS routes speak in.
	PhoneNumber      string `json:"phoneNumber,omitempty"`
	PhoneCountryCode string `json:"phoneCountryCode,omitempty"`
	ISOCountryCode   string `json:"isoCountryCode,omitempty"`
	// The oauth_* fields describe a social account (format oauth).
	OAuthProvider    string   `json:"oauth_provider,omitempty"`
	OAuthAccountID   string   `json:"oauth_account_id,omitempty"`
	OAuthUsername    string   `json:"oauth_username,omitempty"`
	OAuthDisplayName string   `json:"oauth_display_name,omitempty"`
	OAuthEmails      []string `json:"oauth_emails,omitempty"`
	// OAuthAccountPhotos holds the account's profile picture URL.
	OAuthAccountPhotos []string `json:"oauth_account_photos,omitempty"`
	LastSelectedAt     string   `json:"lastSelectedAt,omitempty"`
	VerifiedAt         string   `json:"verifiedAt,omitempty"`
}

// CredentialHashes is verifiedCredentialsHashes: one hash per format over
// the concatenated credential ids, so a backend sees credential changes
// without the full list.
type CredentialHashes struct {
	Blockchain   string `json:"blockchain,omitempty"`
	Email        string `json:"email,omitempty"`
	ExternalUser string `json:"externalUser,omitempty"`
	OAuth        string `json:"oauth,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// Minified is the MinifiedDynamicJwt: what backends should verify.
type Minified struct {
	Kid                      string            `json:"kid"`
	Aud                      string            `json:"aud"`
	Iss                      string            `json:"iss"`
	Sub                      string            `json:"sub"`
	Sid                      string            `json:"sid"`
	OriginalSid              string            `json:"originalSid,omitempty"`
	Iat                      int64             `json:"iat"`
	Exp                      int64             `json:"exp"`
	RefreshExp               int64             `json:"refreshExp,omitempty"`
	EnvironmentID            string            `json:"environment_id"`
	LastVerifiedCredentialID string            `json:"last_verified_credential_id"`
	SigninCredentialID       string            `json:"signin_credential_id,omitempty"`
	SessionPublicKey         string            `json:"session_public_key,omitempty"`
	Scope                    string            `json:"scope,omitempty"`
	VerifiedCredentialHashes *CredentialHashes `json:"verifiedCredentialsHashes,omitempty"`
	Email                    string            `json:"email,omitempty"`
	Username                 string            `json:"username,omitempty"`
	Roles                    []string          `json:"roles"`
	// AMR lists how the session was authenticated (RFC 8176 style): the
	// first factor ("wallet", "email", "passkey", ...) and any second
	// factor passed ("totp", "recovery", "passkey", "email").
	AMR []string `json:"amr,omitempty"`
	// DeviceRegistrationID is the registered device of the session
	// (device registration).
	DeviceRegistrationID string `json:"deviceRegistrationId,omitempty"`
}

// MFAPending reports whether the token is MFA-pending: its first factor
// passed, a second is still due, so it is not a full session.
func (m *Minified) MFAPending() bool {
	f := strings.Fields(m.Scope)
	return slices.Contains(f, ScopeRequiresAdditionalAuth) && !slices.Contains(f, ScopeUserBasic)
}

// DevicePending reports whether the token's device awaits the user's
// emailed approval, so it is not a full session.
func (m *Minified) DevicePending() bool {
	f := strings.Fields(m.Scope)
	return slices.Contains(f, ScopeDeviceRegister) && !slices.Contains(f, ScopeUserBasic)
}

// MFAComplete reports whether a second factor was passed in this session
// (the token is full and its amr names more than the first factor).
func (m *Minified) MFAComplete() bool {
	return !m.MFAPending() && slices.Contains(strings.Fields(m.Scope), ScopeUserBasic) && len(m.AMR) > 1
}

// Full is the DynamicJwt: the minified claims plus the user's profile and
// every credential.
type Full struct {
	Minified
	VerifiedCredentials []Credential `json:"verified_credentials"`
	MissingFields       []KycEntry   `json:"missing_fields"`
	Lists               []string     `json:"lists"`
	NewUser             bool         `json:"new_user"`
	FirstVisit          string       `json:"first_visit,omitempty"`
	LastVisit           string       `json:"last_visit,omitempty"`
	Alias               string       `json:"alias,omitempty"`
	GivenName           string       `json:"given_name,omitempty"`
	FamilyName          string       `json:"family_name,omitempty"`
	PhoneNumber         string       `json:"phone_number,omitempty"`
	JobTitle            string       `json:"job_title,omitempty"`
	Country             string       `json:"country,omitempty"`
	TShirtSize          string       `json:"t_shirt_size,omitempty"`
	Team                string       `json:"team,omitempty"`
	Metadata            any          `json:"metadata,omitempty"`
}
