package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// capped is a set of rows that may hold at most max: the rows count
// counts ($1 is ownerID, then args), all belonging to the row ownerID of
// table owner (an environment, an organization).
type capped struct {
	owner   string // "environments" or "organizations"
	ownerID string
	missing error  // when the owner's row does not exist
	count   string // SELECT count(*) ... WHERE ... = $1
	args    []any  // count's $2, ...
	max     int    // 0: no cap
	full    error  // the refusal at max
}

// underCap refuses with c.full when c's set already holds c.max rows. It
// first locks the owner's row for the rest of tx, so that counting the set
// and adding to it are a single step: of concurrent creates at the limit
// exactly one wins (PostgreSQL: the row lock; SQLite has one writer). It
// fails with c.missing when there is no owner row.
func (s *Store) underCap(ctx context.Context, tx Tx, c capped) error {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM `+c.owner+` WHERE id = $1`+s.d.ForNoKeyUpdate, c.ownerID).Scan(&id)
	if err != nil {
		return s.fail("lock "+c.owner, c.missing, err)
	}
	if c.max <= 0 {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, c.count, append([]any{c.ownerID}, c.args...)...).Scan(&n); err != nil {
		return err
	}
	if n >= c.max {
		return c.full
	}
	return nil
}

// underLimit is underCap for the rows of table in environment envID.
func (s *Store) underLimit(ctx context.Context, tx Tx, envID, table string, max int, full error) error {
	return s.underCap(ctx, tx, capped{owner: "environments", ownerID: envID, missing: tenant.ErrEnvironmentNotFound,
		count: `SELECT count(*) FROM ` + table + ` WHERE environment_id = $1`, max: max, full: full})
}
