package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// The rows several interfaces read and write: users with their
// credentials, sessions and outbox events.

const userColumns = `id, environment_id, email, alias, first_name, last_name, phone_number, job_title, username, country,
	t_shirt_size, team, metadata, last_verified_credential_id, created_at, updated_at, last_visit_at, mfa_backup_code_ack`

const credentialColumns = `id, user_id, environment_id, format, chain, address, public_identifier,
	wallet_name, wallet_provider, sign_in_enabled, verified_at, last_selected_at, created_at, photo_url`

// GetUser returns a user with their credentials (signin.Store).
func (s *Store) GetUser(ctx context.Context, id string) (*users.User, error) {
	return s.loadUser(ctx, s.db.Reader(), id)
}

// scanUser scans userColumns.
func scanUser(r Row) (u users.User, err error) {
	var meta string
	err = r.Scan(&u.ID, &u.EnvironmentID, &u.Email, &u.Alias, &u.FirstName, &u.LastName, &u.PhoneNumber, &u.JobTitle,
		&u.Username, &u.Country, &u.TShirtSize, &u.Team, &meta, &u.LastVerifiedCredentialID, &u.CreatedAt, &u.UpdatedAt,
		&u.LastVisitAt, &u.MfaBackupCodeAcknowledgement)
	u.Metadata = json.RawMessage(meta)
	return u, err
}

const sqlCredentialsOfUser = `SELECT ` + credentialColumns + ` FROM verified_credentials WHERE user_id = $1
	ORDER BY created_at, id`

// userChange runs change in one write transaction and returns the user
// of id as that transaction leaves them.
func (s *Store) userChange(ctx context.Context, id string, change func(Tx) error) (*users.User, error) {
	var u *users.User
	err := s.write(ctx, func(tx Tx) error {
		err := change(tx)
		if err == nil {
			u, err = s.loadUser(ctx, tx, id)
		}
		return err
	})
	return u, err
}

func (s *Store) loadUser(ctx context.Context, q Querier, id string) (*users.User, error) {
	u, err := scanUser(q.QueryRow(ctx, sqlUserByID, id))
	if err != nil {
		return nil, s.fail("get user", users.ErrUserNotFound, err)
	}
	u.Credentials, err = list(ctx, s, q, "get credentials", scanCredential, sqlCredentialsOfUser, id)
	return &u, err
}

// loadUsers loads the users of ids, in that order, with their
// credentials: two queries for a page, not two per user (a page of 100
// users took 200 round trips).
func (s *Store) loadUsers(ctx context.Context, q Querier, ids []string) ([]users.User, error) {
	if len(ids) == 0 {
		return []users.User{}, nil
	}
	idList := s.d.IDList(ids)
	found, err := list(ctx, s, q, "get users", scanUser, sqlUsersByID(s), idList)
	if err != nil {
		return nil, err
	}
	creds, err := list(ctx, s, q, "get credentials", scanCredential, sqlCredentialsOfUsers(s), idList)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*users.User, len(found))
	for i := range found {
		byID[found[i].ID] = &found[i]
	}
	for _, c := range creds {
		if u := byID[c.UserID]; u != nil {
			u.Credentials = append(u.Credentials, c)
		}
	}
	out := make([]users.User, 0, len(ids))
	for _, id := range ids {
		u := byID[id]
		if u == nil {
			return nil, s.fail("get users", users.ErrUserNotFound, users.ErrUserNotFound)
		}
		out = append(out, *u)
	}
	return out, nil
}

func sqlUsersByID(s *Store) string {
	return `SELECT ` + userColumns + ` FROM users WHERE ` + s.in("id", 1)
}

func sqlCredentialsOfUsers(s *Store) string {
	return `SELECT ` + credentialColumns + ` FROM verified_credentials WHERE ` + s.in("user_id", 1) +
		` ORDER BY user_id, created_at, id`
}

func credentialFields(c *users.Credential) []any {
	return []any{&c.ID, &c.UserID, &c.EnvironmentID, &c.Format, &c.Chain, &c.Address, &c.PublicIdentifier,
		&c.WalletName, &c.WalletProvider, &c.SignInEnabled, &c.VerifiedAt, &c.LastSelectedAt, &c.CreatedAt, &c.PhotoURL}
}

