package postgres

// users.AdminStore: the admin lists, imports and edits of end users,
// their wallets, sessions and visits. Writes run in one transaction each
// and record their events with them.

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// maxListedSessions caps the sessions returned per user.
const maxListedSessions = 100

// ---- lists ----

// likePattern matches v as a substring in an ILIKE … ESCAPE '\' (ILIKE:
// SQLite's LIKE ignores ASCII case, and both backends answer alike).
func likePattern(v string) string {
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

var userTextColumns = map[users.FilterColumn]string{
	users.FilterEmail: "email", users.FilterAlias: "alias", users.FilterFirstName: "first_name",
	users.FilterLastName: "last_name", users.FilterPhoneNumber: "phone_number", users.FilterJobTitle: "job_title",
	users.FilterUsername: "username",
}

// userFilter turns a users list filter into conditions on users.
func userFilter(envID string, f users.Filter) *where {
	w := &where{}
	w.add(`users.environment_id = $1`, envID)
	like := likePattern(f.Value)
	switch col := f.Column; {
	case col == users.FilterAll:
		w.add(`(users.id = $1 OR users.email ILIKE $2 ESCAPE '\' OR users.alias ILIKE $3 ESCAPE '\'
			OR users.first_name ILIKE $4 ESCAPE '\' OR users.last_name ILIKE $5 ESCAPE '\' OR users.username ILIKE $6 ESCAPE '\'
			OR `+credOfUser+`c.format = 'blockchain' AND c.address ILIKE $7 ESCAPE '\'))`, f.Value, like, like, like, like, like, like)
	case col == users.FilterID:
		w.add(`users.id = $1`, f.Value)
	case col == users.FilterWalletPublicKey || col == users.FilterWallet:
		w.add(credOfUser+`c.format = 'blockchain' AND ((c.chain = 'eip155' AND c.address = $1)
			OR (c.chain <> 'eip155' AND c.address = $2)))`, f.EVMAddress, f.Value)
	case col == users.FilterAccountID:
		w.add(credOfUser+`c.format = 'oauth' AND c.address = $1)`, f.Value)
	case userTextColumns[col] != "":
		w.add(`users.`+userTextColumns[col]+` ILIKE $1 ESCAPE '\'`, like)
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
func orderBy(table string, columns map[string]string, o users.Order) (string, error) {
	col, ok := columns[o.Field]
	if !ok {
		return "", errs.Invalid("orderBy: cannot sort by %q", o.Field)
	}
	dir := "ASC"
	if o.Desc {
		dir = "DESC"
	}
	if !strings.HasSuffix(col, "_at") {
		col += ` COLLATE "C"` // byte order, as SQLite sorts text
	}
	return " ORDER BY " + table + "." + col + " " + dir + ", " + table + `.id COLLATE "C" ` + dir, nil
}

// ListUsers implements users.AdminStore.
func (s *Store) ListUsers(ctx context.Context, envID string, q users.ListQuery) (*users.UserList, error) {
	w := userFilter(envID, q.Filter)
	order, err := orderBy("users", userOrderColumns, q.Order)
	if err != nil {
		return nil, err
	}
	out := &users.UserList{Users: []users.User{}}
	err = s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE `+w.sql(), w.args...).Scan(&out.Total); err != nil {
			return mapErr("count users", "", err)
		}
		limit, args := w.page(q.Page)
		ids, err := queryIDs(ctx, tx, `SELECT users.id FROM users WHERE `+w.sql()+order+limit, args...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			u, err := loadUser(ctx, tx, id)
			if err != nil {
				return err
			}
			out.Users = append(out.Users, *u)
		}
		if q.WithSessions {
			out.Sessions, err = sessionsOf(ctx, tx, ids)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, mapErr("list ids", "", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr("list ids", "", err)
		}
		ids = append(ids, id)
	}
	return ids, mapErr("list ids", "", rows.Err())
}

// ---- sessions ----

const sessionColumns = `id, user_id, environment_id, ip_address, user_agent, created_at, revoked_at`

func scanSession(sc interface{ Scan(...any) error }) (users.UserSession, error) {
	var ss users.UserSession
	var c time.Time
	var revoked *time.Time
	err := sc.Scan(&ss.ID, &ss.UserID, &ss.EnvironmentID, &ss.IPAddress, &ss.UserAgent, &c, &revoked)
	ss.CreatedAt, ss.RevokedAt = parseTime(c), utcPtr(revoked)
	return ss, err
}

// sessionsOf returns the newest sessions of each user, by user id.
func sessionsOf(ctx context.Context, q querier, userIDs []string) (map[string][]users.UserSession, error) {
	rows, err := q.Query(ctx, `SELECT `+sessionColumns+` FROM (SELECT *, row_number() OVER
		(PARTITION BY user_id ORDER BY created_at DESC, id DESC) AS n FROM sessions
		WHERE user_id = ANY($1)) AS s WHERE n <= $2 ORDER BY created_at DESC, id DESC`,
		userIDs, maxListedSessions)
	if err != nil {
		return nil, mapErr("list sessions", "", err)
	}
	defer rows.Close()
	out := make(map[string][]users.UserSession, len(userIDs))
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, mapErr("list sessions", "", err)
		}
		out[ss.UserID] = append(out[ss.UserID], ss)
	}
	return out, mapErr("list sessions", "", rows.Err())
}

// UserSessions implements users.AdminStore.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]users.UserSession, error) {
	m, err := sessionsOf(ctx, s.db, []string{userID})
	if err != nil {
		return nil, err
	}
	return m[userID], nil
}

// GetUserSession implements users.AdminStore.
func (s *Store) GetUserSession(ctx context.Context, id string) (*users.UserSession, error) {
	ss, err := scanSession(s.db.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr("get session", "session_not_found", err)
	}
	return &ss, nil
}

// RevokeUserSessions implements users.AdminStore.
func (s *Store) RevokeUserSessions(ctx context.Context, userID string, at time.Time, event string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var envID string
		if err := tx.QueryRow(ctx, `SELECT environment_id FROM users WHERE id = $1`, userID).Scan(&envID); err != nil {
			return mapErr("revoke sessions", "user_not_found", err)
		}
		ids, err := queryIDs(ctx, tx, `SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, userID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = $1 WHERE id = $2`, ts(at), id); err != nil {
				return mapErr("revoke session", "", err)
			}
			if err := insertEvent(ctx, tx, envID, event, userID, map[string]string{"userId": userID, "sessionId": id}, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- creating, importing, editing, deleting users ----

// SaveUser implements users.AdminStore.
func (s *Store) SaveUser(ctx context.Context, w *users.SaveUser) (*users.User, bool, error) {
	var out *users.User
	created := false
	err := s.tx(ctx, func(tx pgx.Tx) error {
		id, err := matchUser(ctx, tx, w)
		if err != nil {
			return err
		}
		if id == "" {
			created, id = true, w.Draft.ID
			err = createUser(ctx, tx, w.Draft, w.Now)
		} else {
			err = mergeUser(ctx, tx, id, w)
		}
		if err != nil {
			return err
		}
		out, err = loadUser(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return out, created, nil
}

// matchUser finds the user owning the draft's email or credentials: none
// (""), one (an upsert merges into it; a create is refused) or several
// (refused).
func matchUser(ctx context.Context, tx pgx.Tx, w *users.SaveUser) (string, error) {
	d := w.Draft
	byEmail, err := userByEmail(ctx, tx, d.EnvironmentID, d.Email)
	if err != nil {
		return "", err
	}
	if byEmail != "" && !w.Upsert {
		return "", users.ErrAdminEmailTaken
	}
	match := byEmail
	for i := range d.Credentials {
		owner, err := credentialOwner(ctx, tx, &d.Credentials[i])
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

func userByEmail(ctx context.Context, tx pgx.Tx, envID, email string) (string, error) {
	if email == "" {
		return "", nil
	}
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE environment_id = $1 AND lower(email) = lower($2::text)
		ORDER BY created_at LIMIT 1`, envID, email).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, mapErr("find user by email", "", err)
}

func credentialOwner(ctx context.Context, tx pgx.Tx, c *users.Credential) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT user_id FROM verified_credentials
		WHERE environment_id = $1 AND format = $2 AND chain = $3 AND address = $4`,
		c.EnvironmentID, c.Format, c.Chain, c.Address).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, mapErr("find credential", "", err)
}

// checkUsernameFree refuses a username another user of the environment has.
func checkUsernameFree(ctx context.Context, tx pgx.Tx, u *users.User) error {
	if u.Username == "" {
		return nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE environment_id = $1 AND lower(username) = lower($2::text)
		AND id <> $3`, u.EnvironmentID, u.Username, u.ID).Scan(&n)
	if err != nil {
		return mapErr("check username", "", err)
	}
	if n > 0 {
		return users.ErrAdminUsernameTaken
	}
	return nil
}

