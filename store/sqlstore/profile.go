package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

// UpdateProfile implements users.ProfileStore.
func (s *Store) UpdateProfile(ctx context.Context, userID string, change func(*users.User, []users.CustomField) (*users.ProfileChange, error)) (*users.User, error) {
	return s.userChange(ctx, userID, func(tx Tx) error {
		cur, err := s.loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		fields, err := s.listCustomFields(ctx, tx, cur.EnvironmentID)
		if err != nil {
			return err
		}
		ch, err := change(cur, fields)
		if err != nil {
			return err
		}
		// the proof before the write's refusals, as when it was spent on
		// its own before the change
		if ch.Proof != nil {
			if err := s.spendProof(ctx, tx, ch.Proof); err != nil {
				return err
			}
		}
		if err := s.writeProfile(ctx, tx, ch.User, byUser); err != nil {
			return err
		}
		if ch.Verification != nil {
			if err := s.insertVerification(ctx, tx, ch.Verification); err != nil {
				return err
			}
		}
		if ch.BackupCodeAck != nil {
			if _, err := tx.Exec(ctx, `UPDATE users SET mfa_backup_code_ack = $2 WHERE id = $1`, userID, *ch.BackupCodeAck); err != nil {
				return s.fail("set backup code acknowledgement", nil, err)
			}
		}
		return s.replaceUniqueValues(ctx, tx, userID, ch.Unique)
	})
}

// writeProfile stores a user's profile columns, refusing an email or a
// username another user of the environment has; a changed email is
// marked as given by (see updateUserRow).
func (s *Store) writeProfile(ctx context.Context, tx Tx, u *users.User, by emailSource) error {
	for _, c := range []struct {
		column, value string
		taken         func() error
	}{{"email", u.Email, users.ErrEmailTaken}, {"username", u.Username, users.ErrUsernameTaken}} {
		taken, err := s.standardTaken(ctx, tx, u.EnvironmentID, c.column, c.value, u.ID)
		if err != nil {
			return err
		}
		if taken {
			return c.taken()
		}
	}
	return s.updateUserRow(ctx, tx, u, u.UpdatedAt, by, users.ErrEmailTaken(), users.ErrUsernameTaken())
}

// emailSource says who gave a user the email a profile write sets: the
// user (an unproved claim) or an operator (users.email_asserted).
type emailSource int

const (
	byUser emailSource = iota
	byOperator
)

// updateUserRow writes a user's profile columns. Callers check first that
// the email and username are free, reading committed rows; a concurrent
// write of the same one on another replica is caught by the unique index,
// refused as emailTaken or usernameTaken. An email changed now is marked
// as the operator's (asserted, the admin API) or as the user's own,
// unproved claim (PUT /sdk/users, a merge's choice): a code sign-in or
// verify of the address clears a claim from the profile, and signs in to
// an operator's user (settleEmailClaim). One unchanged keeps its mark.
func (s *Store) updateUserRow(ctx context.Context, tx Tx, u *users.User, at time.Time, by emailSource, emailTaken, usernameTaken error) error {
	n, err := tx.Exec(ctx, `UPDATE users SET email = $1, alias = $2, first_name = $3, last_name = $4, phone_number = $5,
		job_title = $6, username = $7, country = $8, t_shirt_size = $9, team = $10, metadata = $11, updated_at = $12,
		email_asserted = CASE WHEN lower(email) = lower($1) THEN email_asserted ELSE $14 END WHERE id = $13`,
		u.Email, u.Alias, u.FirstName, u.LastName, u.PhoneNumber, u.JobTitle, u.Username, u.Country, u.TShirtSize, u.Team,
		jsonOr(u.Metadata, "{}"), at, u.ID, by == byOperator)
	switch {
	case s.unique(err, "users_env_email"):
		return emailTaken
	case s.unique(err, "users_env_username"):
		return usernameTaken
	}
	return s.affected("update user", users.ErrUserNotFound, n, err)
}

// standardTaken reports whether another user of the environment has value
// in column (email or username), ignoring case.
func (s *Store) standardTaken(ctx context.Context, q Querier, envID, column, value, exceptUserID string) (bool, error) {
	if value == "" {
		return false, nil
	}
	query, ok := map[string]string{"email": sqlEmailTaken, "username": sqlUsernameTaken}[column]
	if !ok {
		return false, errs.Internal("value taken", fmt.Errorf("unknown column %q", column))
	}
	var taken bool
	err := q.QueryRow(ctx, query, envID, value, exceptUserID).Scan(&taken)
	return taken, s.fail("check "+column, nil, err)
}

// replaceUniqueValues makes vals the user's values of unique fields; a
// value another user holds is refused (the primary key guarantees it).
func (s *Store) replaceUniqueValues(ctx context.Context, tx Tx, userID string, vals []users.UniqueValue) error {
	if _, err := tx.Exec(ctx, `DELETE FROM custom_field_unique_values WHERE user_id = $1`, userID); err != nil {
		return s.fail("replace unique values", nil, err)
	}
	for _, v := range vals {
		_, err := tx.Exec(ctx, `INSERT INTO custom_field_unique_values (field_id, value, user_id) VALUES ($1, $2, $3)`,
			v.FieldID, v.Value, userID)
		if err := s.fail("store unique value", users.ErrCustomFieldNotFound, err); err != nil {
			if errs.Is(err, errs.KindConflict) {
				return users.ErrValueNotUnique(v.FieldName)
			}
			return err
		}
	}
	return nil
}

// sqlDeleteUser deletes a user; the rows of every table keyed by the user
// go by ON DELETE CASCADE, each found through an index on its user_id.
const sqlDeleteUser = `DELETE FROM users WHERE id = $1 RETURNING environment_id`

// DeleteUser implements users.ProfileStore and users.AdminStore: the
// credentials, sessions and unique values go with the user (ON DELETE
// CASCADE), so their tokens are refused at once; user.deleted is recorded.
func (s *Store) DeleteUser(ctx context.Context, userID string, at time.Time) error {
	return s.write(ctx, func(tx Tx) error {
		var envID string
		err := tx.QueryRow(ctx, sqlDeleteUser, userID).Scan(&envID)
		if err != nil {
			return s.fail("delete user", users.ErrUserNotFound, err)
		}
		return s.insertEvent(ctx, tx, envID, events.UserDeleted, userID, map[string]string{"userId": userID}, at)
	})
}

// StandardValueTaken implements users.ProfileStore.
func (s *Store) StandardValueTaken(ctx context.Context, envID, field, value, exceptUserID string) (bool, error) {
	return s.standardTaken(ctx, s.db.Reader(), envID, field, value, exceptUserID)
}

// CustomValueTaken implements users.ProfileStore.
func (s *Store) CustomValueTaken(ctx context.Context, fieldID, value, exceptUserID string) (bool, error) {
	var taken bool
	err := s.db.Reader().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM custom_field_unique_values
		WHERE field_id = $1 AND value = $2 AND user_id <> $3)`, fieldID, value, exceptUserID).Scan(&taken)
	return taken, s.fail("check unique value", nil, err)
}
