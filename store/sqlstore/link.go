package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// countSignInCredentials counts a user's credentials that can sign in,
// leaving one out.
func (s *Store) countSignInCredentials(ctx context.Context, q Querier, userID, except string) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM verified_credentials WHERE user_id = $1 AND id <> $2 AND sign_in_enabled`,
		userID, except).Scan(&n)
	return n, s.fail("count credentials", nil, err)
}

// lockUser locks a user's row until the transaction ends, so that checks
// on their credentials ("not the last one") hold against concurrent
// writes on other replicas (SQLite has one writer: a plain read).
func (s *Store) lockUser(ctx context.Context, tx Tx, userID string) error {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM users WHERE id = $1`+s.d.ForUpdate, userID).Scan(&id)
	return s.fail("lock user", users.ErrUserNotFound, err)
}

// credentialsLeft locks the user's row and counts the credentials they
// could still sign in with without credID.
func (s *Store) credentialsLeft(ctx context.Context, tx Tx, userID, credID string) (int, error) {
	if err := s.lockUser(ctx, tx, userID); err != nil {
		return 0, err
	}
	return s.countSignInCredentials(ctx, tx, userID, credID)
}

// reverifySQL records a new proof of credential $4 and its wallet's
// current name and provider, and a social account's current picture ($5).
// A proof naming no name or picture keeps the stored one: Apple sends a
// social account's name at its first login only, and no picture.
const reverifySQL = `UPDATE verified_credentials SET verified_at = $1,
	wallet_name = CASE WHEN $2 = '' THEN wallet_name ELSE $2 END, wallet_provider = $3,
	photo_url = CASE WHEN $5 = '' THEN photo_url ELSE $5 END WHERE id = $4`

// repointLastCredential keeps a user's last_verified_credential_id from
// dangling once credID is no longer theirs: their latest verified one.
func (s *Store) repointLastCredential(ctx context.Context, tx Tx, userID, credID string, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE users SET last_verified_credential_id = coalesce((SELECT id FROM verified_credentials
		WHERE user_id = $1 ORDER BY verified_at DESC LIMIT 1), ''), updated_at = $2 WHERE id = $1 AND last_verified_credential_id = $3`,
		userID, now, credID)
	return s.fail("update last credential", nil, err)
}

// LinkCredential implements signin.LinkStore. Concurrent links of one new
// wallet meet on the credentials' unique constraint: the loser's INSERT …
// ON CONFLICT DO NOTHING waits for the winner's commit and inserts
// nothing, and the loser then sees the wallet as the winner's, exactly as
// if it had come second.
//
// An email another user has in their profile fails the first attempt on
// the email's unique index (errEmailClaimed): it runs again, settling
// that claim (signin.NewUserProfile), so that a link of an address nobody
// has costs nothing more.
func (s *Store) LinkCredential(ctx context.Context, w *signin.LinkWrite) (*users.User, error) {
	u, err := s.linkCredential(ctx, w, false)
	if errors.Is(err, errEmailClaimed) {
		u, err = s.linkCredential(ctx, w, true)
	}
	if errors.Is(err, errEmailClaimed) {
		err = users.ErrEmailTaken()
	}
	return u, err
}

// errEmailClaimed: another user's profile has the email a link proved.
var errEmailClaimed = errors.New("another user's profile has the email")

func (s *Store) linkCredential(ctx context.Context, w *signin.LinkWrite, settle bool) (*users.User, error) {
	return s.userChange(ctx, w.UserID, func(tx Tx) error {
		w.ClaimClearedFrom, w.TransferredFrom = "", "" // a retried transaction starts over
		// the proof before the link's refusals, as when it was spent on
		// its own before the link
		if w.Proof != nil {
			if err := s.spendProof(ctx, tx, w.Proof); err != nil {
				return err
			}
		}
		if w.Code != nil {
			if err := s.consumeVerification(ctx, tx, w.Code, w.Now); err != nil {
				return err
			}
		}
		if err := s.consumeNonces(ctx, tx, w.EnvironmentID, w.Nonces, w.Now); err != nil {
			return err
		}
		c := w.Credential
		owner, credID, err := s.claimCredential(ctx, tx, w.UserID, &c)
		if err != nil {
			return err
		}
		event := events.WalletLinked
		if w.Event != "" {
			event = w.Event
		}
		switch {
		case owner == "": // linked now
		case owner == w.UserID:
			event = ""
			if _, err := tx.Exec(ctx, reverifySQL, w.Now, c.WalletName, c.WalletProvider, credID, c.PhotoURL); err != nil {
				return s.fail("update credential", nil, err)
			}
		case !w.Transfer:
			// the same test as a transfer's, so that a confirmed transfer
			// (without skipEmptyAccountCheck) goes through
			left, err := s.credentialsLeft(ctx, tx, owner, credID)
			if err != nil {
				return err
			}
			if left == 0 {
				return users.ErrTransferLeavesNoSignIn
			}
			return users.ErrWalletOwnedElsewhere
		default:
			if err := s.transferCredential(ctx, tx, w, owner, credID); err != nil {
				return err
			}
			w.TransferredFrom, event = owner, events.WalletTransferred
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET last_verified_credential_id = $1, updated_at = $2 WHERE id = $3`,
			credID, w.Now, w.UserID); err != nil {
			return s.fail("update user", nil, err)
		}
		if err := s.linkProfile(ctx, tx, w, settle); err != nil {
			return err
		}
		if t := w.OAuthTokens; t != nil {
			if _, err := tx.Exec(ctx, upsertOAuthTokensSQL, oauthTokenArgs(w.EnvironmentID, credID, t, w.Now)...); err != nil {
				return s.fail("save oauth tokens", nil, err)
			}
		}
		if event == "" {
			return nil
		}
		return s.insertEvent(ctx, tx, w.EnvironmentID, event, w.UserID, map[string]string{
			"userId": w.UserID, "verifiedCredentialId": credID, "previousUserId": owner}, w.Now)
	})
}

