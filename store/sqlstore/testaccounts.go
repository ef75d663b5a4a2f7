package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/testaccounts"
)

// testaccounts.Store: an environment's test account.

var _ testaccounts.Store = (*Store)(nil)

const testAccountColumns = `environment_id, email, phone, code_sealed, uses, created_at`

func testAccountFields(a *testaccounts.Account) []any {
	return []any{&a.EnvironmentID, &a.Email, &a.Phone, &a.CodeSealed, &a.Uses, &a.CreatedAt}
}

// GetTestAccount implements testaccounts.Store.
func (s *Store) GetTestAccount(ctx context.Context, envID string) (*testaccounts.Account, error) {
	return get(ctx, s, "get test account", testaccounts.ErrNotFound, scanner(testAccountFields),
		`SELECT `+testAccountColumns+` FROM test_accounts WHERE environment_id = $1`, envID)
}

// PutTestAccount implements testaccounts.Store.
func (s *Store) PutTestAccount(ctx context.Context, a *testaccounts.Account) error {
	_, err := s.db.Exec(ctx, insertSQL("test_accounts", testAccountColumns)+` ON CONFLICT (environment_id) DO UPDATE SET
		email = excluded.email, phone = excluded.phone, code_sealed = excluded.code_sealed, uses = 0,
		created_at = excluded.created_at`, values(testAccountFields(a))...)
	return s.fail("put test account", tenant.ErrEnvironmentNotFound, err)
}

// DeleteTestAccount implements testaccounts.Store.
func (s *Store) DeleteTestAccount(ctx context.Context, envID string) error {
	return s.change(ctx, s.db, "delete test account", testaccounts.ErrNotFound,
		`DELETE FROM test_accounts WHERE environment_id = $1`, envID)
}

// UseTestAccount implements testaccounts.Store: one conditional write, so
// concurrent uses never pass max.
func (s *Store) UseTestAccount(ctx context.Context, envID string, max int) (bool, error) {
	n, err := s.db.Exec(ctx, `UPDATE test_accounts SET uses = uses + 1 WHERE environment_id = $1 AND uses < $2`, envID, max)
	return n == 1, s.fail("use test account", nil, err)
}

// ResetTestAccountUses implements testaccounts.Store.
func (s *Store) ResetTestAccountUses(ctx context.Context, envID string) error {
	_, err := s.db.Exec(ctx, `UPDATE test_accounts SET uses = 0 WHERE environment_id = $1 AND uses <> 0`, envID)
	return s.fail("reset test account uses", nil, err)
}
