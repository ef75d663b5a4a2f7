package users

// The operator's input: profile patches, new users and wallets, checked
// and turned into drafts, and the rules an admin write follows (the
// upsert's merge, the last credential kept).

import (
	"bytes"
	"encoding/json"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/ethereum/go-ethereum/common"
	"github.com/mr-tron/base58"
)

// ProfilePatch holds the editable profile fields; nil leaves a field as it is,
// a pointer to "" clears it.
type ProfilePatch struct {
	Alias, FirstName, LastName, JobTitle, PhoneNumber, TShirtSize, Team, Country, Username *string
	Metadata                                                                               json.RawMessage // nil: unchanged
}

func (p *ProfilePatch) fields() []struct {
	name string
	v    **string
} {
	return []struct {
		name string
		v    **string
	}{{"alias", &p.Alias}, {"firstName", &p.FirstName}, {"lastName", &p.LastName}, {"jobTitle", &p.JobTitle},
		{"phoneNumber", &p.PhoneNumber}, {"tShirtSize", &p.TShirtSize}, {"team", &p.Team}, {"country", &p.Country},
		{"username", &p.Username}}
}

// normalize trims the fields and checks sizes and metadata.
func (p *ProfilePatch) normalize(prefix string) error {
	for _, f := range p.fields() {
		if *f.v == nil {
			continue
		}
		s, err := admText(prefix+f.name, **f.v)
		if err != nil {
			return err
		}
		*f.v = &s
	}
	if p.Metadata != nil {
		m, err := admMetadata(prefix, p.Metadata)
		if err != nil {
			return err
		}
		p.Metadata = m
	}
	return nil
}

// Apply writes the set fields onto u.
func (p *ProfilePatch) Apply(u *User) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Alias, p.Alias)
	set(&u.FirstName, p.FirstName)
	set(&u.LastName, p.LastName)
	set(&u.JobTitle, p.JobTitle)
	set(&u.PhoneNumber, p.PhoneNumber)
	set(&u.TShirtSize, p.TShirtSize)
	set(&u.Team, p.Team)
	set(&u.Country, p.Country)
	set(&u.Username, p.Username)
	if p.Metadata != nil {
		u.Metadata = p.Metadata
	}
}

func admText(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", errs.Invalid("%s: must be valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > admMaxText {
		return "", errs.Invalid("%s: must be at most %d characters, got %d", field, admMaxText, n)
	}
	return s, nil
}

func admMetadata(prefix string, raw json.RawMessage) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, errs.Invalid("%smetadata: must be a JSON object", prefix)
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, errs.Invalid("%smetadata: must be a JSON object", prefix)
	}
	if buf.Len() > admMaxMetadata {
		return nil, errs.Unprocessable("metadata_size_exceeded",
			prefix+"metadata: must be at most "+strconv.Itoa(admMaxMetadata)+" bytes of JSON", nil)
	}
	return buf.Bytes(), nil
}

// NewWallet is a wallet an operator links to a user (CreateWalletRequest).
type NewWallet struct {
	Address, Chain, WalletName, WalletProvider string
}

// credential checks the wallet and builds its verified credential.
func (w NewWallet) credential(prefix, envID, userID string, now time.Time) (Credential, error) {
	ns, ok := ChainNamespace(w.Chain)
	if !ok {
		return Credential{}, errs.Invalid("%schain: %s wallets are not supported; use EVM or SOL", prefix, admTruncate(w.Chain, 16))
	}
	addr := strings.TrimSpace(w.Address)
	if err := admAddress(prefix, ns, addr); err != nil {
		return Credential{}, err
	}
	name, err := admText(prefix+"walletName", w.WalletName)
	if err != nil {
		return Credential{}, err
	}
	stored, display := NormalizeAddress(ns, addr)
	return Credential{ID: ids.New(), UserID: userID, EnvironmentID: envID, Format: FormatBlockchain, Chain: ns,
		Address: stored, PublicIdentifier: display, WalletName: name, WalletProvider: w.WalletProvider,
		SignInEnabled: true, VerifiedAt: now, CreatedAt: now}, nil
}

func admAddress(prefix, ns, addr string) error {
	switch ns {
	case ChainEIP155:
		if !common.IsHexAddress(addr) {
			return errs.Invalid("%spublicWalletAddress: %q is not an EVM address", prefix, admTruncate(addr, 64))
		}
	case ChainSolana:
		if b, err := base58.Decode(addr); err != nil || len(b) != 32 {
			return errs.Invalid("%spublicWalletAddress: %q is not a Solana address", prefix, admTruncate(addr, 64))
		}
	}
	return nil
}

// NewUser is a user an operator creates or imports (InternalUserFields).
type NewUser struct {
	ID              string // optional; a fresh id when empty
	Profile         ProfilePatch
	Email           string
	EmailVerifiedAt *time.Time
	Wallets         []NewWallet
	OAuthAccounts   int // how many the HTTP API was sent: not supported there yet
	// Social are the user's social accounts (an import's socialAccounts).
	Social []NewOAuthAccount
}

