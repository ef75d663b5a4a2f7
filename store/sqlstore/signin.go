package sqlstore

import (
	"context"
	"errors"
	"github.com/dynamicauth/dynamicauth/events"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
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
// concurrent sign-ins on SQLite. Two first sign-ins of one wallet, on any
// replicas, meet on the credentials' unique constraint: the loser's
// INSERT … ON CONFLICT DO NOTHING waits for the winner's commit, inserts
// nothing, and the loser signs in to the winner's user instead.
func (s *Store) CompleteSignIn(ctx context.Context, w *signin.Write) (*users.User, bool, error) {
	var u *users.User
	var created bool
	err := s.db.Grouped(ctx, func(tx Tx) error {
		u, created = nil, false
		userID, credID, err := s.consumeAndFind(ctx, tx, w)
		if err != nil {
			return err
		}
		now := w.Now
		c := w.Credential
		if credID == "" && w.SignInOnly {
			return signin.ErrCredentialNotFound
		}
		if credID == "" {
			if created, userID, credID, err = s.createSignInUser(ctx, tx, w); err != nil {
				return err
			}
		}
		if !created {
			if err := tx.Defer(ctx, `UPDATE verified_credentials SET verified_at = $1, wallet_name = $2, wallet_provider = $3
				WHERE id = $4`, now, c.WalletName, c.WalletProvider, credID); err != nil {
				return s.fail("update credential", nil, err)
			}
		}
		// The remaining writes depend on nothing they return: one round trip.
		if err := tx.Defer(ctx, `UPDATE users SET last_visit_at = $1, last_verified_credential_id = $2, updated_at = $1
			WHERE id = $3`, now, credID, userID); err != nil {
			return s.fail("update user", nil, err)
		}
		w.Session.UserID, w.Session.SigninCredentialID = userID, credID
		if err := s.insertSession(ctx, tx, w.Session); err != nil {
			return err
		}
		for _, ev := range w.Events {
			if ev.OnlyIfNew && !created {
				continue
			}
			if err := s.insertEvent(ctx, tx, w.EnvironmentID, ev.Name, userID, map[string]string{
				"userId": userID, "sessionId": w.Session.ID, "verifiedCredentialId": credID}, w.Now); err != nil {
				return err
			}
		}
		// The user is read back in the same batch as the writes.
		loaded := &users.User{}
		if err := s.deferLoadUser(ctx, tx, userID, loaded); err != nil {
			return s.fail("get user", users.ErrUserNotFound, err)
		}
		if err := tx.Flush(ctx); err != nil {
			return s.fail("complete sign-in", users.ErrUserNotFound, err)
		}
		if u = loaded; w.InTx == nil {
			return nil
		}
		meta, err := w.InTx(ctx, u, created)
		if err != nil || meta == nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET metadata = $1 WHERE id = $2`, string(meta), userID); err != nil {
			return s.fail("sign-in metadata", nil, err)
		}
		u.Metadata = meta
		return nil
	})
	if err != nil {
		return nil, false, s.fail("complete sign-in", nil, err)
	}
	return u, created, nil
}

// createSignInUser creates the user and credential of a first sign-in. If
// a concurrent sign-in committed the credential first (the INSERT … ON
// CONFLICT waited for it and inserted nothing), the user just made is
// deleted again and that sign-in's user is returned. No savepoint: the
// loss is rare, and the hot path saves its two statements.
func (s *Store) createSignInUser(ctx context.Context, tx Tx, w *signin.Write) (created bool, userID, credID string, err error) {
	c := w.Credential
	if _, err := tx.Exec(ctx, `INSERT INTO users (id, environment_id, created_at, last_visit_at, updated_at)
		VALUES ($1, $2, $3, $3, $3)`, w.NewUserID, w.EnvironmentID, w.Now); err != nil {
		return false, "", "", s.fail("create user", tenant.ErrEnvironmentNotFound, err)
	}
	n, err := tx.Exec(ctx, insertCredentialSQL+` ON CONFLICT (environment_id, format, chain, address) DO NOTHING`,
		s.credentialArgs(w.NewUserID, &c)...)
	switch {
	case err != nil:
		return false, "", "", s.fail("create credential", users.ErrUserNotFound, err)
	case n == 1:
		return true, w.NewUserID, c.ID, nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, w.NewUserID); err != nil {
		return false, "", "", s.fail("drop raced user", nil, err)
	}
	userID, credID, err = s.credentialOf(ctx, tx, w.EnvironmentID, &c)
	if err == nil && credID == "" {
		err = errs.Internal("sign in", errors.New("credential conflict without a credential"))
	}
	return false, userID, credID, err
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
