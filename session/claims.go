package session

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/users"
)

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
	LastSelectedAt   string `json:"lastSelectedAt,omitempty"`
	VerifiedAt       string `json:"verifiedAt,omitempty"`
}

// CredentialHashes is verifiedCredentialsHashes: one hash per format over
// the concatenated credential ids, so a backend sees credential changes
// without the full list.
type CredentialHashes struct {
	Blockchain  string `json:"blockchain,omitempty"`
	Email       string `json:"email,omitempty"`
	OAuth       string `json:"oauth,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
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
}

// Full is the DynamicJwt: the minified claims plus the user's profile and
// every credential.
type Full struct {
	Minified
	VerifiedCredentials []Credential     `json:"verified_credentials"`
	MissingFields       []users.KycEntry `json:"missing_fields"`
	Lists               []string         `json:"lists"`
	NewUser             bool             `json:"new_user"`
	FirstVisit          string           `json:"first_visit,omitempty"`
	LastVisit           string           `json:"last_visit,omitempty"`
	Alias               string           `json:"alias,omitempty"`
	GivenName           string           `json:"given_name,omitempty"`
	FamilyName          string           `json:"family_name,omitempty"`
	PhoneNumber         string           `json:"phone_number,omitempty"`
	JobTitle            string           `json:"job_title,omitempty"`
	Country             string           `json:"country,omitempty"`
	TShirtSize          string           `json:"t_shirt_size,omitempty"`
	Team                string           `json:"team,omitempty"`
	Metadata            any              `json:"metadata,omitempty"`
}

// ScopeUserBasic marks a completed authentication; backends require it.
const ScopeUserBasic = "user:basic"

const wireTime = "2006-01-02T15:04:05.000Z"

// WireCredentials renders a user's credentials for JWTs and SdkUser.
func WireCredentials(u *users.User) []Credential {
	out := make([]Credential, 0, len(u.Credentials))
	for _, c := range u.Credentials {
		wc := Credential{ID: c.ID, Format: c.Format, SignInEnabled: c.SignInEnabled,
			PublicIdentifier: c.PublicIdentifier, VerifiedAt: c.VerifiedAt.UTC().Format(wireTime)}
		switch c.Format {
		case users.FormatBlockchain:
			wc.Address, wc.Chain = c.PublicIdentifier, c.Chain
			wc.WalletName, wc.WalletProvider = c.WalletName, c.WalletProvider
		case users.FormatEmail:
			wc.Email = c.Address
		}
		if c.LastSelectedAt != nil {
			wc.LastSelectedAt = c.LastSelectedAt.UTC().Format(wireTime)
		}
		out = append(out, wc)
	}
	return out
}

func credentialHashes(u *users.User) *CredentialHashes {
	ids := map[string][]string{}
	for _, c := range u.Credentials {
		ids[c.Format] = append(ids[c.Format], c.ID)
	}
	h := func(format string) string {
		if len(ids[format]) == 0 {
			return ""
		}
		sum := sha256.Sum256([]byte(strings.Join(ids[format], "")))
		return hex.EncodeToString(sum[:])
	}
	return &CredentialHashes{Blockchain: h(users.FormatBlockchain), Email: h(users.FormatEmail),
		OAuth: h(users.FormatOAuth), PhoneNumber: h(users.FormatPhoneNumber)}
}

// Scope is the scope claim of a profile: user:basic, plus userDataForm
// while required profile fields are missing.
func Scope(p *users.Profile) string {
	if extra := p.Scope(); extra != "" {
		return ScopeUserBasic + " " + extra
	}
	return ScopeUserBasic
}

// claimsFor builds both claim sets for a user's session.
func claimsFor(kid, iss, aud string, p *users.Profile, s *Session, iat time.Time, newUser bool) (*Full, *Minified) {
	u := p.User
	m := Minified{
		Kid: kid, Aud: aud, Iss: iss, Sub: u.ID, Sid: s.ID, Iat: iat.Unix(), Exp: s.ExpiresAt.Unix(),
		RefreshExp: s.RefreshExpiresAt.Unix(), EnvironmentID: s.EnvironmentID,
		LastVerifiedCredentialID: u.LastVerifiedCredentialID, SigninCredentialID: s.SigninCredentialID,
		SessionPublicKey: s.SessionPublicKey, Scope: Scope(p), VerifiedCredentialHashes: credentialHashes(u),
		Email: u.Email, Username: u.Username, Roles: []string{},
	}
	if p.Missing == nil {
		p.Missing = []users.KycEntry{}
	}
	f := &Full{
		Minified: m, VerifiedCredentials: WireCredentials(u), MissingFields: p.Missing, Lists: []string{},
		NewUser: newUser, FirstVisit: u.CreatedAt.UTC().Format(wireTime), LastVisit: u.LastVisitAt.UTC().Format(wireTime),
		Alias: u.Alias, GivenName: u.FirstName, FamilyName: u.LastName, PhoneNumber: u.PhoneNumber,
		JobTitle: u.JobTitle, Country: u.Country, TShirtSize: u.TShirtSize, Team: u.Team,
	}
	return f, &m
}
