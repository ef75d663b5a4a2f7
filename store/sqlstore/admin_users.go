package sqlstore

// users.AdminStore: the admin lists, imports and edits of end users,
// their wallets, sessions and visits. Writes run in one transaction each
// and record their events with them.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// maxListedSessions caps the sessions returned per user.
const maxListedSessions = 100

// ---- lists ----

// likePattern matches v as a substring in an ILIKE … ESCAPE '\' (ILIKE:
// SQLite's LIKE ignores ASCII case, and both backends answer alike).
func (s *Store) likePattern(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(v) + "%"
}

// where accumulates SQL conditions and their arguments. Each condition
// numbers its own parameters from $1; add shifts them after the ones
// before it.
type where struct {
	conds []string
	args  []any
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
	if f.SocialProvider != "" {
		// An OAuth credential keeps its provider in wallet_provider.
		w.add(credOfUser+`c.format = 'oauth' AND c.wallet_provider = $1)`, f.SocialProvider)
	}
	for _, ns := range f.Chains {
		w.add(credOfUser+`c.format = 'blockchain' AND c.chain = $1)`, ns)
	}
	return w
}

var userOrderColumns = map[string]string{
	"createdAt": "created_at", "updatedAt": "updated_at", "firstVisit": "created_at", "lastVisit": "last_visit_at",
	"id": "id", "email": "email", "alias": "alias", "firstName": "first_name", "lastName": "last_name",
	"username": "username", "phoneNumber": "phone_number", "jobTitle": "job_title", "country": "country",
}

var visitorOrderColumns = map[string]string{
	"createdAt": "created_at", "id": "id", "address": "wallet_address", "walletName": "wallet_name",
	"chain": "chain", "provider": "provider",
}

