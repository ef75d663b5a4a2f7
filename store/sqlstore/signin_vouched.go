package sqlstore

import (
	"cmp"
	"context"
	"database/sql"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// A sign-in's Vouched profile (an external JWT's verified email and
// names, a social provider's verified email) is written with the sign-in,
// by the rule the signin domain chose for the flow. It is checked before
// anything is queued, so that a refusal refuses the sign-in whole.

// vouchedPlan is what checkVouched decided: link the email credential to
// the signing-in user, or sign in as the email's owner (joinOwner), the
// credential linked to them; clearClaim: another user's unproved claim of
// the email (signin.NewUserProfile) gives way to the provider's proof.
type vouchedPlan struct {
	link       bool
	joinOwner  string
	clearClaim bool
}

// profileHold is how a user other than the signing-in one has an email
// as their profile email: not at all, as their own unproved claim, or
// given by an operator (users.email_asserted).
type profileHold int

const (
	holdNone profileHold = iota
	holdClaim
	holdAsserted
)

// checkVouched decides what the sign-in's vouched email does, userID and
// credID being the credential's user and id if it exists ("" if not).
func (s *Store) checkVouched(ctx context.Context, tx Tx, w *signin.Write, userID, credID string) (vouchedPlan, error) {
	v := w.Vouched
	if v == nil || v.Email == nil {
		return vouchedPlan{}, nil
	}
	if v.Rule == signin.EmailJoinsOwner {
		if credID != "" {
			return vouchedPlan{}, nil // a known account: its user signs in
		}
		return s.joinOrLink(ctx, tx, w)
	}
	// EmailRefused
	owner, hold, err := s.emailHolders(ctx, tx, w, cmp.Or(userID, w.NewUserID))
	if err != nil {
		return vouchedPlan{}, err
	}
	if hold == holdAsserted || (owner != "" && owner != userID) {
		return vouchedPlan{}, signin.ErrEmailOnOtherAccount
	}
	return vouchedPlan{link: owner == "", clearClaim: hold == holdClaim}, nil
}

// joinOrLink is EmailJoinsOwner for a credential seen for the first time:
// the email credential's owner is who signs in, the credential linked to
// them; with none, the new user gets the email unless another user's
// profile has it. The owner's email credential is locked until the commit
// (PostgreSQL; SQLite has the one writer), so that it stays theirs, not
// unlinked or transferred, while the credential joins them.
func (s *Store) joinOrLink(ctx context.Context, tx Tx, w *signin.Write) (vouchedPlan, error) {
	e := w.Vouched.Email
	var locked string
	err := tx.QueryRow(ctx, emailOwnerSQL+s.d.ForUpdate, w.EnvironmentID, e.Format, e.Chain, e.Address).Scan(&locked)
	if err == nil {
		return vouchedPlan{joinOwner: locked}, nil
	}
	if !s.noRows(err) {
		return vouchedPlan{}, s.fail("find vouched email", nil, err)
	}
	owner, hold, err := s.emailHolders(ctx, tx, w, w.NewUserID)
	if err != nil {
		return vouchedPlan{}, err
	}
	if owner != "" {
		return vouchedPlan{}, errLostRace // an owner committed since: decided again, locked
	}
	return vouchedPlan{link: hold != holdAsserted, clearClaim: hold == holdClaim}, nil
}

// emailOwnerSQL is the user of a credential ($1 environment, $2 format,
// $3 chain, $4 address).
const emailOwnerSQL = `SELECT user_id FROM verified_credentials WHERE environment_id = $1 AND format = $2
	AND chain = $3 AND address = $4`

// emailHolders is the user holding the vouched email as a credential ("" if
// none), and how a user other than userID has it as profile email: one
// round trip.
func (s *Store) emailHolders(ctx context.Context, tx Tx, w *signin.Write, userID string) (owner string, hold profileHold, err error) {
	e := w.Vouched.Email
	var o sql.NullString
	var h sql.NullInt64
	err = tx.QueryRow(ctx, `SELECT (`+emailOwnerSQL+`),
		(SELECT CASE WHEN email_asserted THEN 2 ELSE 1 END FROM users
			WHERE environment_id = $1 AND lower(email) = lower($4) AND email <> '' AND id <> $5)`,
		w.EnvironmentID, e.Format, e.Chain, e.Address, userID).Scan(&o, &h)
	if err != nil {
		return "", holdNone, s.fail("check vouched email", nil, err)
	}
	return o.String, profileHold(h.Int64), nil
}

// joinCredential queues the sign-in's credential as the email owner's,
// with the vouched JoinEvent.
func (s *Store) joinCredential(ctx context.Context, tx Tx, w *signin.Write, owner string) error {
	if err := tx.Defer(ctx, insertCredentialSQL, s.credentialArgs(owner, &w.Credential)...); err != nil {
		return s.vouchedFault(err)
	}
	if w.Vouched.JoinEvent == "" {
		return nil
	}
	return s.insertEvent(ctx, tx, w.EnvironmentID, w.Vouched.JoinEvent, owner,
		map[string]string{"userId": owner, "verifiedCredentialId": w.Credential.ID}, w.Now)
}

// writeVouched queues the vouched email credential when link says so, the
// event of linking it, and the profile fields. A concurrent sign-in taking
// the email between the check and these writes fails them on a unique
// constraint: the sign-in is retried and then refused (or, joining
// owners, joins the winner).
func (s *Store) writeVouched(ctx context.Context, tx Tx, w *signin.Write, userID string, plan vouchedPlan) error {
	v := w.Vouched
	if v == nil {
		return nil
	}
	email := ""
	if c := v.Email; c != nil && (plan.link || v.Rule == signin.EmailRefused) {
		email = c.Address
	}
	if plan.clearClaim {
		cleared, err := s.clearEmailClaim(ctx, tx, w.EnvironmentID, userID, email, w.Now)
		if err != nil {
			return err
		}
		w.ClaimClearedFrom = cleared
	}
	if plan.link {
		if err := tx.Defer(ctx, insertCredentialSQL, s.credentialArgs(userID, v.Email)...); err != nil {
			return s.vouchedFault(err)
		}
		w.Linked = append(w.Linked, v.Email.ID)
		if v.EmailEvent != "" {
			if err := s.insertEvent(ctx, tx, w.EnvironmentID, v.EmailEvent, userID,
				map[string]string{"userId": userID, "verifiedCredentialId": v.Email.ID}, w.Now); err != nil {
				return err
			}
		}
	}
	if email == "" && v.FirstName == "" && v.LastName == "" {
		return nil
	}
	err := tx.Defer(ctx, `UPDATE users SET email = CASE WHEN $1 <> '' THEN $1 ELSE email END,
		first_name = CASE WHEN $2 <> '' THEN $2 ELSE first_name END,
		last_name = CASE WHEN $3 <> '' THEN $3 ELSE last_name END WHERE id = $4`, email, v.FirstName, v.LastName, userID)
	if err != nil {
		return s.vouchedFault(err)
	}
	w.ProfileWritten = userID != w.NewUserID
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
