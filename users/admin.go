package users

// The operator's view of end users (the admin Users, Wallets, Sessions and
// Visits groups): listing with filters, creating and importing users,
// editing profiles, managing wallets and sessions. Every method takes the
// admin principal and applies the reach rules of tenant: a path
// environment out of reach is refused (403); a user, wallet or session
// whose environment is out of reach does not exist for the caller (404).

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/dynamicauth/dynamicauth/events"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/ethereum/go-ethereum/common"
	"github.com/mr-tron/base58"
)

// UserSession is the admin view of an end user's session.
type UserSession struct {
	ID            string
	UserID        string
	EnvironmentID string
	IPAddress     string
	UserAgent     string
	CreatedAt     time.Time
	RevokedAt     *time.Time
}

// Visitor is a wallet connection recorded before any sign-in.
type Visitor struct {
	ID            string
	EnvironmentID string
	Address       string // as shown: EIP-55 for EVM
	Chain         string // ChainEnum, as the SDK sent it
	Provider      string
	WalletName    string
	CreatedAt     time.Time
}

// Events written with admin changes (the outbox shared with sign-in).
const (
	AdminEventUserCreated    = events.UserCreated
	AdminEventUserUpdated    = events.UserUpdated
	AdminEventUserDeleted    = events.UserDeleted
	AdminEventWalletLinked   = events.WalletLinked
	AdminEventWalletUnlinked = events.WalletUnlinked
	AdminEventSessionRevoked = "admin.user.session.revoked"
)

// Limits on operator-supplied values.
const (
	admMaxText      = 255
	admMaxMetadata  = 8 << 10
	admDefaultLimit = 100
	admMaxLimit     = 1000
	admMaxBulkRows  = 1000
)

// MaxListCount bounds the count of a filtered users list.
const MaxListCount = 10000

// ---- listing queries ----

// FilterColumn is a UserFilterableFieldsEnum value.
type FilterColumn string

// The filterable columns of the users list.
const (
	FilterAll             FilterColumn = "all"
	FilterID              FilterColumn = "id"
	FilterWalletPublicKey FilterColumn = "walletPublicKey"
	FilterEmail           FilterColumn = "email"
	FilterAlias           FilterColumn = "alias"
	FilterFirstName       FilterColumn = "firstName"
	FilterLastName        FilterColumn = "lastName"
	FilterPhoneNumber     FilterColumn = "phoneNumber"
	FilterJobTitle        FilterColumn = "jobTitle"
	FilterWallet          FilterColumn = "wallet"
	FilterUsername        FilterColumn = "username"
	FilterAccountID       FilterColumn = "accountId"
)

var admUserColumns = []FilterColumn{FilterAll, FilterID, FilterWalletPublicKey, FilterEmail, FilterAlias,
	FilterFirstName, FilterLastName, FilterPhoneNumber, FilterJobTitle, FilterWallet, FilterUsername, FilterAccountID}

var admVisitorColumns = []FilterColumn{FilterAll, FilterID, FilterWalletPublicKey}

// Filter narrows a list. Text columns match a case-insensitive substring
// (a value under 3 characters: the whole value, see the store's
// MinSearchRunes); id and account ids match exactly; wallet columns match
// an address exactly, EVM addresses in any letter case. "all" is the
// union of the id, a wallet address and the email, alias, name and
// username columns.
type Filter struct {
	Column FilterColumn // empty: no column filter
	Value  string
	// EVMAddress is Value in stored (lower-case) form when it is an EVM
	// address, else empty.
	EVMAddress string
	// SocialProvider keeps users with an OAuth credential of that provider.
	SocialProvider string
	// Chains keeps rows on one of these chains: CAIP-2 namespaces for
	// users, ChainEnum values for visitors.
	Chains []string
}

