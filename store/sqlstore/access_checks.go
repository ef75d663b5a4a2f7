package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/access"
)

var _ access.CheckStore = (*Store)(nil)

// RecordCheck implements access.CheckStore: the check and its event (if
// any) in one transaction.
func (s *Store) RecordCheck(ctx context.Context, c *access.Check) error {
	const upsert = `INSERT INTO chainalysis_checks (id, environment_id, wallet_key, wallet_public_key, result, response, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (environment_id, wallet_key, result) DO UPDATE SET wallet_public_key = excluded.wallet_public_key,
		response = excluded.response, created_at = excluded.created_at`
	args := []any{c.ID, c.EnvironmentID, c.WalletKey, c.WalletPublicKey, c.Result, c.Response, c.CreatedAt}
	if c.Event == "" {
		_, err := s.db.Exec(ctx, upsert, args...)
		return s.fail("record chainalysis check", nil, err)
	}
	err := s.db.Write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, upsert, args...); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, c.EnvironmentID, c.Event, "", map[string]any{"walletPublicKey": c.WalletPublicKey,
			"result": c.Result, "response": c.Response}, c.CreatedAt)
	})
	return s.fail("record chainalysis check", nil, err)
}

// ChecksOf implements access.CheckStore.
func (s *Store) ChecksOf(ctx context.Context, envID string, walletKeys []string) ([]access.Check, error) {
	return list(ctx, s, s.db.Reader(), "list chainalysis checks", func(row Row) (access.Check, error) {
		var c access.Check
		err := row.Scan(&c.ID, &c.EnvironmentID, &c.WalletKey, &c.WalletPublicKey, &c.Result, &c.Response, &c.CreatedAt)
		return c, err
	}, s.checksOfSQL(), envID, s.d.IDList(walletKeys))
}

// checksOfSQL reads an environment's checks of a set of wallet keys (a
// page of admin users at once) through chainalysis_checks_wallet.
func (s *Store) checksOfSQL() string {
	return `SELECT id, environment_id, wallet_key, wallet_public_key, result, response, created_at FROM chainalysis_checks
		WHERE environment_id = $1 AND ` + s.in("wallet_key", 2) + ` ORDER BY created_at DESC, id`
}
