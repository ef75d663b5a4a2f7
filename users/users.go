// Package users holds end users and their verified credentials (wallets,
// and later emails, phone numbers, social accounts, passkeys): the people
// who sign in to an environment, as opposed to the operators in tenant.
package users

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Credential formats (JwtVerifiedCredentialFormatEnum).
const (
	FormatBlockchain = "blockchain"
	FormatEmail      = "email"
	// FormatExternalUser is an identity vouched for by the application's
	// own auth system (external JWT): Chain holds the issuer, Address the sub.
	FormatExternalUser = "externalUser"
	FormatOAuth        = "oauth"
	FormatPasskey      = "passkey"
	FormatPhoneNumber  = "phoneNumber"
)

// CAIP-2 namespaces used as a credential's chain.
const (
	ChainEIP155 = "eip155"
	ChainSolana = "solana"
)

// User is an end user of one environment.
type User struct {
	ID                       string
	EnvironmentID            string
	Email                    string
	Alias                    string
	FirstName                string
	LastName                 string
	PhoneNumber              string
	JobTitle                 string
	Username                 string
	Country                  string
	TShirtSize               string
	Team                     string
	Metadata                 json.RawMessage
	LastVerifiedCredentialID string
	// MfaBackupCodeAcknowledgement is "", "pending" (recovery codes were
	// made and not yet acknowledged) or "complete".
	MfaBackupCodeAcknowledgement string
	CreatedAt                    time.Time
	UpdatedAt                    time.Time
	LastVisitAt                  time.Time
	Credentials                  []Credential
}

// Credential is one verified way a user proved who they are.
type Credential struct {
	ID               string
	UserID           string
	EnvironmentID    string
	Format           string
	Chain            string // CAIP-2 namespace for wallets
	Address          string // normalised: lower-case for EVM
	PublicIdentifier string // as shown: EIP-55 for EVM
	WalletName       string
	WalletProvider   string
	SignInEnabled    bool
	VerifiedAt       time.Time
	LastSelectedAt   *time.Time
	CreatedAt        time.Time
	// PhotoURL is a social account's profile picture (format oauth).
	PhotoURL string
}

// Credential returns the user's credential with id, or nil.
func (u *User) Credential(id string) *Credential {
	for i := range u.Credentials {
		if u.Credentials[i].ID == id {
			return &u.Credentials[i]
		}
	}
	return nil
}

// Same returns u's credential with c's format, chain and address (the
// same wallet, email or account), or nil.
func (u *User) Same(c *Credential) *Credential {
	for i := range u.Credentials {
		x := &u.Credentials[i]
		if x.Format == c.Format && x.Chain == c.Chain && x.Address == c.Address {
			return x
		}
	}
	return nil
}

// Label is how the user is shown to them in an authenticator (a TOTP app,
// a passkey prompt): their email, else username, else the first
// credential's public identifier, else the id.
func (u *User) Label() string {
	if u.Email != "" {
		return u.Email
	}
	if u.Username != "" {
		return u.Username
	}
	for _, c := range u.Credentials {
		if c.PublicIdentifier != "" {
			return c.PublicIdentifier
		}
	}
	return u.ID
}

// ChainNamespace maps a contract ChainEnum to the CAIP-2 namespace used in
// credentials and JWTs; ok is false for chains without wallet sign-in.
func ChainNamespace(chain string) (ns string, ok bool) {
	switch chain {
	case "EVM", "ETH":
		return ChainEIP155, true
	case "SOL":
		return ChainSolana, true
	}
	return "", false
}

// NormalizeAddress returns the stored form and the display form of a
// wallet address on a chain namespace.
func NormalizeAddress(ns, address string) (stored, display string) {
	if ns == ChainEIP155 && common.IsHexAddress(address) {
		a := common.HexToAddress(address)
		return strings.ToLower(a.Hex()), a.Hex()
	}
	return address, address
}