// draft validates in and builds the user to store: profile, email and a
// verified credential per wallet (and for a verified email).
func (in *NewUser) draft(prefix, envID string, now time.Time) (*User, error) {
	id := in.ID
	if id == "" {
		id = ids.New()
	} else if !tenant.ValidID(id) {
		return nil, errs.Invalid("%sid: must be a UUID, got %q", prefix, admTruncate(id, 64))
	}
	if in.OAuthAccounts > 0 {
		return nil, errs.Unprocessable("provider_not_available", prefix+"oauthAccounts: OAuth accounts are not supported yet", nil)
	}
	if err := in.Profile.normalize(prefix); err != nil {
		return nil, err
	}
	u := &User{ID: id, EnvironmentID: envID, Metadata: json.RawMessage("{}"), CreatedAt: now, UpdatedAt: now, LastVisitAt: now}
	in.Profile.Apply(u)
	if err := in.addEmail(prefix, u, now); err != nil {
		return nil, err
	}
	for i, w := range in.Wallets {
		c, err := w.credential(prefix+"wallets["+strconv.Itoa(i)+"].", envID, id, now)
		if err != nil {
			return nil, err
		}
		if u.Same(&c) != nil {
			return nil, ErrAdminWalletTaken
		}
		u.Credentials = append(u.Credentials, c)
	}
	for i, a := range in.Social {
		c, err := a.credential(prefix+"socialAccounts["+strconv.Itoa(i)+"].", envID, id, now)
		if err != nil {
			return nil, err
		}
		if u.Same(&c) != nil {
			return nil, errs.Conflict("duplicate_exists", prefix+"socialAccounts: the same account twice")
		}
		u.Credentials = append(u.Credentials, c)
	}
	return u, nil
}

func (in *NewUser) addEmail(prefix string, u *User, now time.Time) error {
	email := strings.TrimSpace(in.Email)
	if email == "" {
		if in.EmailVerifiedAt != nil {
			return errs.Invalid("%semailVerifiedAt: needs an email", prefix)
		}
		return nil
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > admMaxText {
		return errs.Invalid("%semail: %q is not an email address", prefix, admTruncate(email, 64))
	}
	u.Email = emailForm(email)
	if in.EmailVerifiedAt != nil {
		u.Credentials = append(u.Credentials, Credential{ID: ids.New(), UserID: u.ID, EnvironmentID: u.EnvironmentID,
			Format: FormatEmail, Address: strings.ToLower(email), PublicIdentifier: email, SignInEnabled: true,
			VerifiedAt: in.EmailVerifiedAt.UTC().Truncate(time.Millisecond), CreatedAt: now})
	}
	return nil
}

// Merge folds an import row into an existing user (bulk upsert): the set
// profile fields, the email if the user has none, and the credentials the
// user lacks. It returns the credentials to add.
func Merge(existing, draft *User, profile ProfilePatch) ([]Credential, error) {
	if draft.Email != "" && existing.Email != "" && !strings.EqualFold(draft.Email, existing.Email) {
		return nil, errs.Conflict("email_already_exists", "the user matched by wallet already has another email")
	}
	profile.Apply(existing)
	if existing.Email == "" {
		existing.Email = draft.Email
	}
	var add []Credential
	for _, c := range draft.Credentials {
		if existing.Same(&c) == nil {
			c.UserID = existing.ID
			add = append(add, c)
		}
	}
	return add, nil
}

// CheckCredentialDeletion refuses to remove the last credential a user
// can sign in with.
func CheckCredentialDeletion(u *User, credID string) error {
	c := u.Credential(credID)
	if c == nil {
		return ErrAdminWalletNotFound
	}
	if !c.SignInEnabled {
		return nil
	}
	for _, o := range u.Credentials {
		if o.ID != credID && o.SignInEnabled {
			return nil
		}
	}
	return errs.Unprocessable("cannot_delete_last_sign_in_verified_credential",
		"this is the user's last credential they can sign in with; add another before deleting it", nil)
}

// AdminUniqueValues lists the user's values of unique custom fields, so an
// admin write keeps their index as a profile update does.
func AdminUniqueValues(u *User, fields []CustomField) []UniqueValue {
	return uniqueValues(u.Metadata, fields)
}

// WalletCredentials returns the user's blockchain credentials.
func (u *User) WalletCredentials() []Credential {
	var out []Credential
	for _, c := range u.Credentials {
		if c.Format == FormatBlockchain {
			out = append(out, c)
		}
	}
	return out
}

// PrimaryWallet is the wallet shown as the user's: the last selected one,
// else the last one signed in with, else the first.
func (u *User) PrimaryWallet() *Credential {
	var best *Credential
	for i := range u.Credentials {
		c := &u.Credentials[i]
		if c.Format != FormatBlockchain {
			continue
		}
		switch {
		case best == nil:
			best = c
		case c.LastSelectedAt != nil && (best.LastSelectedAt == nil || c.LastSelectedAt.After(*best.LastSelectedAt)):
			best = c
		case best.LastSelectedAt == nil && c.ID == u.LastVerifiedCredentialID:
			best = c
		}
	}
	return best
}

// ChainEnumOf names a credential namespace as the contract's ChainEnum.
func ChainEnumOf(ns string) string {
	switch ns {
	case ChainEIP155:
		return "EVM"
	case ChainSolana:
		return "SOL"
	}
	return strings.ToUpper(ns)
}
