package users

import (
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// NewOAuthAccount is a social account an import links to a user, in the
// shape of the contract's CreateUserOauthRequest: the provider vouches
// for AccountID; Username is how the account is shown (the provider's
// username, else an email, else the display name).
type NewOAuthAccount struct {
	Provider    string   `json:"provider"`
	AccountID   string   `json:"accountId"`
	Username    string   `json:"username,omitempty"`
	DisplayName string   `json:"displayName,omitempty"`
	Emails      []string `json:"emails,omitempty"`
	// Photos are the account's profile pictures; the first is kept (the
	// credential's PhotoURL, oauth_account_photos).
	Photos []string `json:"photos,omitempty"`
}

// credential checks the account and builds its verified credential, as a
// social sign-in stores it: the provider scopes the account id (Chain,
// and WalletProvider for the users filter), the display name in
// WalletName.
func (a NewOAuthAccount) credential(prefix, envID, userID string, now time.Time) (Credential, error) {
	p := strings.TrimSpace(a.Provider)
	if !validProvider(p) {
		return Credential{}, errs.Invalid("%sprovider: %q is not a provider name", prefix, admTruncate(p, 32))
	}
	acct, err := admText(prefix+"accountId", a.AccountID)
	if err != nil {
		return Credential{}, err
	}
	if acct == "" {
		return Credential{}, errs.Invalid("%saccountId: required", prefix)
	}
	display, err := admText(prefix+"displayName", a.DisplayName)
	if err != nil {
		return Credential{}, err
	}
	shown, err := admText(prefix+"username", a.Username)
	if err != nil {
		return Credential{}, err
	}
	for i, e := range a.Emails {
		if shown != "" {
			break
		}
		if shown, err = admText(prefix+"emails["+strconv.Itoa(i)+"]", e); err != nil {
			return Credential{}, err
		}
	}
	for _, s := range []string{display, acct} {
		if shown == "" {
			shown = s
		}
	}
	photo, err := a.photo(prefix)
	if err != nil {
		return Credential{}, err
	}
	return Credential{ID: ids.New(), UserID: userID, EnvironmentID: envID, Format: FormatOAuth, Chain: p,
		Address: acct, PublicIdentifier: shown, WalletName: display, WalletProvider: p,
		SignInEnabled: true, VerifiedAt: now, CreatedAt: now, PhotoURL: photo}, nil
}

// photo is the account's first photo; every one must be a picture URL a
// client may show (PhotoURL), or the account is refused.
func (a NewOAuthAccount) photo(prefix string) (string, error) {
	for i, raw := range a.Photos {
		if PhotoURL(raw) == "" {
			return "", errs.Invalid("%sphotos[%d]: must be an absolute http(s) URL of at most %d characters",
				prefix, i, MaxPhotoURL)
		}
	}
	if len(a.Photos) == 0 {
		return "", nil
	}
	return a.Photos[0], nil
}

// validProvider: a provider name as the contract's ProviderEnum spells
// them (google, github, coinbaseSocial, …): letters and digits.
func validProvider(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	for _, r := range p {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// OAuthAccountOf is c, a social account's credential, as an import
// takes it back; Username is left out when it is what the import falls
// back to anyway (the display name, else the account id), so a file
// exported, imported and exported again reads the same.
func OAuthAccountOf(c *Credential) NewOAuthAccount {
	a := NewOAuthAccount{Provider: c.Chain, AccountID: c.Address, Username: c.PublicIdentifier, DisplayName: c.WalletName}
	if c.PhotoURL != "" {
		a.Photos = []string{c.PhotoURL}
	}
	fallback := c.WalletName
	if fallback == "" {
		fallback = c.Address
	}
	if a.Username == fallback {
		a.Username = ""
	}
	return a
}
