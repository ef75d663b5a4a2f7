package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/users"
)

// users.UserFinder: exact lookups, each on an index (the credentials'
// unique key, users_env_email, users_env_phone).

var _ users.UserFinder = (*Store)(nil)

// UserByCredential implements users.UserFinder.
func (s *Store) UserByCredential(ctx context.Context, envID, format, chain, address string) (*users.User, error) {
	q := s.db.Reader()
	userID, _, err := s.credentialOf(ctx, q, envID, &users.Credential{Format: format, Chain: chain, Address: address})
	if err != nil {
		return nil, err
	}
	if userID == "" {
		return nil, users.ErrUserNotFound
	}
	return s.loadUser(ctx, q, userID)
}

// EmailHolder implements signin.Owners: the user whose profile has the
// email as an operator gave it, the one settleEmailClaim joins a code
// sign-in of the address to.
func (s *Store) EmailHolder(ctx context.Context, envID, email string) (*users.User, error) {
	return s.userWhere(ctx, "find email holder", `SELECT id FROM users WHERE environment_id = $1 AND email <> ''
		AND lower(email) = lower($2) AND email_asserted`, envID, email)
}

// UserByEmail implements users.UserFinder.
func (s *Store) UserByEmail(ctx context.Context, envID, email string) (*users.User, error) {
	return s.userWhere(ctx, "find user by email", sqlUserIDByEmail, envID, email)
}

// UserByPhone implements users.UserFinder.
func (s *Store) UserByPhone(ctx context.Context, envID, phone string) (*users.User, error) {
	return s.userWhere(ctx, "find user by phone", sqlUserIDByPhone, envID, phone)
}

// userWhere loads the user whose id query selects.
func (s *Store) userWhere(ctx context.Context, op, query string, args ...any) (*users.User, error) {
	q := s.db.Reader()
	var id string
	if err := q.QueryRow(ctx, query, args...).Scan(&id); err != nil {
		return nil, s.fail(op, users.ErrUserNotFound, err)
	}
	return s.loadUser(ctx, q, id)
}
