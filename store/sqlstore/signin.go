package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// signin.Store: nonces, the one-transaction sign-in, visits.

var _ signin.Store = (*Store)(nil)

// DeleteExpiredNonces implements signin.Store.
func (s *Store) DeleteExpiredNonces(ctx context.Context, before time.Time) (n int64, err error) {
	err = s.db.Write(ctx, func(tx Tx) error {
		n, err = tx.Exec(ctx, `DELETE FROM used_nonces WHERE expires_at <= $1`, before)
		return err
	})
	return n, s.fail("purge nonces", nil, err)
}

// ConsumeNonces implements signin.Store.
func (s *Store) ConsumeNonces(ctx context.Context, envID string, nonces []string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error { return s.consumeNonces(ctx, tx, envID, nonces, now) })
	return s.fail("consume nonces", nil, err)
}

// CompleteSignIn implements signin.Store: one transaction, grouped with
// concurrent sign-ins on SQLite, pipelined on PostgreSQL. Two first
// sign-ins of one wallet, on any replicas, meet on the credentials' unique
// constraint: the loser's INSERT waits for the winner's commit and fails,
// its transaction is rolled back (nonce included), and it runs once more,
// now finding the winner's credential: the loser signs in to the winner's
// user. A first sign-in's inserts thus travel with its other writes.
func (s *Store) CompleteSignIn(ctx context.Context, w *signin.Write) (*users.User, bool, error) {
	if s.d.OneWriter {
		s.signIns.Add(1) // before it waits for the writer: an import then gives way
	}
	u, created, err := s.completeSignIn(ctx, w, false)
	if errors.Is(err, signin.ErrEmailOnOtherAccount) && provesEmail(w) {
		// Another user's profile has the address the sign-in proved: run
		// again, settling that claim first. Only here, so that a first
		// sign-in of an address nobody has costs no extra round trip.
		u, created, err = s.completeSignIn(ctx, w, true)
	}
	if errors.Is(err, errLostRace) {
		u, created, err = s.completeSignIn(ctx, w, provesEmail(w))
	}
	if errors.Is(err, errLostRace) {
		err = errs.Internal("complete sign-in", err)
	}
	return u, created, err
}

// provesEmail tells whether the sign-in proved the email a user it
// creates gets (a code sent to it): a user's unproved claim of the
// address gives way to it (settleEmailClaim).
func provesEmail(w *signin.Write) bool {
	return w.Vouched == nil && w.NewUser != nil && w.NewUser.Email != ""
}

// WriterSignIns implements users.AdminStore: the sign-ins begun since the
// store opened that wait for the writer a bulk import's batch holds, on a
// backend of one writer (Dialect.OneWriter). On PostgreSQL none do, and
// an import that paused for them only lost time: at a million users a
// client's sign-in took 1.2-1.4x its idle time during an import of fixed
// 20-row batches, 1.0x with pauses, but the import ran at 670-700 users/s
// instead of 1,900-2,200.
func (s *Store) WriterSignIns() uint64 { return s.signIns.Load() }

// written tells w.Written the sign-in's user where the driver has run its
// writes and commits later (Dialect.CommitsLater).
func (s *Store) written(w *signin.Write, u *users.User, created bool) {
	if w.Written != nil && s.d.CommitsLater {
		w.Written(u, created)
	}
}

// errLostRace: a concurrent first sign-in of the wallet committed first.
var errLostRace = errors.New("a concurrent first sign-in created the credential")

