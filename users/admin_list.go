package users

// The admin lists' queries: filters, order and page, parsed from the
// contract's query parameters into what AdminStore.ListUsers takes.

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/ethereum/go-ethereum/common"
)

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

func admTruncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