func createUser(ctx context.Context, tx pgx.Tx, u *users.User, now time.Time) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, u.ID).Scan(&n); err != nil {
		return mapErr("check user id", "", err)
	}
	if n > 0 {
		return users.ErrAdminUserExists
	}
	if err := checkUsernameFree(ctx, tx, u); err != nil {
		return err
	}
	at := ts(now)
	_, err := tx.Exec(ctx, `INSERT INTO users (id, environment_id, email, alias, first_name, last_name, phone_number,
		job_title, username, country, t_shirt_size, team, metadata, created_at, updated_at, last_visit_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		u.ID, u.EnvironmentID, u.Email, u.Alias, u.FirstName, u.LastName, u.PhoneNumber, u.JobTitle, u.Username,
		u.Country, u.TShirtSize, u.Team, jsonOr(u.Metadata, "{}"), at, at, ts(u.LastVisitAt))
	if isUniqueViolation(err, "users_env_username") {
		return users.ErrAdminUsernameTaken
	}
	if err != nil {
		return mapErr("create user", "environment_not_found", err)
	}
	if err := syncUniqueValues(ctx, tx, u); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventUserCreated, u.ID, map[string]string{"userId": u.ID}, now); err != nil {
		return err
	}
	return linkCredentials(ctx, tx, u.ID, u.Credentials, now)
}

// syncUniqueValues indexes the user's values of unique custom fields
// (see profile.go), refusing one another user holds.
func syncUniqueValues(ctx context.Context, tx pgx.Tx, u *users.User) error {
	fields, err := listCustomFields(ctx, tx, u.EnvironmentID)
	if err != nil {
		return err
	}
	return replaceUniqueValues(ctx, tx, u.ID, users.AdminUniqueValues(u, fields))
}

// linkCredentials inserts credentials of a user and records the wallets linked.
func linkCredentials(ctx context.Context, tx pgx.Tx, userID string, creds []users.Credential, now time.Time) error {
	for i := range creds {
		c := &creds[i]
		if err := insertCredential(ctx, tx, userID, c); err != nil {
			if errs.Is(err, errs.KindConflict) {
				return users.ErrAdminWalletTaken
			}
			return err
		}
		if c.Format != users.FormatBlockchain {
			continue
		}
		if err := insertEvent(ctx, tx, c.EnvironmentID, users.AdminEventWalletLinked, userID,
			map[string]string{"userId": userID, "walletId": c.ID}, now); err != nil {
			return err
		}
	}
	return nil
}

func mergeUser(ctx context.Context, tx pgx.Tx, id string, w *users.SaveUser) error {
	u, err := loadUser(ctx, tx, id)
	if err != nil {
		return err
	}
	add, err := users.Merge(u, w.Draft, w.Profile)
	if err != nil {
		return err
	}
	if err := writeUser(ctx, tx, u, w.Now); err != nil {
		return err
	}
	return linkCredentials(ctx, tx, u.ID, add, w.Now)
}

// writeUser stores a user's profile and records the update.
func writeUser(ctx context.Context, tx pgx.Tx, u *users.User, now time.Time) error {
	if err := checkUsernameFree(ctx, tx, u); err != nil {
		return err
	}
	meta := string(u.Metadata)
	if meta == "" {
		meta = "{}"
	}
	res, err := tx.Exec(ctx, `UPDATE users SET email = $1, alias = $2, first_name = $3, last_name = $4, phone_number = $5,
		job_title = $6, username = $7, country = $8, t_shirt_size = $9, team = $10, metadata = $11, updated_at = $12 WHERE id = $13`,
		u.Email, u.Alias, u.FirstName, u.LastName, u.PhoneNumber, u.JobTitle, u.Username, u.Country, u.TShirtSize, u.Team,
		meta, ts(now), u.ID)
	if isUniqueViolation(err, "users_env_username") {
		return users.ErrAdminUsernameTaken
	}
	if err := mustAffect("update user", "user_not_found", res, err); err != nil {
		return err
	}
	if err := syncUniqueValues(ctx, tx, u); err != nil {
		return err
	}
	return insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventUserUpdated, u.ID, map[string]string{"userId": u.ID}, now)
}

// UpdateUser implements users.AdminStore.
func (s *Store) UpdateUser(ctx context.Context, id string, edit func(*users.User) error, now time.Time) (*users.User, error) {
	var out *users.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		u, err := loadUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := edit(u); err != nil {
			return err
		}
		if err := writeUser(ctx, tx, u, now); err != nil {
			return err
		}
		out, err = loadUser(ctx, tx, id)
		return err
	})
	return out, err
}

// DeleteUser (users.AdminStore) is in profile.go: credentials and
// sessions go with the user (ON DELETE CASCADE).

// ---- wallets ----

const credentialColumns = `id, user_id, environment_id, format, chain, address, public_identifier, wallet_name,
	wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at`

func scanCredential(sc interface{ Scan(...any) error }) (users.Credential, error) {
	var c users.Credential
	var va, ca time.Time
	var ls *time.Time
	err := sc.Scan(&c.ID, &c.UserID, &c.EnvironmentID, &c.Format, &c.Chain, &c.Address, &c.PublicIdentifier,
		&c.WalletName, &c.WalletProvider, &c.SignInEnabled, &va, &ls, &ca)
	c.VerifiedAt, c.CreatedAt, c.LastSelectedAt = parseTime(va), parseTime(ca), utcPtr(ls)
	return c, err
}

// GetCredential implements users.AdminStore.
func (s *Store) GetCredential(ctx context.Context, id string) (*users.Credential, error) {
	c, err := scanCredential(s.db.QueryRow(ctx, `SELECT `+credentialColumns+` FROM verified_credentials WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr("get credential", "wallet_not_found", err)
	}
	return &c, nil
}