var scanCredential = scanner(credentialFields)

// credentialOf finds the owner and id of a credential ("" if none).
func (s *Store) credentialOf(ctx context.Context, q Querier, envID string, c *users.Credential) (userID, credID string, err error) {
	err = q.QueryRow(ctx, sqlCredentialOf, envID, c.Format, c.Chain, c.Address).Scan(&userID, &credID)
	if s.noRows(err) {
		return "", "", nil
	}
	return userID, credID, s.fail("find credential", nil, err)
}

var insertCredentialSQL = insertSQL("verified_credentials", credentialColumns)

// credentialArgs are the values of c, as userID's, in credentialColumns' order.
func (s *Store) credentialArgs(userID string, c *users.Credential) []any {
	owned := *c
	owned.UserID = userID
	return values(credentialFields(&owned))
}

func (s *Store) insertCredential(ctx context.Context, tx Tx, userID string, c *users.Credential) error {
	_, err := tx.Exec(ctx, insertCredentialSQL, s.credentialArgs(userID, c)...)
	return s.fail("create credential", users.ErrUserNotFound, err)
}

var insertSessionSQL = insertSQL("sessions", sessionRowColumns)

// insertSession queues the session's row (a deferred write).
func (s *Store) insertSession(ctx context.Context, tx Tx, ss *session.Session) error {
	err := tx.Defer(ctx, insertSessionSQL, values(sessionFields(ss))...)
	return s.fail("create session", users.ErrUserNotFound, err)
}

const eventInsertCols = `id, environment_id, name, resource_type, user_id, data, created_at`

var insertEventSQL = insertSQL("events", eventInsertCols)

// insertEvent queues an outbox event (a deferred write): events are
// written in the transaction of the change they describe.
func (s *Store) insertEvent(ctx context.Context, tx Tx, envID, name, userID string, data any, at time.Time) error {
	return s.insertEvents(ctx, tx, envID, []string{name}, userID, data, at)
}

// insertEvents queues events of one change that share their user and
// data (a sign-in's user.created, wallet.linked, session.created), one
// INSERT each, and fans several out to the environment's webhooks in one
// statement rather than one per event: a first sign-in's writes on the
// single writer are two statements fewer.
func (s *Store) insertEvents(ctx context.Context, tx Tx, envID string, names []string, userID string, data any, at time.Time) error {
	ids, err := s.insertEventRows(ctx, tx, envID, names, userID, data, at)
	if err != nil || len(ids) == 0 {
		return err
	}
	if len(ids) == 1 {
		return s.fail("record event", nil, s.fanOut(ctx, tx, envID, names[0], ids[0], at))
	}
	return s.fanOutEvents(ctx, tx, ids, at)
}

// insertEventRows queues the events' rows, one INSERT each, and returns
// their ids. Fanning them out to webhooks is the caller's: insertEvents
// does, a sign-in that found no webhook in its environment does not.
func (s *Store) insertEventRows(ctx context.Context, tx Tx, envID string, names []string, userID string, data any, at time.Time) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ids := make([]string, len(names))
	for i, name := range names {
		row, err := eventRow(envID, name, userID, data, at)
		if err != nil {
			return nil, err
		}
		ids[i] = row[0].(string)
		if err := tx.Defer(ctx, insertEventSQL, row...); err != nil {
			return nil, s.fail("record event", nil, err)
		}
	}
	return ids, nil
}

// eventRow is a new event's values in eventInsertCols' order, its id first.
func eventRow(envID, name, userID string, data any, at time.Time) ([]any, error) {
	if name == "" {
		return nil, errs.Internal("record event", errors.New("event without a name"))
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, errs.Internal("event data", err)
	}
	return []any{ids.New(), envID, name, events.ResourceType(name), userID, string(b), at}, nil
}

