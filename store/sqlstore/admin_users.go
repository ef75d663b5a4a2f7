package sqlstore

// users.AdminStore: creating, importing, editing and deleting end users
// (lists: users_filter.go and users_list.go; sessions, wallets and
// visits: admin_*.go). Writes run in one transaction each and record
// their events with them.

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

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
	w.Linked = nil // a retried transaction starts over
	id, err := s.matchUser(ctx, tx, w)
	if err != nil {
		return nil, false, err
	}
	created := id == ""
	if created {
		id = w.Draft.ID
		err = s.createUser(ctx, tx, w.Draft, w.Now)
		w.Linked = credentialIDs(w.Draft.Credentials)
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

// email_asserted: an operator gave the user the email (see updateUserRow).
const userInsertCols = `id, environment_id, email, alias, first_name, last_name, phone_number,
	job_title, username, country, t_shirt_size, team, metadata, created_at, updated_at, last_visit_at, email_asserted`

var insertUserSQL = insertSQL("users", userInsertCols)

// userArgs is a new user's values in userInsertCols' order.
func userArgs(u *users.User, now time.Time) []any {
	return []any{u.ID, u.EnvironmentID, u.Email, u.Alias, u.FirstName, u.LastName, u.PhoneNumber, u.JobTitle,
		u.Username, u.Country, u.TShirtSize, u.Team, jsonOr(u.Metadata, "{}"), now, now, u.LastVisitAt, u.Email != ""}
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
	w.Linked = credentialIDs(add)
	return s.linkCredentials(ctx, tx, u.ID, add, w.Now)
}

// credentialIDs lists the ids of creds (nil for none).
func credentialIDs(creds []users.Credential) []string {
	var ids []string
	for i := range creds {
		ids = append(ids, creds[i].ID)
	}
	return ids
}

// writeUser stores a user's profile and records the update.
func (s *Store) writeUser(ctx context.Context, tx Tx, u *users.User, now time.Time) error {
	if err := s.checkUsernameFree(ctx, tx, u); err != nil {
		return err
	}
	if err := s.updateUserRow(ctx, tx, u, now, byOperator, users.ErrAdminEmailTaken, users.ErrAdminUsernameTaken); err != nil {
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