// claimCredential inserts the credential for userID, or, if it exists,
// locks it and returns its owner and id. owner is "" when the credential
// was inserted now.
func (s *Store) claimCredential(ctx context.Context, tx Tx, userID string, c *users.Credential) (owner, credID string, err error) {
	for range 2 {
		// FOR UPDATE: concurrent links or transfers of one wallet take turns.
		err = tx.QueryRow(ctx, `SELECT user_id, id FROM verified_credentials
			WHERE environment_id = $1 AND format = $2 AND chain = $3 AND address = $4`+s.d.ForUpdate,
			c.EnvironmentID, c.Format, c.Chain, c.Address).Scan(&owner, &credID)
		if !s.noRows(err) {
			return owner, credID, s.fail("find credential", nil, err)
		}
		err = tx.QueryRow(ctx, insertCredentialSQL+` ON CONFLICT (environment_id, format, chain, address) DO NOTHING
			RETURNING id`, s.credentialArgs(userID, c)...).Scan(&credID)
		if !s.noRows(err) {
			return "", credID, s.fail("create credential", users.ErrUserNotFound, err)
		}
		// A concurrent link committed it first: look again.
	}
	return "", "", errs.Internal("link credential", errors.New("credential neither found nor inserted"))
}

// transferCredential moves the credential from owner to the linking user,
// recording owner among its previous users.
func (s *Store) transferCredential(ctx context.Context, tx Tx, w *signin.LinkWrite, owner, credID string) error {
	left, err := s.credentialsLeft(ctx, tx, owner, credID)
	if err != nil {
		return err
	}
	if left == 0 && !w.AllowEmptyAccount {
		return users.ErrTransferLeavesNoSignIn
	}
	c := w.Credential
	_, err = tx.Exec(ctx, `UPDATE verified_credentials SET user_id = $1, previous_users = `+s.d.AppendPreviousUser+`,
		verified_at = $3, wallet_name = $4, wallet_provider = $5 WHERE id = $6`,
		w.UserID, owner, w.Now, c.WalletName, c.WalletProvider, credID)
	if err != nil {
		return s.fail("transfer credential", nil, err)
	}
	return s.repointLastCredential(ctx, tx, owner, credID, w.Now)
}

