package sqlstore

import (
	"context"
	"database/sql"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// A sign-in's Vouched profile (an external JWT's verified email and
// names) is written with the sign-in. It is checked before anything is
// queued, so that an email another user has refuses the sign-in whole.

// checkVouched refuses a vouched email that another user than userID has,
// as a credential or as their profile email, and tells whether the email
// credential is still to be linked (userID does not have it yet).
func (s *Store) checkVouched(ctx context.Context, tx Tx, w *signin.Write, userID string) (link bool, err error) {
	v := w.Vouched
	if v == nil || v.Email == nil {
		return false, nil
	}
	var owner sql.NullString
	var profileTaken bool
	err = tx.QueryRow(ctx, `SELECT (SELECT user_id FROM verified_credentials WHERE environment_id = $1 AND format = $2
			AND chain = $3 AND address = $4),
		EXISTS (SELECT 1 FROM users WHERE environment_id = $1 AND lower(email) = lower($4) AND email <> '' AND id <> $5)`,
		w.EnvironmentID, v.Email.Format, v.Email.Chain, v.Email.Address, userID).Scan(&owner, &profileTaken)
	if err != nil {
		return false, s.fail("check vouched email", nil, err)
	}
	if profileTaken || (owner.Valid && owner.String != userID) {
		return false, signin.ErrEmailOnOtherAccount
	}
	return !owner.Valid, nil
}

// writeVouched queues the vouched email credential when link says so, the
// event of linking it, and the profile fields. A concurrent sign-in taking
// the email between the check and these writes fails them on a unique
// constraint: the sign-in is retried and then refused.
func (s *Store) writeVouched(ctx context.Context, tx Tx, w *signin.Write, userID string, link bool) error {
	v := w.Vouched
	if v == nil {
		return nil
	}
	email := ""
	if c := v.Email; c != nil {
		email = c.Address
	}
	if link {
		if err := tx.Defer(ctx, insertCredentialSQL, s.credentialArgs(userID, v.Email)...); err != nil {
			return s.vouchedFault(err)
		}
		if v.EmailEvent != "" {
			if err := s.insertEvent(ctx, tx, w.EnvironmentID, v.EmailEvent, userID,
				map[string]string{"userId": userID, "verifiedCredentialId": v.Email.ID}, w.Now); err != nil {
				return err
			}
		}
	}
	err := tx.Defer(ctx, `UPDATE users SET email = CASE WHEN $1 <> '' THEN $1 ELSE email END,
		first_name = CASE WHEN $2 <> '' THEN $2 ELSE first_name END,
		last_name = CASE WHEN $3 <> '' THEN $3 ELSE last_name END WHERE id = $4`, email, v.FirstName, v.LastName, userID)
	if err != nil {
		return s.vouchedFault(err)
	}
	return nil
}

// vouchedFault names what the writes of a returning user's sign-in
// failing means: a unique violation is the vouched email another sign-in
// took meanwhile (retried, the check then refuses it).
func (s *Store) vouchedFault(err error) error {
	if s.unique(err, "users_env_email") {
		return signin.ErrEmailOnOtherAccount
	}
	if s.unique(err, "") {
		return errLostRace
	}
	return s.fail("complete sign-in", users.ErrUserNotFound, err)
}