// orderBy renders a whitelisted order, ties broken by id.
func (s *Store) orderBy(table string, columns map[string]string, o users.Order) (string, error) {
	col, ok := columns[o.Field]
	if !ok {
		return "", errs.Internal("order by", fmt.Errorf("no column for the order field %q", o.Field))
	}
	dir := "ASC"
	if o.Desc {
		dir = "DESC"
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

// ---- sessions ----

const sessionColumns = `id, user_id, environment_id, ip_address, user_agent, created_at, revoked_at`

func scanSession(sc Row) (ss users.UserSession, err error) {
	err = sc.Scan(&ss.ID, &ss.UserID, &ss.EnvironmentID, &ss.IPAddress, &ss.UserAgent, &ss.CreatedAt, &ss.RevokedAt)
	return ss, err
}

// sessionsOf returns the newest sessions of each user, by user id.
func (s *Store) sessionsOf(ctx context.Context, q Querier, userIDs []string) (map[string][]users.UserSession, error) {
	all, err := list(ctx, s, q, "list sessions", scanSession, `SELECT `+sessionColumns+` FROM (SELECT *, row_number() OVER
		(PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS n FROM sessions
		WHERE `+s.in("user_id", 1)+`) AS s WHERE n <= $2 ORDER BY created_at DESC, id DESC`,
		s.d.IDList(userIDs), maxListedSessions)
	out := make(map[string][]users.UserSession, len(userIDs))
	for _, ss := range all {
		out[ss.UserID] = append(out[ss.UserID], ss)
	}
	return out, err
}

// UserSessions implements users.AdminStore.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]users.UserSession, error) {
	m, err := s.sessionsOf(ctx, s.db.Reader(), []string{userID})
	if err != nil {
		return nil, err
	}
	return m[userID], nil
}

// GetUserSession implements users.AdminStore.
func (s *Store) GetUserSession(ctx context.Context, id string) (*users.UserSession, error) {
	return get(ctx, s, "get session", users.ErrAdminSessionNotFound, scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id)
}

// RevokeUserSessions implements users.AdminStore.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, at time.Time, event string) error {
	return s.write(ctx, func(tx Tx) error {
		var envID string
		if err := tx.QueryRow(ctx, `SELECT environment_id FROM users WHERE id = $1`, userID).Scan(&envID); err != nil {
			return s.fail("revoke sessions", users.ErrUserNotFound, err)
		}
		ids, err := s.queryIDs(ctx, tx, `UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL
			RETURNING id`, at, userID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.insertEvent(ctx, tx, envID, event, userID, map[string]string{"userId": userID, "sessionId": id}, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- creating, importing, editing, deleting users ----

// SaveUser implements users.AdminStore.
func (s *Store) SaveUser(ctx context.Context, w *users.SaveUser) (*users.User, bool, error) {
	// A taken email or wallet is refused from a reader first, so a refused
	// row (the common case of a re-run import) never waits for the writer;
	// the same indexed check inside the transaction catches a race.
	if _, err := s.matchUser(ctx, s.db.Reader(), w); err != nil {
		return nil, false, err
	}
	var out *users.User
	created := false
	err := s.write(ctx, func(tx Tx) error {
		var err error
		out, created, err = s.saveUser(ctx, tx, w)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// saveUser creates the draft, or merges it into the user owning its
// email or credentials, and returns the user as stored.
func (s *Store) saveUser(ctx context.Context, tx Tx, w *users.SaveUser) (*users.User, bool, error) {
	id, err := s.matchUser(ctx, tx, w)
	if err != nil {
		return nil, false, err
	}
	created := id == ""
	if created {
		id = w.Draft.ID
		err = s.createUser(ctx, tx, w.Draft, w.Now)
	} else {
		err = s.mergeUser(ctx, tx, id, w)
	}
	if err != nil {
		return nil, false, err
	}
	u, err := s.loadUser(ctx, tx, id)
	return u, created, err
}

// matchUser finds the user owning the draft's email or credentials (and,
// for an upsert, its id): none (""), one (an upsert merges into it; a
// create is refused) or several (refused).
func (s *Store) matchUser(ctx context.Context, q Querier, w *users.SaveUser) (string, error) {
	d := w.Draft
	byEmail, err := s.userByEmail(ctx, q, d.EnvironmentID, d.Email)
	if err != nil {
		return "", err
	}
	if byEmail != "" && !w.Upsert {
		return "", users.ErrAdminEmailTaken
	}
	match := byEmail
	if w.Upsert {
		// An import re-run finds a user by id too: one with neither email
		// nor wallet (only a social account at the source) has nothing
		// else to be found by.
		var byID string
		err := q.QueryRow(ctx, `SELECT id FROM users WHERE id = $1 AND environment_id = $2`, d.ID, d.EnvironmentID).Scan(&byID)
		switch {
		case s.noRows(err):
		case err != nil:
			return "", s.fail("find user by id", nil, err)
		case match != "" && match != byID:
			return "", users.ErrAdminAmbiguousUpsert
		default:
			match = byID
		}
	}
	for i := range d.Credentials {
		owner, err := s.credentialOwner(ctx, q, &d.Credentials[i])
		switch {
		case err != nil:
			return "", err
		case owner == "":
		case !w.Upsert:
			if d.Credentials[i].Format == users.FormatEmail {
				return "", users.ErrAdminEmailTaken
			}
			return "", users.ErrAdminWalletTaken
		case match != "" && match != owner:
			return "", users.ErrAdminAmbiguousUpsert
		default:
			match = owner
		}
	}
	return match, nil
}

func (s *Store) userByEmail(ctx context.Context, q Querier, envID, email string) (string, error) {
	if email == "" {
		return "", nil
	}
	var id string
	err := q.QueryRow(ctx, sqlUserIDByEmail, envID, email).Scan(&id)
	if s.noRows(err) {
		return "", nil
	}
	return id, s.fail("find user by email", nil, err)
}

func (s *Store) credentialOwner(ctx context.Context, q Querier, c *users.Credential) (string, error) {
	id, _, err := s.credentialOf(ctx, q, c.EnvironmentID, c)
	return id, err
}

// checkUsernameFree refuses a username another user of the environment has.
func (s *Store) checkUsernameFree(ctx context.Context, tx Tx, u *users.User) error {
	taken, err := s.standardTaken(ctx, tx, u.EnvironmentID, "username", u.Username, u.ID)
	if err != nil {
		return err
	}
	if taken {
		return users.ErrAdminUsernameTaken
	}
	return nil
}

const userInsertCols = `id, environment_id, email, alias, first_name, last_name, phone_number,
	job_title, username, country, t_shirt_size, team, metadata, created_at, updated_at, last_visit_at`

var insertUserSQL = insertSQL("users", userInsertCols)

// userArgs is a new user's values in userInsertCols' order.
func userArgs(u *users.User, now time.Time) []any {
	return []any{u.ID, u.EnvironmentID, u.Email, u.Alias, u.FirstName, u.LastName, u.PhoneNumber, u.JobTitle,
		u.Username, u.Country, u.TShirtSize, u.Team, jsonOr(u.Metadata, "{}"), now, now, u.LastVisitAt}
}

func (s *Store) createUser(ctx context.Context, tx Tx, u *users.User, now time.Time) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, u.ID).Scan(&n); err != nil {
		return s.fail("check user id", nil, err)
	}
	if n > 0 {
		return users.ErrAdminUserExists
	}
	if err := s.checkUsernameFree(ctx, tx, u); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, insertUserSQL, userArgs(u, now)...)
	if s.unique(err, "users_env_username") {
		return users.ErrAdminUsernameTaken
	}
	if err != nil {
		return s.fail("create user", tenant.ErrEnvironmentNotFound, err)
	}
	if err := s.syncUniqueValues(ctx, tx, u); err != nil {
		return err
	}
	if err := s.insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventUserCreated, u.ID, map[string]string{"userId": u.ID}, now); err != nil {
		return err
	}
	return s.linkCredentials(ctx, tx, u.ID, u.Credentials, now)
}

// syncUniqueValues indexes the user's values of unique custom fields
// (see profile.go), refusing one another user holds.
func (s *Store) syncUniqueValues(ctx context.Context, tx Tx, u *users.User) error {
	fields, err := s.listCustomFields(ctx, tx, u.EnvironmentID)
	if err != nil {
		return err
	}
	return s.replaceUniqueValues(ctx, tx, u.ID, users.AdminUniqueValues(u, fields))
}

// linkCredentials inserts credentials of a user and records the wallets linked.
func (s *Store) linkCredentials(ctx context.Context, tx Tx, userID string, creds []users.Credential, now time.Time) error {
	for i := range creds {
		c := &creds[i]
		if err := s.insertCredential(ctx, tx, userID, c); err != nil {
			if errs.Is(err, errs.KindConflict) {
				return users.ErrAdminWalletTaken
			}
			return err
		}
		if c.Format != users.FormatBlockchain {
			continue
		}
		if err := s.insertEvent(ctx, tx, c.EnvironmentID, users.AdminEventWalletLinked, userID,
			map[string]string{"userId": userID, "walletId": c.ID}, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) mergeUser(ctx context.Context, tx Tx, id string, w *users.SaveUser) error {
	u, err := s.loadUser(ctx, tx, id)
	if err != nil {
		return err
	}
	add, err := users.Merge(u, w.Draft, w.Profile)
	if err != nil {
		return err
	}
	if err := s.writeUser(ctx, tx, u, w.Now); err != nil {
		return err
	}
	return s.linkCredentials(ctx, tx, u.ID, add, w.Now)
}

// writeUser stores a user's profile and records the update.
func (s *Store) writeUser(ctx context.Context, tx Tx, u *users.User, now time.Time) error {
	if err := s.checkUsernameFree(ctx, tx, u); err != nil {
		return err
	}
	if err := s.updateUserRow(ctx, tx, u, now, users.ErrAdminEmailTaken, users.ErrAdminUsernameTaken); err != nil {
		return err
	}
	if err := s.syncUniqueValues(ctx, tx, u); err != nil {
		return err
	}
	return s.insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventUserUpdated, u.ID, map[string]string{"userId": u.ID}, now)
}

// UpdateUser implements users.AdminStore.
func (s *Store) UpdateUser(ctx context.Context, id string, edit func(*users.User) error, now time.Time) (*users.User, error) {
	return s.userChange(ctx, id, func(tx Tx) error {
		u, err := s.loadUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := edit(u); err != nil {
			return err
		}
		return s.writeUser(ctx, tx, u, now)
	})
}

// DeleteUser (users.AdminStore) is in profile.go: credentials and
// sessions go with the user (ON DELETE CASCADE).

// ---- wallets ----

// GetCredential implements users.AdminStore.
func (s *Store) GetCredential(ctx context.Context, id string) (*users.Credential, error) {
	return get(ctx, s, "get credential", users.ErrAdminWalletNotFound, scanCredential,
		`SELECT `+credentialColumns+` FROM verified_credentials WHERE id = $1`, id)
}

// ListWallets implements users.AdminStore.
func (s *Store) ListWallets(ctx context.Context, envID string, p users.Page) ([]users.Credential, int, error) {
	return countedPage(ctx, s, "wallets", scanCredential, sqlListCount, []any{envID, listWallets},
		sqlWalletsPage, envID, p.Limit, p.Offset)
}

// countedPage reads a count (countSQL) and a page of rows (pageSQL) that
// see one state; the page is never nil.
func countedPage[T any](ctx context.Context, s *Store, what string, scan func(Row) (T, error),
	countSQL string, countArgs []any, pageSQL string, args ...any) ([]T, int, error) {
	out, total := []T{}, 0
	err := s.snapshot(ctx, func(tx Querier) error {
		if err := tx.QueryRow(ctx, countSQL, countArgs...).Scan(&total); err != nil {
			return s.fail("count "+what, nil, err)
		}
		page, err := list(ctx, s, tx, "list "+what, scan, pageSQL, args...)
		out = append(out[:0], page...)
		return err
	})
	return out, total, err
}

// AddCredential implements users.AdminStore.
func (s *Store) AddCredential(ctx context.Context, c *users.Credential, now time.Time) error {
	return s.write(ctx, func(tx Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1 AND environment_id = $2`,
			c.UserID, c.EnvironmentID).Scan(&n); err != nil {
			return s.fail("add wallet", nil, err)
		}
		if n == 0 {
			return users.ErrAdminUserNotFound
		}
		owner, err := s.credentialOwner(ctx, tx, c)
		if err != nil {
			return err
		}
		if owner != "" {
			return users.ErrAdminWalletTaken
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1 WHERE id = $2`, now, c.UserID); err != nil {
			return s.fail("add wallet", nil, err)
		}
		return s.linkCredentials(ctx, tx, c.UserID, []users.Credential{*c}, now)
	})
}

// DeleteCredential implements users.AdminStore.
func (s *Store) DeleteCredential(ctx context.Context, id string, check func(*users.User) error, now time.Time) error {
	return s.write(ctx, func(tx Tx) error {
		var userID string
		if err := tx.QueryRow(ctx, `SELECT user_id FROM verified_credentials WHERE id = $1`, id).Scan(&userID); err != nil {
			return s.fail("delete wallet", users.ErrAdminWalletNotFound, err)
		}
		u, err := s.loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := check(u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM verified_credentials WHERE id = $1`, id); err != nil {
			return s.fail("delete wallet", nil, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1, last_verified_credential_id =
			CASE WHEN last_verified_credential_id = $2 THEN '' ELSE last_verified_credential_id END WHERE id = $3`,
			(now), id, userID); err != nil {
			return s.fail("delete wallet", nil, err)
		}
		return s.insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventWalletUnlinked, userID,
			map[string]string{"userId": userID, "walletId": id}, now)
	})
}

// ---- visitors ----

const visitorColumns = `id, environment_id, wallet_address, chain, provider, wallet_name, created_at`

func scanVisitor(r Row) (v users.Visitor, err error) {
	err = r.Scan(&v.ID, &v.EnvironmentID, &v.Address, &v.Chain, &v.Provider, &v.WalletName, &v.CreatedAt)
	return v, err
}

func (s *Store) visitorFilter(envID string, f users.Filter) *where {
	w := &where{}
	if f.Column == users.FilterWalletPublicKey {
		// Found through visits_env_address and read by key: with the
		// environment a condition of its own, SQLite walks visits_env_created in
		// the list's order testing each visit.
		evm := f.EVMAddress
		if evm == "" {
			evm = f.Value
		}
		w.add(`visits.id IN (SELECT v.id FROM visits v WHERE v.environment_id = $1 AND v.wallet_address IN ($2, $3))`,
			envID, f.Value, evm)
		return w
	}
	switch f.Column {
	case users.FilterAll:
		// the visit's id, or its wallet's address or name whole, each
		// found through its index
		evm := f.EVMAddress
		if evm == "" {
			evm = f.Value
		}
		w.add(`visits.id IN (SELECT id FROM visits WHERE id = $1 AND environment_id = $2
			UNION SELECT v.id FROM visits v WHERE v.environment_id = $2 AND v.wallet_address IN ($3, $4)
			UNION SELECT v.id FROM visits v WHERE v.environment_id = $2 AND lower(v.wallet_name) = lower($1))`,
			f.Value, envID, f.Value, evm)
	case users.FilterID:
		w.add(`visits.environment_id = $1 AND visits.id = $2`, envID, f.Value)
	default:
		w.add(`visits.environment_id = $1`, envID)
	}
	switch len(f.Chains) {
	case 0:
	case 1: // visits_env_chain answers it in the list's order
		w.add(`visits.chain = $1`, f.Chains[0])
	default:
		w.add(s.in("visits.chain", 1), s.d.IDList(f.Chains))
	}
	return w
}

// listVisitorsSQL is the visitors list's count and page queries, each
// with its arguments: the count from list_counts when nothing is
// filtered, else bounded (boundedCount).
func (s *Store) listVisitorsSQL(envID string, q users.ListQuery) (count string, countArgs []any, page string, args []any, err error) {
	w := s.visitorFilter(envID, q.Filter)
	order, err := s.orderBy("visits", visitorOrderColumns, q.Order)
	if err != nil {
		return "", nil, "", nil, err
	}
	limit, args := w.page(q.Page)
	page = `SELECT ` + visitorColumns + ` FROM visits WHERE ` + w.sql() + order + limit
	if unfilteredVisits(q.Filter) {
		return sqlListCount, []any{envID, listVisits}, page, args, nil
	}
	return s.boundedCount("visits", w), w.args, page, args, nil
}

// unfilteredVisits tells a filter keeping every visit of the environment
// (visitorFilter ignores the columns it does not know).
func unfilteredVisits(f users.Filter) bool {
	return len(f.Chains) == 0 && f.Column != users.FilterAll && f.Column != users.FilterID &&
		f.Column != users.FilterWalletPublicKey
}

// ListVisitors implements users.AdminStore.
func (s *Store) ListVisitors(ctx context.Context, envID string, q users.ListQuery) ([]users.Visitor, int, error) {
	countSQL, countArgs, pageSQL, args, err := s.listVisitorsSQL(envID, q)
	if err != nil {
		return nil, 0, err
	}
	return countedPage(ctx, s, "visitors", scanVisitor, countSQL, countArgs, pageSQL, args...)
}
