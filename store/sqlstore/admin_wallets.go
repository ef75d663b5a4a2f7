package sqlstore

// users.AdminStore: wallets (credentials) the admin API lists, adds and
// deletes.

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/users"
)

// GetCredential implements users.AdminStore.
func (s *Store) GetCredential(ctx context.Context, id string) (*users.Credential, error) {
	return get(ctx, s, "get credential", users.ErrAdminWalletNotFound, scanCredential,
		`SELECT `+credentialColumns+` FROM verified_credentials WHERE id = $1`, id)
}

// ListWallets implements users.AdminStore.
func (s *Store) ListWallets(ctx context.Context, envID string, p users.Page) ([]users.Credential, int, error) {
	return countedPage(ctx, s, "wallets", scanCredential, sqlListCount, []any{envID, listWallets},
		sqlWalletsPage, envID, p.Limit, p.Offset)
}

// countedPage reads a count (countSQL) and a page of rows (pageSQL) that
// see one state; the page is never nil.
func countedPage[T any](ctx context.Context, s *Store, what string, scan func(Row) (T, error),
	countSQL string, countArgs []any, pageSQL string, args ...any) ([]T, int, error) {
	out, total := []T{}, 0
	err := s.snapshot(ctx, func(tx Querier) error {
		if err := tx.QueryRow(ctx, countSQL, countArgs...).Scan(&total); err != nil {
			return s.fail("count "+what, nil, err)
		}
		page, err := list(ctx, s, tx, "list "+what, scan, pageSQL, args...)
		out = append(out[:0], page...)
		return err
	})
	return out, total, err
}

// AddCredential implements users.AdminStore.
func (s *Store) AddCredential(ctx context.Context, c *users.Credential, now time.Time) error {
	return s.write(ctx, func(tx Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1 AND environment_id = $2`,
			c.UserID, c.EnvironmentID).Scan(&n); err != nil {
			return s.fail("add wallet", nil, err)
		}
		if n == 0 {
			return users.ErrAdminUserNotFound
		}
		owner, err := s.credentialOwner(ctx, tx, c)
		if err != nil {
			return err
		}
		if owner != "" {
			return users.ErrAdminWalletTaken
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1 WHERE id = $2`, now, c.UserID); err != nil {
			return s.fail("add wallet", nil, err)
		}
		return s.linkCredentials(ctx, tx, c.UserID, []users.Credential{*c}, now)
	})
}

// DeleteCredential implements users.AdminStore.
func (s *Store) DeleteCredential(ctx context.Context, id string, check func(*users.User) error, now time.Time) error {
	return s.write(ctx, func(tx Tx) error {
		var userID string
		if err := tx.QueryRow(ctx, `SELECT user_id FROM verified_credentials WHERE id = $1`, id).Scan(&userID); err != nil {
			return s.fail("delete wallet", users.ErrAdminWalletNotFound, err)
		}
		u, err := s.loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := check(u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM verified_credentials WHERE id = $1`, id); err != nil {
			return s.fail("delete wallet", nil, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1, last_verified_credential_id =
			CASE WHEN last_verified_credential_id = $2 THEN '' ELSE last_verified_credential_id END WHERE id = $3`,
			(now), id, userID); err != nil {
			return s.fail("delete wallet", nil, err)
		}
		return s.insertEvent(ctx, tx, u.EnvironmentID, users.AdminEventWalletUnlinked, userID,
			map[string]string{"userId": userID, "walletId": id}, now)
	})
}
