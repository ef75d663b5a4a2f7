package exports

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

// The rows of each model, as CSV columns and as JSON objects with the same
// names. A users file is also what `dynamicauth import` reads back.

// UserColumns are the columns of a users CSV, in order. metadata is a JSON
// object; wallets a JSON array of WalletRecord; socialAccounts a JSON
// array of the contract's CreateUserOauthRequest (users.NewOAuthAccount).
var UserColumns = []string{"id", "email", "emailVerifiedAt", "alias", "firstName", "lastName", "phoneNumber",
	"username", "jobTitle", "country", "tShirtSize", "team", "metadata", "wallets", "socialAccounts", "createdAt", "updatedAt",
	"lastVisitAt"}

// UserRecord is one user of a users export.
type UserRecord struct {
	ID              string                  `json:"id"`
	Email           string                  `json:"email,omitempty"`
	EmailVerifiedAt string                  `json:"emailVerifiedAt,omitempty"`
	Alias           string                  `json:"alias,omitempty"`
	FirstName       string                  `json:"firstName,omitempty"`
	LastName        string                  `json:"lastName,omitempty"`
	PhoneNumber     string                  `json:"phoneNumber,omitempty"`
	Username        string                  `json:"username,omitempty"`
	JobTitle        string                  `json:"jobTitle,omitempty"`
	Country         string                  `json:"country,omitempty"`
	TShirtSize      string                  `json:"tShirtSize,omitempty"`
	Team            string                  `json:"team,omitempty"`
	Metadata        json.RawMessage         `json:"metadata,omitempty"`
	Wallets         []WalletRecord          `json:"wallets"`
	SocialAccounts  []users.NewOAuthAccount `json:"socialAccounts"`
	CreatedAt       string                  `json:"createdAt,omitempty"`
	UpdatedAt       string                  `json:"updatedAt,omitempty"`
	LastVisitAt     string                  `json:"lastVisitAt,omitempty"`
}

// WalletRecord is a wallet in a user's record: chain as Dynamic's
// ChainEnum (EVM, SOL), the address as shown (EIP-55 for EVM).
type WalletRecord struct {
	Chain          string `json:"chain"`
	Address        string `json:"address"`
	WalletName     string `json:"walletName,omitempty"`
	WalletProvider string `json:"walletProvider,omitempty"`
}

// Timestamps in files: RFC 3339 in UTC, to the millisecond.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// NewUserRecord is u as a users export writes it.
func NewUserRecord(u *users.User) UserRecord {
	r := UserRecord{ID: u.ID, Email: u.Email, Alias: u.Alias, FirstName: u.FirstName, LastName: u.LastName,
		PhoneNumber: u.PhoneNumber, Username: u.Username, JobTitle: u.JobTitle, Country: u.Country,
		TShirtSize: u.TShirtSize, Team: u.Team, Metadata: u.Metadata, Wallets: []WalletRecord{}, SocialAccounts: []users.NewOAuthAccount{},
		CreatedAt: stamp(u.CreatedAt), UpdatedAt: stamp(u.UpdatedAt), LastVisitAt: stamp(u.LastVisitAt)}
	if len(r.Metadata) == 0 || string(r.Metadata) == "null" {
		r.Metadata = json.RawMessage("{}")
	}
	for _, c := range u.Credentials {
		switch c.Format {
		case users.FormatBlockchain:
			r.Wallets = append(r.Wallets, WalletRecord{Chain: users.ChainEnumOf(c.Chain), Address: c.PublicIdentifier,
				WalletName: c.WalletName, WalletProvider: c.WalletProvider})
		case users.FormatOAuth:
			r.SocialAccounts = append(r.SocialAccounts, users.OAuthAccountOf(&c))
		case users.FormatEmail:
			if c.Address == strings.ToLower(u.Email) || c.PublicIdentifier == u.Email {
				r.EmailVerifiedAt = stamp(c.VerifiedAt)
			}
		}
	}
	return r
}

// CSV is r as a row under UserColumns.
func (r *UserRecord) CSV() []string {
	wallets, _ := json.Marshal(r.Wallets)
	social := []byte("[]")
	if len(r.SocialAccounts) > 0 {
		social, _ = json.Marshal(r.SocialAccounts)
	}
	meta := string(r.Metadata)
	if meta == "" {
		meta = "{}"
	}
	return []string{r.ID, r.Email, r.EmailVerifiedAt, r.Alias, r.FirstName, r.LastName, r.PhoneNumber, r.Username,
		r.JobTitle, r.Country, r.TShirtSize, r.Team, meta, string(wallets), string(social), r.CreatedAt, r.UpdatedAt, r.LastVisitAt}
}

// VisitColumns are the columns of a visits CSV.
var VisitColumns = []string{"id", "walletAddress", "chain", "walletName", "provider", "createdAt"}

type visitRecord struct {
	ID            string `json:"id"`
	WalletAddress string `json:"walletAddress"`
	Chain         string `json:"chain"`
	WalletName    string `json:"walletName,omitempty"`
	Provider      string `json:"provider,omitempty"`
	CreatedAt     string `json:"createdAt"`
}

func newVisitRecord(v *users.Visitor) visitRecord {
	return visitRecord{ID: v.ID, WalletAddress: v.Address, Chain: v.Chain, WalletName: v.WalletName,
		Provider: v.Provider, CreatedAt: stamp(v.CreatedAt)}
}

func (r *visitRecord) csv() []string {
	return []string{r.ID, r.WalletAddress, r.Chain, r.WalletName, r.Provider, r.CreatedAt}
}