// completeSignIn is one attempt of a sign-in; settle settles another
// user's profile claim of the email a first sign-in proved.
func (s *Store) completeSignIn(ctx context.Context, w *signin.Write, settle bool) (*users.User, bool, error) {
	var u *users.User
	var created, committing bool
	err := s.db.Grouped(ctx, func(tx Tx) error {
		u, created, committing, w.ClaimClearedFrom, w.Linked, w.ProfileWritten = nil, false, false, "", nil, false
		if w.Device != nil {
			w.Device.Reset()
		}
		if w.Code != nil { // a code sign-in's only statement more
			if err := s.consumeVerification(ctx, tx, w.Code, w.Now); err != nil {
				return err
			}
		}
		found, err := s.consumeAndFind(ctx, tx, w)
		if err != nil {
			return err
		}
		userID, credID := found.userID, found.credID
		now := w.Now
		c := w.Credential
		if credID == "" && w.SignInOnly {
			return signin.ErrCredentialNotFound
		}
		plan, err := s.checkVouched(ctx, tx, w, userID, credID)
		if err != nil {
			return err
		}
		joined := plan.joinOwner != ""
		var holder string // an operator's user with the proved email
		if settle && credID == "" && !joined {
			if holder, err = s.settleEmailClaim(ctx, tx, w); err != nil {
				return err
			}
		}
		switch {
		case joined:
			if err := s.joinCredential(ctx, tx, w, plan.joinOwner); err != nil {
				return err
			}
			userID, credID = plan.joinOwner, c.ID
		case holder != "":
			if err := s.joinEmailHolder(ctx, tx, w, holder); err != nil {
				return err
			}
			joined, userID, credID = true, holder, c.ID
		case credID == "":
			if err := s.createSignInUser(ctx, tx, w); err != nil {
				return err
			}
			created, userID, credID = true, w.NewUserID, c.ID
		}
		if created || joined {
			w.Linked = append(w.Linked, credID)
		}
		if !created && !joined {
			if err := tx.Defer(ctx, reverifySQL, now, c.WalletName, c.WalletProvider, credID, c.PhotoURL); err != nil {
				return s.fail("update credential", nil, err)
			}
		}
		if t := w.OAuthTokens; t != nil {
			if err := tx.Defer(ctx, upsertOAuthTokensSQL, oauthTokenArgs(w.EnvironmentID, credID, t, now)...); err != nil {
				return s.fail("save oauth tokens", nil, err)
			}
		}
		if err := s.writeVouched(ctx, tx, w, userID, plan); err != nil {
			return err
		}
		// The remaining writes depend on nothing they return: one round trip.
		if err := tx.Defer(ctx, `UPDATE users SET last_visit_at = $1, last_verified_credential_id = $2, updated_at = $1
			WHERE id = $3`, now, credID, userID); err != nil {
			return s.fail("update user", nil, err)
		}
		w.Session.UserID, w.Session.SigninCredentialID = userID, credID
		if w.Device != nil {
			if err := s.checkDevice(ctx, tx, w, userID, created); err != nil {
				return err
			}
			w.Session.DeviceRegistrationID = w.Device.DeviceID
		}
		if err := s.insertSession(ctx, tx, w.Session); err != nil {
			return err
		}
		if err := s.insertSignInEvents(ctx, tx, w, found.hooks, created, userID, credID); err != nil {
			return err
		}
		// The user is read back in the same batch as the writes.
		loaded := &users.User{}
		if err := s.deferLoadUser(ctx, tx, userID, loaded); err != nil {
			return s.fail("get user", users.ErrUserNotFound, err)
		}
		if w.InTx == nil {
			// Nothing more to decide: the driver sends what is queued with
			// the COMMIT (PostgreSQL: in one round trip), and its failure
			// is classified below.
			u, committing = loaded, true
			s.written(w, u, created)
			return nil
		}
		if err := tx.Flush(ctx); err != nil {
			return s.signInFault(err, created)
		}
		u = loaded
		meta, err := w.InTx(ctx, u, created)
		if err != nil || meta == nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET metadata = $1 WHERE id = $2`, string(meta), userID); err != nil {
			return s.fail("sign-in metadata", nil, err)
		}
		u.Metadata = meta
		s.written(w, u, created)
		return nil
	})
	if err != nil && committing {
		err = s.signInFault(err, created)
	}
	if w.Vouched != nil && w.Vouched.Rule == signin.EmailJoinsOwner && errors.Is(err, signin.ErrEmailOnOtherAccount) {
		// A concurrent sign-in took the email meanwhile: decided again,
		// the sign-in joins its owner or goes without the email.
		err = errLostRace
	}
	if err != nil && !errors.Is(err, errLostRace) {
		err = s.fail("complete sign-in", nil, err)
	}
	if err != nil {
		return nil, false, err
	}
	return u, created, nil
}

// insertSignInEvents queues the sign-in's events, fanned out to webhooks
// only where the environment has any: without, the fan-out INSERT finds
// no subscription, yet on PostgreSQL it was planned anew at most sign-ins
// (pg_stat_statements: 1,309 plans in 1,774 calls, 0.36-0.6 ms each), and
// the River jobs it may return keep COMMIT out of the last batch.
func (s *Store) insertSignInEvents(ctx context.Context, tx Tx, w *signin.Write, hooks, created bool, userID, credID string) error {
	names := make([]string, 0, len(w.Events))
	for _, ev := range w.Events {
		if !ev.OnlyIfNew || created {
			names = append(names, ev.Name)
		}
	}
	data := map[string]string{"userId": userID, "sessionId": w.Session.ID, "verifiedCredentialId": credID}
	if hooks {
		return s.insertEvents(ctx, tx, w.EnvironmentID, names, userID, data, w.Now)
	}
	_, err := s.insertEventRows(ctx, tx, w.EnvironmentID, names, userID, data, w.Now)
	return err
}

// signInFault classifies the failure of a sign-in's batch of writes.
func (s *Store) signInFault(err error, created bool) error {
	if created {
		return s.firstSignInFault(err)
	}
	return s.vouchedFault(err)
}

// createSignInUser queues the user and credential of a first sign-in.
func (s *Store) createSignInUser(ctx context.Context, tx Tx, w *signin.Write) error {
	var p signin.NewUserProfile
	if w.NewUser != nil {
		p = *w.NewUser
	}
	if err := tx.Defer(ctx, `INSERT INTO users (id, environment_id, created_at, last_visit_at, updated_at, email, phone_number)
		VALUES ($1, $2, $3, $3, $3, $4, $5)`, w.NewUserID, w.EnvironmentID, w.Now, p.Email, p.PhoneNumber); err != nil {
		return s.firstSignInFault(err)
	}
	if err := tx.Defer(ctx, insertCredentialSQL, s.credentialArgs(w.NewUserID, &w.Credential)...); err != nil {
		return s.firstSignInFault(err)
	}
	return nil
}

// settleEmailClaim settles the profile email another user has that a
// first sign-in proved (signin.NewUserProfile): the user's own unproved
// claim is cleared from their profile (clearEmailClaim) and the sign-in
// creates its user; an email an operator gave the user is theirs: holder
// is that user, whom the sign-in joins. The holder's row is locked until
// the commit (PostgreSQL; SQLite has the one writer).
func (s *Store) settleEmailClaim(ctx context.Context, tx Tx, w *signin.Write) (holder string, err error) {
	var id string
	var asserted bool
	err = tx.QueryRow(ctx, `SELECT id, email_asserted FROM users WHERE environment_id = $1 AND lower(email) = lower($2)
		AND email <> ''`+s.d.ForUpdate, w.EnvironmentID, w.NewUser.Email).Scan(&id, &asserted)
	switch {
	case s.noRows(err):
		return "", nil // given up meanwhile
	case err != nil:
		return "", s.fail("find email claim", nil, err)
	case asserted:
		return id, nil
	}
	w.ClaimClearedFrom, err = s.clearEmailClaim(ctx, tx, w.EnvironmentID, w.NewUserID, w.NewUser.Email, w.Now)
	return "", err
}

// joinEmailHolder queues the sign-in's email credential as the
// operator's user's, with signin.HolderJoinedEvent.
func (s *Store) joinEmailHolder(ctx context.Context, tx Tx, w *signin.Write, holder string) error {
	if err := tx.Defer(ctx, insertCredentialSQL, s.credentialArgs(holder, &w.Credential)...); err != nil {
		return s.vouchedFault(err)
	}
	return s.insertEvent(ctx, tx, w.EnvironmentID, signin.HolderJoinedEvent, holder,
		map[string]string{"userId": holder, "verifiedCredentialId": w.Credential.ID}, w.Now)
}

// firstSignInFault names what a first sign-in's writes failing means: a
// unique violation is the credential another sign-in created meanwhile, a
// missing reference the environment deleted meanwhile.
func (s *Store) firstSignInFault(err error) error {
	if s.unique(err, "users_env_email") {
		return signin.ErrEmailOnOtherAccount
	}
	switch s.db.Classify(err).Kind {
	case FaultUnique:
		return errLostRace
	case FaultForeignKey:
		return tenant.ErrEnvironmentNotFound
	}
	return s.fail("create user", nil, err)
}

// InsertVisit implements signin.Store.
func (s *Store) InsertVisit(ctx context.Context, v signin.Visit) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := tx.Defer(ctx, `INSERT INTO visits (id, environment_id, wallet_address, chain, provider, wallet_name,
			auth_mode, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, v.ID, v.EnvironmentID, v.Address, v.Chain,
			v.Provider, v.WalletName, v.AuthMode, v.CreatedAt); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, v.EnvironmentID, events.VisitCreated, "", map[string]string{"visitId": v.ID,
			"walletPublicKey": v.Address, "chain": v.Chain, "provider": v.Provider, "walletName": v.WalletName,
			"authMode": v.AuthMode}, v.CreatedAt)
	})
	return s.fail("record visit", tenant.ErrEnvironmentNotFound, err)
}