// fanOutEvents enqueues the events ids (written in tx) to every enabled
// webhook of their environment subscribed to them, in one statement, each
// message with its River job.
func (s *Store) fanOutEvents(ctx context.Context, tx Tx, ids []string, at time.Time) error {
	err := s.enqueueMessages(ctx, tx, `INSERT INTO webhook_messages (id, environment_id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
		SELECT e.id || '-' || we.webhook_id, we.environment_id, we.webhook_id, e.id, $2, $3, $3, $3
		FROM events e JOIN webhook_events we ON we.environment_id = e.environment_id AND we.event_name = e.name
		JOIN webhooks w ON w.id = we.webhook_id
		WHERE `+s.in("e.id", 1)+` AND w.enabled
		RETURNING id`, s.d.IDList(ids), webhooks.StatusPending, at)
	return s.fail("record event", nil, err)
}

// consumeNonces records each nonce as used; one recorded before (or
// expired, or not a nonce at all) fails the whole transaction. The domain
// has checked each nonce's MAC and environment; the primary key makes
// the use single: of concurrent inserts of one nonce the first to commit
// wins, the others insert nothing. The row lives as long as the nonce
// could be replayed.
func (s *Store) consumeNonces(ctx context.Context, tx Tx, envID string, nonces []string, now time.Time) error {
	_ = envID // bound into each nonce's MAC, checked by the domain
	for _, n := range nonces {
		exp, ok := signin.NonceExpiry(n)
		if !ok || !exp.After(now) {
			return signin.ErrNonceUsed
		}
		k, err := tx.Exec(ctx, `INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING`,
			n, exp)
		if err != nil {
			return s.fail("consume nonce", nil, err)
		}
		if k != 1 {
			return signin.ErrNonceUsed
		}
	}
	return nil
}

// deferLoadUser queues loadUser's reads into tx's batch (PostgreSQL: they
// travel with the writes queued before them); u is filled at the Flush.
func (s *Store) deferLoadUser(ctx context.Context, tx Tx, id string, u *users.User) error {
	err := tx.DeferQuery(ctx, func(rows Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return users.ErrUserNotFound
		}
		var err error
		*u, err = scanUser(rows)
		return err
	}, sqlUserByID, id)
	if err != nil {
		return err
	}
	return tx.DeferQuery(ctx, func(rows Rows) (err error) {
		u.Credentials, err = collect(rows, nil, scanCredential)
		return err
	}, sqlCredentialsOfUser, id)
}

// signInFound is what a sign-in's first statement finds: the credential's
// owner ("" if none) and whether the environment has an enabled webhook
// subscription, without which its events are not fanned out.
type signInFound struct {
	userID, credID string
	hooks          bool
}

// consumeAndFind consumes the sign-in's nonces and finds the credential's
// owner and the environment's webhooks in one statement: the last nonce's
// INSERT returns the lookups (no row when the nonce was used before). A
// webhook enabled between this statement and the events' INSERT, a round
// trip later, misses this sign-in's events, as it would had it been
// enabled a moment later.
func (s *Store) consumeAndFind(ctx context.Context, tx Tx, w *signin.Write) (signInFound, error) {
	if len(w.Nonces) == 0 {
		uid, cid, err := s.credentialOf(ctx, tx, w.EnvironmentID, &w.Credential)
		return signInFound{userID: uid, credID: cid, hooks: true}, err
	}
	last := len(w.Nonces) - 1
	if err := s.consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces[:last], w.Now); err != nil {
		return signInFound{}, err
	}
	exp, ok := signin.NonceExpiry(w.Nonces[last])
	if !ok || !exp.After(w.Now) {
		return signInFound{}, signin.ErrNonceUsed
	}
	c := &w.Credential
	var uid, cid sql.NullString
	var f signInFound
	const owner = `FROM verified_credentials WHERE environment_id = $3 AND format = $4 AND chain = $5 AND address = $6`
	err := tx.QueryRow(ctx, `INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING
		RETURNING (SELECT user_id `+owner+`), (SELECT id `+owner+`),
		EXISTS (SELECT 1 FROM webhook_events we JOIN webhooks w ON w.id = we.webhook_id WHERE we.environment_id = $3 AND w.enabled)`,
		w.Nonces[last], exp, w.EnvironmentID, c.Format, c.Chain, c.Address).Scan(&uid, &cid, &f.hooks)
	if s.noRows(err) {
		return signInFound{}, signin.ErrNonceUsed
	}
	if err != nil {
		return signInFound{}, s.fail("consume nonce", nil, err)
	}
	f.userID, f.credID = uid.String, cid.String
	return f, nil
}