// ParseUserFilter builds the users list filter from the query's
// filter[filterColumn], filter[filterValue], filter[filterSocialProvider]
// and filter[chain]. A value without a column searches all columns; a
// column without a value filters nothing.
func ParseUserFilter(column, value, socialProvider, chain string) (Filter, error) {
	f, err := admParseFilter(admUserColumns, column, value)
	if err != nil {
		return Filter{}, err
	}
	if err := admCleanText("filter[filterSocialProvider]", socialProvider); err != nil {
		return Filter{}, err
	}
	if err := admCleanText("filter[chain]", chain); err != nil {
		return Filter{}, err
	}
	f.SocialProvider = strings.TrimSpace(socialProvider)
	if chain = strings.TrimSpace(chain); chain != "" {
		ns, ok := ChainNamespace(chain)
		if !ok {
			ns = strings.ToLower(chain) // a chain without wallet sign-in: no credential has it
		}
		f.Chains = []string{ns}
	}
	return f, nil
}

// ParseVisitorFilter builds the visitors list filter.
func ParseVisitorFilter(column, value, chain string) (Filter, error) {
	f, err := admParseFilter(admVisitorColumns, column, value)
	if err != nil {
		return Filter{}, err
	}
	if err := admCleanText("filter[chain]", chain); err != nil {
		return Filter{}, err
	}
	if chain = strings.TrimSpace(chain); chain != "" {
		f.Chains = admChainAliases(chain)
	}
	return f, nil
}

func admParseFilter(allowed []FilterColumn, column, value string) (Filter, error) {
	col := FilterColumn(strings.TrimSpace(column))
	if col != "" && !slices.Contains(allowed, col) {
		return Filter{}, errs.Invalid("filter[filterColumn]: %q is not one of %s", admTruncate(column, 64), admJoin(allowed))
	}
	value = strings.TrimSpace(value)
	if err := admCleanText("filter[filterValue]", value); err != nil {
		return Filter{}, err
	}
	if len(value) > admMaxText {
		return Filter{}, errs.Invalid("filter[filterValue]: must be at most %d characters", admMaxText)
	}
	if value == "" {
		return Filter{}, nil
	}
	if col == "" {
		col = FilterAll
	}
	f := Filter{Column: col, Value: value}
	if common.IsHexAddress(value) {
		f.EVMAddress = strings.ToLower(common.HexToAddress(value).Hex())
	}
	return f, nil
}

// admCleanText refuses a filter value with a control character or invalid
// UTF-8: a NUL ends SQLite's LIKE pattern early (matching everyone) and no
// stored value holds one, so they are refused here, the same for every
// backend and for Go callers as for HTTP ones.
func admCleanText(field, v string) error {
	if !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return errs.Invalid("%s: must not contain a control character or invalid UTF-8", field)
	}
	return nil
}

// admChainAliases lists the ChainEnum values that share chain's namespace
// (EVM and ETH are one chain).
func admChainAliases(chain string) []string {
	if ns, ok := ChainNamespace(chain); ok && ns == ChainEIP155 {
		return []string{"EVM", "ETH"}
	}
	return []string{chain}
}

func admJoin(cols []FilterColumn) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// Order sorts a list by a whitelisted field.
type Order struct {
	Field string
	Desc  bool
}

// UserOrderFields are the fields the users list sorts by.
var UserOrderFields = []string{"createdAt", "updatedAt", "firstVisit", "lastVisit", "id", "email", "alias",
	"firstName", "lastName", "username", "phoneNumber", "jobTitle", "country"}

// VisitorOrderFields are the fields the visitors list sorts by.
var VisitorOrderFields = []string{"createdAt", "id", "address", "walletName", "chain", "provider"}

// ParseOrder reads orderBy: "field" (ascending) or "field:asc|desc"; an
// empty value sorts by createdAt, newest first.
func ParseOrder(s string, allowed []string) (Order, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Order{Field: "createdAt", Desc: true}, nil
	}
	field, dir, hasDir := strings.Cut(s, ":")
	if !slices.Contains(allowed, field) {
		return Order{}, errs.Invalid("orderBy: %q is not one of %s (optionally with :asc or :desc)",
			admTruncate(field, 64), strings.Join(allowed, ", "))
	}
	switch strings.ToLower(dir) {
	case "asc":
		return Order{Field: field}, nil
	case "desc":
		return Order{Field: field, Desc: true}, nil
	}
	if hasDir {
		return Order{}, errs.Invalid("orderBy: direction %q must be asc or desc", admTruncate(dir, 16))
	}
	return Order{Field: field}, nil
}