// ListWallets implements users.AdminStore.
func (s *Store) ListWallets(ctx context.Context, envID string, p users.Page) ([]users.Credential, int, error) {
	out := []users.Credential{}
	total := 0
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM verified_credentials WHERE environment_id = $1
			AND format = 'blockchain'`, envID).Scan(&total); err != nil {
			return mapErr("count wallets", "", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+credentialColumns+` FROM verified_credentials
			WHERE environment_id = $1 AND format = 'blockchain' ORDER BY created_at, id LIMIT $2 OFFSET $3`, envID, p.Limit, p.Offset)
		if err != nil {
			return mapErr("list wallets", "", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCredential(rows)
			if err != nil {
				return mapErr("list wallets", "", err)
			}
			out = append(out, c)
		}
		return mapErr("list wallets", "", rows.Err())
	})
	return out, total, err
}

// AddCredential implements users.AdminStore.
func (s *Store) AddCredential(ctx context.Context, c *users.Credential, now time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1 AND environment_id = $2`,
			c.UserID, c.EnvironmentID).Scan(&n); err != nil {
			return mapErr("add wallet", "", err)
		}
		if n == 0 {
			return users.ErrAdminUserNotFound
		}
		owner, err := credentialOwner(ctx, tx, c)
		if err != nil {
			return err
		}
		if owner != "" {
			return users.ErrAdminWalletTaken
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1 WHERE id = $2`, ts(now), c.UserID); err != nil {
			return mapErr("add wallet", "", err)
		}
		return linkCredentials(ctx, tx, c.UserID, []users.Credential{*c}, now)
	})
}

// DeleteCredential implements users.AdminStore.
func (s *Store) DeleteCredential(ctx context.Context, id string, check func(*users.User) error, now time.Time) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		var userID string
		if err := tx.QueryRow(ctx, `SELECT user_id FROM verified_credentials WHERE id = $1`, id).Scan(&userID); err != nil {
			return mapErr("delete wallet", "wallet_not_found", err)
		}
		u, err := loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := check(u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM verified_credentials WHERE id = $1`, id); err != nil {
			return mapErr("delete wallet", "", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1, last_verified_credential_id =
			CASE WHEN last_verified_credential_id = $2 THEN '' ELSE last_verified_credential_id END WHERE id = $3`,
			ts(now), id, userID); err != nil {
			return mapErr("delete wallet", "", err)
		}
		return insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventWalletUnlinked, userID,
			map[string]string{"userId": userID, "walletId": id}, now)
	})
}

// ---- visitors ----

func visitorFilter(envID string, f users.Filter) (*where, error) {
	w := &where{}
	w.add(`visits.environment_id = $1`, envID)
	switch f.Column {
	case users.FilterAll:
		like := likePattern(f.Value)
		w.add(`(visits.id = $1 OR visits.wallet_address ILIKE $2 ESCAPE '\' OR visits.wallet_name ILIKE $3 ESCAPE '\')`,
			f.Value, like, like)
	case users.FilterID:
		w.add(`visits.id = $1`, f.Value)
	case users.FilterWalletPublicKey:
		evm := f.EVMAddress
		if evm == "" {
			evm = f.Value
		}
		w.add(`visits.wallet_address IN ($1, $2)`, f.Value, evm)
	}
	if len(f.Chains) > 0 {
		w.add(`visits.chain = ANY($1)`, f.Chains)
	}
	return w, nil
}

