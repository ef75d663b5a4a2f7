package sqlstore

// The users and visitors lists' SQL: conditions built from a
// users.Filter, whitelisted orders, the bounded count.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// where accumulates SQL conditions and their arguments. Each condition
// numbers its own parameters from $1; add shifts them after the ones
// before it.
type where struct {
	conds []string
	args  []any
	// dense, when set, is the same filter read in the page's order (a walk
	// of the environment testing each user), for a page of more matches
	// than the count's bound: the matches are then dense, and a walk
	// finds a page of them sooner than reading and sorting them all.
	dense *where
}

var paramRE = regexp.MustCompile(`\$(\d+)`)

func (w *where) add(cond string, args ...any) {
	off := len(w.args)
	cond = paramRE.ReplaceAllStringFunc(cond, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(n+off)
	})
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// page appends LIMIT and OFFSET parameters and returns the clause.
func (w *where) page(p users.Page) (string, []any) {
	n := len(w.args)
	return fmt.Sprintf(" LIMIT $%d OFFSET $%d", n+1, n+2), append(slices.Clip(w.args), p.Limit, p.Offset)
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

const credOfUser = `EXISTS (SELECT 1 FROM verified_credentials c WHERE c.user_id = users.id AND `

// userOfAddress keeps the users owning a credential of environment $1 at
// one of the addresses $2, $3 and matching the condition that follows:
// the credentials are found through verified_credentials_env_address and
// their users by primary key, rather than probing every user.
const userOfAddress = `users.id IN (SELECT c.user_id FROM verified_credentials c
	WHERE c.environment_id = $1 AND c.address IN ($2, $3) AND `

var userTextColumns = map[users.FilterColumn]string{
	users.FilterEmail: "email", users.FilterAlias: "alias", users.FilterFirstName: "first_name",
	users.FilterLastName: "last_name", users.FilterPhoneNumber: "phone_number", users.FilterJobTitle: "job_title",
	users.FilterUsername: "username",
}

// allTextColumns are the text columns the "all" filter searches.
var allTextColumns = []string{"email", "alias", "first_name", "last_name", "username"}

// byAddress are the filters that find users through their credentials'
// addresses: the users are read by primary key, so their environment is
// not a condition (SQLite would walk the environment's users to test it).
// A text column's search (textMatch) names the environment itself.
var byAddress = map[users.FilterColumn]bool{users.FilterWalletPublicKey: true, users.FilterWallet: true,
	users.FilterAccountID: true}

// MinSearchRunes is the shortest value a text filter searches for as a
// substring: a trigram index cannot answer a shorter one, so a shorter
// value matches a column's whole value (in any letter case), found
// through that column's partial index of short values (users_*_short).
const MinSearchRunes = 3

// textMatch is the condition keeping the users of environment $1 whose
// text column col matches value (see MinSearchRunes), and its $2.
func (s *Store) textMatch(col, value string) (string, any) {
	if utf8.RuneCountInString(value) >= MinSearchRunes {
		return s.d.Contains(col, value)
	}
	// (the partial index's conditions, repeated for the planner to use
	// it; in a subquery, so that SQLite does not walk the environment in
	// the page's order instead)
	return `users.id IN (SELECT u.id FROM users u WHERE u.environment_id = $1 AND u.` + col + ` <> ''
		AND length(u.` + col + `) < ` + strconv.Itoa(MinSearchRunes) + ` AND lower(u.` + col + `) = lower($2))`, value
}

// allMatch is the "all" filter: the users of environment $1 with the id
// f.Value, a wallet at that address (whole; an EVM address in any letter
// case), or a text column in allTextColumns matching it (textMatch), each
// part answered by its index and their ids united, read by primary key.
func (s *Store) allMatch(envID string, f users.Filter) *where {
	evm := f.EVMAddress
	if evm == "" {
		evm = f.Value
	}
	parts := &where{}
	parts.add(`SELECT id FROM users WHERE id = $1 AND environment_id = $2`, f.Value, envID)
	parts.add(`SELECT c.user_id FROM verified_credentials c WHERE c.environment_id = $1 AND c.format = 'blockchain'
		AND ((c.chain = 'eip155' AND c.address = $2) OR (c.chain <> 'eip155' AND c.address = $3))`, envID, evm, f.Value)
	// (a part per column: PostgreSQL answers an OR of the columns by a
	// walk of the environment rather than by their trigram indexes)
	for _, col := range allTextColumns {
		cond, arg := s.textMatch(col, f.Value)
		parts.add(`SELECT users.id FROM users WHERE `+cond, envID, arg)
	}
	return &where{conds: []string{`users.id IN (` + strings.Join(parts.conds, " UNION ") + `)`}, args: parts.args}
}

// userFilter turns a users list filter into conditions on users.
func (s *Store) userFilter(envID string, f users.Filter) *where {
	return s.filterWith(envID, f, s.textMatch)
}

// filterWith is userFilter with a text column matched by match (the
// condition keeping the users of environment $1 whose column col matches
// value, and its $2).
func (s *Store) filterWith(envID string, f users.Filter, match func(col, value string) (string, any)) *where {
	w := &where{}
	col := f.Column
	text := userTextColumns[col]
	switch {
	case col == users.FilterAll:
		w = s.allMatch(envID, f)
	case text != "":
		// the match names the environment itself
		cond, arg := match(text, f.Value)
		w.add(cond, envID, arg)
	case byAddress[col]:
		// (a credential of the environment belongs to a user of it)
	case col == "" && (f.SocialProvider != "" || len(f.Chains) > 0):
		return credentialsFilter(envID, f)
	default:
		w.add(`users.environment_id = $1`, envID)
	}
	switch {
	case col == users.FilterID:
		w.add(`users.id = $1`, f.Value)
	case col == users.FilterWalletPublicKey || col == users.FilterWallet:
		w.add(userOfAddress+`c.format = 'blockchain' AND ((c.chain = 'eip155' AND c.address = $2)
			OR (c.chain <> 'eip155' AND c.address = $3)))`, envID, f.EVMAddress, f.Value)
	case col == users.FilterAccountID:
		w.add(userOfAddress+`c.format = 'oauth')`, envID, f.Value, f.Value)
	}
	conds, args := credentialConds(f)
	for i, cond := range conds {
		w.add(credOfUser+cond+`)`, args[i])
	}
	return w
}

// credentialConds are f's conditions on a user's credentials (c), each
// with its one argument $1.
func credentialConds(f users.Filter) (conds []string, args []any) {
	if f.SocialProvider != "" {
		// An OAuth credential keeps its provider in chain, as the unique
		// index (environment_id, format, chain, address) reads it, and
		// in wallet_provider.
		conds = append(conds, `c.format = 'oauth' AND c.chain = $1 AND c.wallet_provider = $1`)
		args = append(args, f.SocialProvider)
	}
	for _, ns := range f.Chains {
		conds = append(conds, `c.format = 'blockchain' AND c.chain = $1`)
		args = append(args, ns)
	}
	return conds, args
}

// credentialsFilter is a filter of users by their credentials alone (a
// social provider, a chain): the users owning the first condition's
// credentials of environment $1, read through the unique index
// (environment_id, format, chain, address), rather than every user of the
// environment tested for one; a page of more matches than the count's
// bound walks the environment in order instead (where.dense).
func credentialsFilter(envID string, f users.Filter) *where {
	conds, args := credentialConds(f)
	w, dense := &where{}, &where{}
	w.add(`users.id IN (SELECT c.user_id FROM verified_credentials c WHERE c.environment_id = $1 AND `+
		strings.ReplaceAll(conds[0], "$1", "$2")+`)`, envID, args[0])
	dense.add(`users.environment_id = $1`, envID)
	dense.add(credOfUser+conds[0]+`)`, args[0])
	for i := 1; i < len(conds); i++ {
		w.add(credOfUser+conds[i]+`)`, args[i])
		dense.add(credOfUser+conds[i]+`)`, args[i])
	}
	w.dense = dense
	return w
}

var userOrderColumns = map[string]string{
	"createdAt": "created_at", "updatedAt": "updated_at", "firstVisit": "created_at", "lastVisit": "last_visit_at",
	"id": "id", "email": "email", "alias": "alias", "firstName": "first_name", "lastName": "last_name",
	"username": "username", "phoneNumber": "phone_number", "jobTitle": "job_title", "country": "country",
}

// sortedUserOrders are the users list's orders no index holds: their
// page sorts the environment's users (at a million, seconds). An index
// per order, (environment_id, column, id), would take an entry at every
// first sign-in (a wallet's user has each of these columns empty) and,
// on PostgreSQL, at every sign-in's UPDATE (it sets last_visit_at, which
// an index holds, so it is never HOT and writes every index of the row):
// the nine cost the wallet sign-in about 7% on each backend (README,
// Performance), past the 3% a sign-in may give up.
var sortedUserOrders = map[string]bool{
	"updatedAt": true, "email": true, "alias": true, "firstName": true, "lastName": true,
	"username": true, "phoneNumber": true, "jobTitle": true, "country": true,
}

var visitorOrderColumns = map[string]string{
	"createdAt": "created_at", "id": "id", "address": "wallet_address", "walletName": "wallet_name",
	"chain": "chain", "provider": "provider",
}

// orderBy renders a whitelisted order, ties broken by id, each as an
// index of the table holds it (environment_id, column, id; text byte-wise)
// for a page to be read in the index's order rather than sorted. The ids
// alone sort in their column's collation, as (environment_id, id) holds
// them: the ids made here (ids.New, UUIDs: hex digits and hyphens in
// the same places) sort the same in any collation.
func (s *Store) orderBy(table string, columns map[string]string, o users.Order) (string, error) {
	col, ok := columns[o.Field]
	if !ok {
		return "", errs.Internal("order by", fmt.Errorf("no column for the order field %q", o.Field))
	}
	dir := "ASC"
	if o.Desc {
		dir = "DESC"
	}
	if col == "id" {
		return " ORDER BY " + table + ".id " + dir, nil
	}
	if !strings.HasSuffix(col, "_at") {
		col += s.d.Binary
	}
	return " ORDER BY " + table + "." + col + " " + dir + ", " + table + ".id" + s.d.Binary + " " + dir, nil
}

// listUsersSQL is the users list's count and page queries; the count
// takes args without the last two (the page's LIMIT and OFFSET).
func (s *Store) listUsersSQL(envID string, q users.ListQuery) (count, page string, args []any, err error) {
	return s.listSQLOf(s.userFilter(envID, q.Filter), q)
}

// listSQLOf is listUsersSQL of the users matching w.
func (s *Store) listSQLOf(w *where, q users.ListQuery) (count, page string, args []any, err error) {
	order, err := s.orderBy("users", userOrderColumns, q.Order)
	if err != nil {
		return "", "", nil, err
	}
	limit, args := w.page(q.Page)
	page = `SELECT users.id FROM users WHERE ` + w.sql() + order + limit
	if unfiltered(q.Filter) {
		return sqlUserCount, page, args, nil
	}
	return s.boundedCount("users", w), page, args, nil
}

// boundedCount counts the rows of table matching w, up to
// users.MaxListCount: a filter matching most of a large environment
// stops there instead of reading all of it.
func (s *Store) boundedCount(table string, w *where) string {
	return `SELECT count(*) FROM (SELECT 1 FROM ` + table + ` WHERE ` + w.sql() + ` LIMIT ` +
		strconv.Itoa(s.maxListCount()) + `) AS matches`
}

// maxListCount is users.MaxListCount, or what SetListCountBound set.
func (s *Store) maxListCount() int {
	if s.countBound > 0 {
		return s.countBound
	}
	return users.MaxListCount
}

// SetListCountBound bounds filtered lists' counts at n instead of
// users.MaxListCount: the contract suite passes the bound with a few
// users. Not safe while the store serves requests.
func (s *Store) SetListCountBound(n int) { s.countBound = n }

// unfiltered tells a filter keeping every user of the environment.
func unfiltered(f users.Filter) bool {
	return f.Column == "" && f.SocialProvider == "" && len(f.Chains) == 0
}

func (s *Store) queryIDs(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	return list(ctx, s, q, "list ids", column[string], query, args...)
}