// Page is offset/limit paging.
type Page struct {
	Offset, Limit int
}

// ParsePage reads offset (default 0) and limit (default 100, at most 1000).
func ParsePage(offset, limit string) (Page, error) {
	p := Page{Limit: admDefaultLimit}
	if offset != "" {
		n, err := strconv.Atoi(offset)
		if err != nil || n < 0 {
			return Page{}, errs.Invalid("offset: must be a whole number of at least 0, got %q", admTruncate(offset, 32))
		}
		p.Offset = n
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > admMaxLimit {
			return Page{}, errs.Invalid("limit: must be a whole number from 1 to %d, got %q", admMaxLimit, admTruncate(limit, 32))
		}
		p.Limit = n
	}
	return p, nil
}

// ListQuery is one users or visitors list request.
type ListQuery struct {
	Filter Filter
	Order  Order
	Page   Page
	// WithSessions adds each user's sessions.
	WithSessions bool
}

// UserList is a page of users and the total that match.
type UserList struct {
	Users []User
	// Total is the number of users the filter keeps: exact without a
	// filter; with one, exact up to MaxListCount and MaxListCount beyond
	// (counting every match of a broad search would read the table).
	Total    int
	Sessions map[string][]UserSession // by user id, when asked for
}

// ---- profile input ----

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
	return Credential{ID: NewID(), UserID: userID, EnvironmentID: envID, Format: FormatBlockchain, Chain: ns,
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
		id = NewID()
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
		if u.admFind(&c) != nil {
			return nil, ErrAdminWalletTaken
		}
		u.Credentials = append(u.Credentials, c)
	}
	for i, a := range in.Social {
		c, err := a.credential(prefix+"socialAccounts["+strconv.Itoa(i)+"].", envID, id, now)
		if err != nil {
			return nil, err
		}
		if u.admFind(&c) != nil {
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
	u.Email = email
	if in.EmailVerifiedAt != nil {
		u.Credentials = append(u.Credentials, Credential{ID: NewID(), UserID: u.ID, EnvironmentID: u.EnvironmentID,
			Format: FormatEmail, Address: strings.ToLower(email), PublicIdentifier: email, SignInEnabled: true,
			VerifiedAt: in.EmailVerifiedAt.UTC().Truncate(time.Millisecond), CreatedAt: now})
	}
	return nil
}

// admFind finds u's credential with c's format, chain and address.
func (u *User) admFind(c *Credential) *Credential {
	for i := range u.Credentials {
		x := &u.Credentials[i]
		if x.Format == c.Format && x.Chain == c.Chain && x.Address == c.Address {
			return x
		}
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
		if existing.admFind(&c) == nil {
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

// ---- errors ----

// The refusals the admin store reports.
var (
	ErrAdminUserNotFound     = ErrUserNotFound
	ErrAdminWalletNotFound   = errs.NotFound("wallet_not_found", "wallet not found")
	ErrAdminSessionNotFound  = errs.NotFound("session_not_found", "session not found")
	ErrAdminEmailTaken       = errs.Conflict("email_already_exists", "a user of this environment already has this email")
	ErrAdminUsernameTaken    = errs.Conflict("username_already_exists", "a user of this environment already has this username")
	ErrAdminWalletTaken      = errs.Conflict("duplicate_exists", "this wallet already belongs to a user of this environment")
	ErrAdminUserExists       = errs.Conflict("duplicate_exists", "a user with this id already exists")
	ErrAdminAmbiguousUpsert  = errs.Conflict("duplicate_exists", "the id, the email and the wallets belong to different users")
	ErrAdminNoEmbeddedWallet = errs.Unprocessable("no_compatible_wallet_service_enabled", "no embedded wallet provider configured", nil)
)

// ---- the service ----

// SaveUser is one create or import of a user: all or nothing.
type SaveUser struct {
	Draft   *User        // the user to create, with its credentials
	Profile ProfilePatch // the fields the caller set (for upsert)
	// Upsert updates the user owning Draft's email or wallets instead of
	// refusing the duplicate.
	Upsert bool
	Now    time.Time
}

// SaveOutcome is what SaveUsers did with one row: saved (Created tells a
// new user from an updated one) or refused with Err.
type SaveOutcome struct {
	User    *User
	Created bool
	Err     error
}

// AdminStore is the persistence of the admin operations. Each write is
// atomic and records its events.
type AdminStore interface {
	UserFinder
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
	GetUser(ctx context.Context, id string) (*User, error)
	ListUsers(ctx context.Context, envID string, q ListQuery) (*UserList, error)
	UserSessions(ctx context.Context, userID string) ([]UserSession, error)
	// SaveUser creates Draft, or with Upsert merges it (see Merge) into
	// the user owning its email or wallets; created tells which.
	SaveUser(ctx context.Context, w *SaveUser) (u *User, created bool, err error)
	// SaveUsers saves a batch in one short write transaction, each row
	// all or nothing (as SaveUser): a refused row is reported in its
	// outcome and changes nothing. An error fails the whole batch, which
	// then changes nothing.
	// Its commit need not wait for the disk: a crash may lose the latest
	// batches, each whole, until Sync.
	SaveUsers(ctx context.Context, batch []*SaveUser) ([]SaveOutcome, error)
	// Sync makes every write so far durable.
	Sync(ctx context.Context) error
	// WriterSignIns counts the sign-ins begun since the store opened that
	// wait for the writer an import's batch holds (none where writers run
	// side by side): a bulk import gives way when it moves (bulk.go).
	WriterSignIns() uint64
	// UpdateUser loads the user, lets edit change it and writes it back.
	UpdateUser(ctx context.Context, id string, edit func(*User) error, now time.Time) (*User, error)
	DeleteUser(ctx context.Context, id string, now time.Time) error
	// RevokeUserSessions revokes every live session of the user.
	RevokeUserSessions(ctx context.Context, userID string, at time.Time, event string) error
	GetUserSession(ctx context.Context, id string) (*UserSession, error)
	RevokeSession(ctx context.Context, id string, at time.Time, event string) error
	GetCredential(ctx context.Context, id string) (*Credential, error)
	// AddCredential links c to its user; a credential already owned by
	// anyone is ErrAdminWalletTaken.
	AddCredential(ctx context.Context, c *Credential, now time.Time) error
	// DeleteCredential removes a credential after check approves it
	// against its user, in the same transaction.
	DeleteCredential(ctx context.Context, id string, check func(*User) error, now time.Time) error
	ListWallets(ctx context.Context, envID string, p Page) ([]Credential, int, error)
	ListVisitors(ctx context.Context, envID string, q ListQuery) ([]Visitor, int, error)
}

// Admin applies the admin rules on top of an AdminStore.
type Admin struct {
	store AdminStore
	now   func() time.Time
	// clock and pause time an import's batches and wait (bulk.go): the
	// wall clock, whatever now is
	clock func() time.Time
	pause func(ctx context.Context, d time.Duration)
}

// NewAdmin builds the service; now may be nil for the wall clock.
func NewAdmin(store AdminStore, now func() time.Time) *Admin {
	if now == nil {
		now = time.Now
	}
	return &Admin{store: store, now: func() time.Time { return now().UTC().Truncate(time.Millisecond) },
		clock: time.Now, pause: sleep}
}

// environment loads a path environment and checks reach and scope.
func (a *Admin) environment(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) (*tenant.Environment, error) {
	return tenant.UseEnvironment(ctx, a.store, p, envID, acc.Users())
}

// CheckUser tells whether the principal reaches the user with access acc;
// an unreachable user is not found.
func (a *Admin) CheckUser(ctx context.Context, p *tenant.Principal, envID, userID string, acc tenant.Access) error {
	_, err := a.user(ctx, p, envID, userID, acc)
	return err
}

// user loads a user of envID (any reachable environment when envID is
// empty: the legacy routes).
func (a *Admin) user(ctx context.Context, p *tenant.Principal, envID, userID string, acc tenant.Access) (*User, error) {
	if envID != "" {
		if _, err := a.environment(ctx, p, envID, acc); err != nil {
			return nil, err
		}
	}
	u, err := a.store.GetUser(ctx, userID)
	if errs.Is(err, errs.KindNotFound) || err == nil && envID != "" && u.EnvironmentID != envID {
		return nil, ErrAdminUserNotFound
	}
	if err != nil {
		return nil, err
	}
	if envID == "" {
		if err := tenant.ReachRecord(ctx, a.store, p, u.EnvironmentID, acc.Users(), ErrAdminUserNotFound); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// ListUsers lists an environment's users.
func (a *Admin) ListUsers(ctx context.Context, p *tenant.Principal, envID string, q ListQuery) (*UserList, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	q, err := q.withDefaults(UserOrderFields)
	if err != nil {
		return nil, err
	}
	return a.store.ListUsers(ctx, envID, q)
}

// GetUser returns a user and their sessions; envID empty: legacy route.
func (a *Admin) GetUser(ctx context.Context, p *tenant.Principal, envID, userID string) (*User, []UserSession, error) {
	u, err := a.user(ctx, p, envID, userID, tenant.Read)
	if err != nil {
		return nil, nil, err
	}
	sessions, err := a.store.UserSessions(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	return u, sessions, nil
}

// CreateUser creates a user; a duplicate email, username, wallet or id
// is refused.
func (a *Admin) CreateUser(ctx context.Context, p *tenant.Principal, envID string, in NewUser) (*User, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	now := a.now()
	d, err := in.draft("", envID, now)
	if err != nil {
		return nil, err
	}
	u, _, err := a.store.SaveUser(ctx, &SaveUser{Draft: d, Profile: in.Profile, Now: now})
	return u, err
}

// UpdateUser changes the profile fields that are set.
func (a *Admin) UpdateUser(ctx context.Context, p *tenant.Principal, envID, userID string, prof ProfilePatch) (*User, error) {
	if _, err := a.user(ctx, p, envID, userID, tenant.Write); err != nil {
		return nil, err
	}
	if err := prof.normalize(""); err != nil {
		return nil, err
	}
	return a.store.UpdateUser(ctx, userID, func(u *User) error {
		prof.Apply(u)
		return nil
	}, a.now())
}

// DeleteUser removes a user with their credentials and sessions, so their
// session tokens are refused at once.
func (a *Admin) DeleteUser(ctx context.Context, p *tenant.Principal, envID, userID string) error {
	if _, err := a.user(ctx, p, envID, userID, tenant.Write); err != nil {
		return err
	}
	return a.store.DeleteUser(ctx, userID, a.now())
}

// RevokeUserSessions ends every session of a user at once.
func (a *Admin) RevokeUserSessions(ctx context.Context, p *tenant.Principal, envID, userID string) error {
	if _, err := a.user(ctx, p, envID, userID, tenant.Write); err != nil {
		return err
	}
	return a.store.RevokeUserSessions(ctx, userID, a.now(), AdminEventSessionRevoked)
}

// session loads a session the principal reaches.
func (a *Admin) session(ctx context.Context, p *tenant.Principal, id string, acc tenant.Access) (*UserSession, error) {
	s, err := a.store.GetUserSession(ctx, id)
	if errs.Is(err, errs.KindNotFound) {
		return nil, ErrAdminSessionNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := tenant.ReachRecord(ctx, a.store, p, s.EnvironmentID, acc.Users(), ErrAdminSessionNotFound); err != nil {
		return nil, err
	}
	return s, nil
}

// GetSession returns a user's session.
func (a *Admin) GetSession(ctx context.Context, p *tenant.Principal, userID, sessionID string) (*UserSession, error) {
	s, err := a.session(ctx, p, sessionID, tenant.Read)
	if err != nil {
		return nil, err
	}
	if s.UserID != userID {
		return nil, ErrAdminSessionNotFound
	}
	return s, nil
}

// RevokeSession ends one session at once (idempotent).
func (a *Admin) RevokeSession(ctx context.Context, p *tenant.Principal, sessionID string) (*UserSession, error) {
	if _, err := a.session(ctx, p, sessionID, tenant.Write); err != nil {
		return nil, err
	}
	if err := a.store.RevokeSession(ctx, sessionID, a.now(), AdminEventSessionRevoked); err != nil {
		return nil, err
	}
	return a.store.GetUserSession(ctx, sessionID)
}

// ListWallets pages through an environment's wallets.
func (a *Admin) ListWallets(ctx context.Context, p *tenant.Principal, envID string, page Page) ([]Credential, int, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, 0, err
	}
	page, err := page.withDefaults()
	if err != nil {
		return nil, 0, err
	}
	return a.store.ListWallets(ctx, envID, page)
}

// UserWallets returns a user's wallets; envID empty: legacy route.
func (a *Admin) UserWallets(ctx context.Context, p *tenant.Principal, envID, userID string) ([]Credential, error) {
	u, err := a.user(ctx, p, envID, userID, tenant.Read)
	if err != nil {
		return nil, err
	}
	return u.WalletCredentials(), nil
}

// wallet loads a wallet of envID (any reachable one when empty).
func (a *Admin) wallet(ctx context.Context, p *tenant.Principal, envID, walletID string, acc tenant.Access) (*Credential, error) {
	if envID != "" {
		if _, err := a.environment(ctx, p, envID, acc); err != nil {
			return nil, err
		}
	}
	c, err := a.store.GetCredential(ctx, walletID)
	if errs.Is(err, errs.KindNotFound) || err == nil && (c.Format != FormatBlockchain || envID != "" && c.EnvironmentID != envID) {
		return nil, ErrAdminWalletNotFound
	}
	if err != nil {
		return nil, err
	}
	if envID == "" {
		if err := tenant.ReachRecord(ctx, a.store, p, c.EnvironmentID, acc.Users(), ErrAdminWalletNotFound); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// GetWallet returns one wallet; envID empty: legacy route.
func (a *Admin) GetWallet(ctx context.Context, p *tenant.Principal, envID, walletID string) (*Credential, error) {
	return a.wallet(ctx, p, envID, walletID, tenant.Read)
}

// CreateWallet links a wallet to a user; a wallet that already belongs to
// anyone in the environment is refused.
func (a *Admin) CreateWallet(ctx context.Context, p *tenant.Principal, envID, userID string, w NewWallet) (*Credential, error) {
	u, err := a.user(ctx, p, envID, userID, tenant.Write)
	if err != nil {
		return nil, err
	}
	now := a.now()
	c, err := w.credential("", u.EnvironmentID, u.ID, now)
	if err != nil {
		return nil, err
	}
	if err := a.store.AddCredential(ctx, &c, now); err != nil {
		return nil, err
	}
	return &c, nil
}

// DeleteWallet unlinks a wallet, unless it is its user's last sign-in
// credential.
func (a *Admin) DeleteWallet(ctx context.Context, p *tenant.Principal, envID, walletID string) error {
	if _, err := a.wallet(ctx, p, envID, walletID, tenant.Write); err != nil {
		return err
	}
	return a.store.DeleteCredential(ctx, walletID, func(u *User) error {
		return CheckCredentialDeletion(u, walletID)
	}, a.now())
}

// EmbeddedWallets answers the embedded-wallet routes: reachable, but no
// provider is configured.
func (a *Admin) EmbeddedWallets(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) error {
	if _, err := a.environment(ctx, p, envID, acc); err != nil {
		return err
	}
	return ErrAdminNoEmbeddedWallet
}

// ListVisitors lists an environment's wallet connections.
func (a *Admin) ListVisitors(ctx context.Context, p *tenant.Principal, envID string, q ListQuery) ([]Visitor, int, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, 0, err
	}
	q, err := q.withDefaults(VisitorOrderFields)
	if err != nil {
		return nil, 0, err
	}
	vs, total, err := a.store.ListVisitors(ctx, envID, q)
	if err != nil {
		return nil, 0, err
	}
	for i := range vs {
		if ns, ok := ChainNamespace(vs[i].Chain); ok {
			_, vs[i].Address = NormalizeAddress(ns, vs[i].Address)
		}
	}
	return vs, total, nil
}

func admTruncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
