package session

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/claims"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-jose/go-jose/v4"
	"github.com/nyaruka/phonenumbers"
)

// The claim types live in the leaf package claims, so token verifiers need
// not import this package; these names keep session's own vocabulary.
type (
	Credential       = claims.Credential
	CredentialHashes = claims.CredentialHashes
	Minified         = claims.Minified
	Full             = claims.Full
)

// ScopeUserBasic marks a completed authentication; backends require it.
const ScopeUserBasic = claims.ScopeUserBasic

// ScopeRequiresAdditionalAuth marks an MFA-pending token (instead of
// user:basic): users/mfa/auth/* upgrades it to a full one.
const ScopeRequiresAdditionalAuth = claims.ScopeRequiresAdditionalAuth

// Auth is how a session is authenticated: the methods passed (the amr
// claim) and whether a second factor is still due.
type Auth struct {
	MFAPending bool
	// DevicePending: the session's device awaits the user's emailed
	// approval (package devices).
	DevicePending bool
	AMR           []string
	// Grants are what access control gave the session.
	Grants Grants
	// Claims are the application's own claims (a JSON object whose names
	// are none of claims.Reserved, checked by the caller): added as they
	// are to both tokens, so they are marshalled once per issue.
	Claims json.RawMessage
}

// Grants are what access control gave a session: the names of the lists
// the user matched (the lists claim) and scopes added to scope.
type Grants struct {
	Lists  []string
	Scopes []string
	// Decided tells grants from a decision apart from none asked for.
	Decided bool
}

// AuthOf is the Auth a token records.
func AuthOf(m *Minified) Auth {
	return Auth{MFAPending: m.MFAPending(), DevicePending: m.DevicePending(), AMR: slices.Clone(m.AMR)}
}

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
		case users.FormatPhoneNumber:
			wc.PhoneNumber, wc.PhoneCountryCode, wc.ISOCountryCode = splitPhone(c.Address)
		case users.FormatOAuth:
			// An oauth credential keeps the provider in Chain, the
			// account id in Address, the display name in WalletName.
			wc.OAuthProvider, wc.OAuthAccountID, wc.OAuthDisplayName = c.Chain, c.Address, c.WalletName
			if strings.Contains(c.PublicIdentifier, "@") {
				wc.OAuthEmails = []string{c.PublicIdentifier}
			} else if c.PublicIdentifier != c.Address {
				wc.OAuthUsername = c.PublicIdentifier
			}
			if c.PhotoURL != "" {
				wc.OAuthAccountPhotos = []string{c.PhotoURL}
			}
		}
		if c.LastSelectedAt != nil {
			wc.LastSelectedAt = c.LastSelectedAt.UTC().Format(wireTime)
		}
		out = append(out, wc)
	}
	return out
}

// splitPhone splits a phone credential's E.164 number into its national
// number, calling code and region, derived rather than stored: the number
// alone is the credential's identity. A number that does not parse stays
// whole in public_identifier; a region shared by no single country (a
// non-geographic number) is left out.
func splitPhone(e164 string) (national, callingCode, region string) {
	p, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return "", "", ""
	}
	region = phonenumbers.GetRegionCodeForNumber(p)
	if region == phonenumbers.UNKNOWN_REGION || region == "001" {
		region = ""
	}
	return phonenumbers.GetNationalSignificantNumber(p), strconv.Itoa(int(p.GetCountryCode())), region
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
		ExternalUser: h(users.FormatExternalUser),
		OAuth:        h(users.FormatOAuth), PhoneNumber: h(users.FormatPhoneNumber)}
}

// Scope is the scope claim of a profile: user:basic, plus userDataForm
// while required profile fields are missing.
func Scope(p *users.Profile) string {
	if extra := p.Scope(); extra != "" {
		return ScopeUserBasic + " " + extra
	}
	return ScopeUserBasic
}

// RestrictedScope is the scope of a session that is not a full one yet:
// what it still has to pass, in place of user:basic.
func RestrictedScope(a Auth) string {
	var due []string
	if a.MFAPending {
		due = append(due, ScopeRequiresAdditionalAuth)
	}
	if a.DevicePending {
		due = append(due, claims.ScopeDeviceRegister)
	}
	return strings.Join(due, " ")
}

// claimsFor builds both claim sets for a user's session.
func claimsFor(kid, iss, aud string, p *users.Profile, s *Session, iat time.Time, newUser bool, a Auth) (*Full, *Minified) {
	u := p.User
	m := Minified{
		Kid: kid, Aud: aud, Iss: iss, Sub: u.ID, Sid: s.ID, Iat: iat.Unix(), Exp: s.ExpiresAt.Unix(),
		RefreshExp: s.RefreshExpiresAt.Unix(), EnvironmentID: s.EnvironmentID,
		LastVerifiedCredentialID: u.LastVerifiedCredentialID, SigninCredentialID: s.SigninCredentialID,
		SessionPublicKey: s.SessionPublicKey, DeviceRegistrationID: s.DeviceRegistrationID, Scope: Scope(p), VerifiedCredentialHashes: credentialHashes(u),
		Email: u.Email, Username: u.Username, Roles: []string{}, AMR: a.AMR,
	}
	if len(a.Grants.Scopes) > 0 {
		m.Scope += " " + strings.Join(a.Grants.Scopes, " ")
	}
	if a.MFAPending || a.DevicePending {
		m.Scope = RestrictedScope(a)
	}
	lists := a.Grants.Lists
	if lists == nil {
		lists = []string{}
	}
	if p.Missing == nil {
		p.Missing = []users.KycEntry{}
	}
	f := &Full{
		Minified: m, VerifiedCredentials: WireCredentials(u), MissingFields: p.Missing, Lists: lists,
		NewUser: newUser, FirstVisit: u.CreatedAt.UTC().Format(wireTime), LastVisit: u.LastVisitAt.UTC().Format(wireTime),
		Alias: u.Alias, GivenName: u.FirstName, FamilyName: u.LastName, PhoneNumber: u.PhoneNumber,
		JobTitle: u.JobTitle, Country: u.Country, TShirtSize: u.TShirtSize, Team: u.Team,
	}
	if len(u.Metadata) > 2 && u.Metadata[0] == '{' { // an object, not "{}": no claim when empty
		f.Metadata = u.Metadata
	}
	return f, &m
}

// CustomClaims are the application's own claims in token (those that are
// not claims.Reserved), as a JSON object; nil when it has none. The token
// must have been verified already: its signature is not checked again.
// Re-issues of a session carry them over, so a refreshed token says what
// the sign-in's did.
func CustomClaims(token string) (json.RawMessage, error) {
	jws, err := jose.ParseSignedCompact(token, algorithms)
	if err != nil {
		return nil, errs.Internal("custom claims", err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &all); err != nil {
		return nil, errs.Internal("custom claims", err)
	}
	for name := range all {
		if claims.Reserved(name) {
			delete(all, name)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(all)
	if err != nil {
		return nil, errs.Internal("custom claims", err)
	}
	return b, nil
}