// ListVisitors implements users.AdminStore.
func (s *Store) ListVisitors(ctx context.Context, envID string, q users.ListQuery) ([]users.Visitor, int, error) {
	w, err := visitorFilter(envID, q.Filter)
	if err != nil {
		return nil, 0, err
	}
	order, err := orderBy("visits", visitorOrderColumns, q.Order)
	if err != nil {
		return nil, 0, err
	}
	out := []users.Visitor{}
	total := 0
	err = s.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM visits WHERE `+w.sql(), w.args...).Scan(&total); err != nil {
			return mapErr("count visitors", "", err)
		}
		limit, args := w.page(q.Page)
		rows, err := tx.Query(ctx, `SELECT id, environment_id, wallet_address, chain, provider, wallet_name, created_at
			FROM visits WHERE `+w.sql()+order+limit, args...)
		if err != nil {
			return mapErr("list visitors", "", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v users.Visitor
			var c time.Time
			if err := rows.Scan(&v.ID, &v.EnvironmentID, &v.Address, &v.Chain, &v.Provider, &v.WalletName, &c); err != nil {
				return mapErr("list visitors", "", err)
			}
			v.CreatedAt = parseTime(c)
			out = append(out, v)
		}
		return mapErr("list visitors", "", rows.Err())
	})
	return out, total, err
}