// UnlinkCredential implements signin.LinkStore.
func (s *Store) UnlinkCredential(ctx context.Context, userID, credID string, now time.Time) (*users.User, error) {
	return s.userChange(ctx, userID, func(tx Tx) error {
		var envID string
		err := tx.QueryRow(ctx, `SELECT environment_id FROM verified_credentials WHERE id = $1 AND user_id = $2`, credID, userID).Scan(&envID)
		if s.noRows(err) {
			return users.ErrNotOwnCredential
		}
		if err != nil {
			return s.fail("unlink", nil, err)
		}
		left, err := s.credentialsLeft(ctx, tx, userID, credID)
		if err != nil {
			return err
		}
		if left == 0 {
			return users.ErrLastSignInCredential
		}
		if _, err := tx.Exec(ctx, `DELETE FROM verified_credentials WHERE id = $1`, credID); err != nil {
			return s.fail("unlink", nil, err)
		}
		if err := s.repointLastCredential(ctx, tx, userID, credID, now); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.WalletUnlinked, userID,
			map[string]string{"userId": userID, "verifiedCredentialId": credID}, now)
	})
}

// SelectCredential implements signin.LinkStore.
func (s *Store) SelectCredential(ctx context.Context, userID, credID string, now time.Time) (*users.User, error) {
	return s.userChange(ctx, userID, func(tx Tx) error {
		return s.change(ctx, tx, "select wallet", users.ErrAdminWalletNotFound, `UPDATE verified_credentials
			SET last_selected_at = $1 WHERE id = $2 AND user_id = $3 AND format = 'blockchain'`, now, credID, userID)
	})
}

// linkProfile copies a linked credential's profile fields (a verified
// email or phone number) to the user; settle first clears the email from
// the profile of another user who only claimed it.
func (s *Store) linkProfile(ctx context.Context, tx Tx, w *signin.LinkWrite, settle bool) error {
	if w.Profile == nil {
		return nil
	}
	if e := w.Profile.Email; e != "" {
		if settle {
			cleared, err := s.clearEmailClaim(ctx, tx, w.EnvironmentID, w.UserID, e, w.Now)
			if err != nil {
				return err
			}
			w.ClaimClearedFrom = cleared
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET email = $1 WHERE id = $2`, e, w.UserID); err != nil {
			if s.unique(err, "users_env_email") {
				return errEmailClaimed
			}
			return s.fail("set user email", nil, err)
		}
	}
	if p := w.Profile.PhoneNumber; p != "" {
		if _, err := tx.Exec(ctx, `UPDATE users SET phone_number = $1 WHERE id = $2`, p, w.UserID); err != nil {
			return s.fail("set user phone number", nil, err)
		}
	}
	return nil
}

// clearEmailClaim clears email from the profile of the user of envID
// other than userID who has it as their own unproved claim (not an
// operator's), with signin.ClaimClearedEvent, and returns that user's id
// ("" for none).
func (s *Store) clearEmailClaim(ctx context.Context, tx Tx, envID, userID, email string, now time.Time) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `UPDATE users SET email = '', updated_at = $1 WHERE environment_id = $2 AND lower(email) = lower($3)
		AND email <> '' AND id <> $4 AND NOT email_asserted RETURNING id`, now, envID, email, userID).Scan(&id)
	if s.noRows(err) {
		return "", nil
	}
	if err != nil {
		return "", s.fail("clear email claim", nil, err)
	}
	return id, s.insertEvent(ctx, tx, envID, signin.ClaimClearedEvent, id, map[string]string{"userId": id}, now)
}