// WalletColumns are the columns of a wallets CSV.
var WalletColumns = []string{"id", "userId", "chain", "address", "walletName", "walletProvider", "createdAt", "lastSelectedAt"}

type walletRecord struct {
	ID             string `json:"id"`
	UserID         string `json:"userId"`
	Chain          string `json:"chain"`
	Address        string `json:"address"`
	WalletName     string `json:"walletName,omitempty"`
	WalletProvider string `json:"walletProvider,omitempty"`
	CreatedAt      string `json:"createdAt"`
	LastSelectedAt string `json:"lastSelectedAt,omitempty"`
}

func newWalletRecord(c *users.Credential) walletRecord {
	r := walletRecord{ID: c.ID, UserID: c.UserID, Chain: users.ChainEnumOf(c.Chain), Address: c.PublicIdentifier,
		WalletName: c.WalletName, WalletProvider: c.WalletProvider, CreatedAt: stamp(c.CreatedAt)}
	if c.LastSelectedAt != nil {
		r.LastSelectedAt = stamp(*c.LastSelectedAt)
	}
	return r
}

func (r *walletRecord) csv() []string {
	return []string{r.ID, r.UserID, r.Chain, r.Address, r.WalletName, r.WalletProvider, r.CreatedAt, r.LastSelectedAt}
}

// EventColumns are the columns of an events CSV; data is a JSON object.
var EventColumns = []string{"eventId", "eventName", "resourceType", "userId", "timestamp", "data"}

type eventRecord struct {
	EventID      string          `json:"eventId"`
	EventName    string          `json:"eventName"`
	ResourceType string          `json:"resourceType"`
	UserID       string          `json:"userId,omitempty"`
	Timestamp    string          `json:"timestamp"`
	Data         json.RawMessage `json:"data"`
}

func newEventRecord(e *events.Event) eventRecord {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return eventRecord{EventID: e.ID, EventName: e.Name, ResourceType: events.ResourceType(e.Name), UserID: e.UserID,
		Timestamp: stamp(e.CreatedAt), Data: data}
}

func (r *eventRecord) csv() []string {
	return []string{r.EventID, r.EventName, r.ResourceType, r.UserID, r.Timestamp, string(r.Data)}
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (OWASP's CSV injection list).
const formulaStarts = "=+-@\t\r"

// formulaLike tells whether v, past any leading single quotes, starts as a
// formula would. A signed run of digits (a phone number, +15551234567)
// is only a number to a spreadsheet, and stays as it is.
func formulaLike(v string) bool {
	rest := strings.TrimLeft(v, "'")
	if rest == "" || !strings.ContainsRune(formulaStarts, rune(rest[0])) {
		return false
	}
	digits := rest[1:]
	return (rest[0] != '+' && rest[0] != '-') || digits == "" || strings.Trim(digits, "0123456789") != ""
}

// escapeCell is v as a CSV export writes it. Cells hold what end users
// typed (names, wallet names), and an export is opened in spreadsheets,
// where "=HYPERLINK(…)" or a DDE "+cmd|…" would run as a formula on the
// operator's machine: such a cell gets a leading single quote, which
// spreadsheets show as text. A value already starting with quotes before
// such a character gets one more, so unescapeCell always gives v back.
func escapeCell(v string) string {
	if formulaLike(v) {
		return "'" + v
	}
	return v
}

// unescapeCell reverses escapeCell.
func unescapeCell(v string) string {
	if strings.HasPrefix(v, "'") && formulaLike(v) {
		return v[1:]
	}
	return v
}

// ParseUserRow reads one row of a users CSV whose header is header (the
// columns of UserColumns, in any order; others are ignored): the reverse
// of CSV.
func ParseUserRow(header, row []string) (UserRecord, error) {
	var r UserRecord
	if len(row) != len(header) {
		return r, fmt.Errorf("%d cells for %d columns", len(row), len(header))
	}
	fields := map[string]*string{"id": &r.ID, "email": &r.Email, "emailVerifiedAt": &r.EmailVerifiedAt, "alias": &r.Alias,
		"firstName": &r.FirstName, "lastName": &r.LastName, "phoneNumber": &r.PhoneNumber, "username": &r.Username,
		"jobTitle": &r.JobTitle, "country": &r.Country, "tShirtSize": &r.TShirtSize, "team": &r.Team,
		"createdAt": &r.CreatedAt, "updatedAt": &r.UpdatedAt, "lastVisitAt": &r.LastVisitAt}
	r.Wallets = []WalletRecord{}
	for i, col := range header {
		v := row[i]
		switch col {
		case "metadata":
			if v == "" {
				continue
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(v), &obj); err != nil || obj == nil {
				return r, fmt.Errorf("metadata: not a JSON object")
			}
			r.Metadata = json.RawMessage(v)
		case "wallets":
			if v == "" {
				continue
			}
			if err := json.Unmarshal([]byte(v), &r.Wallets); err != nil {
				return r, fmt.Errorf("wallets: not a JSON array of {chain, address, walletName, walletProvider}")
			}
		case "socialAccounts":
			if v == "" {
				continue
			}
			if err := json.Unmarshal([]byte(v), &r.SocialAccounts); err != nil {
				return r, fmt.Errorf("socialAccounts: not a JSON array of {provider, accountId, username, displayName, photos}")
			}
		default:
			if p := fields[col]; p != nil {
				*p = unescapeCell(v)
			}
		}
	}
	return r, nil
}
