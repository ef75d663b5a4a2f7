package sqlstore

// users.AdminStore: wallet connections recorded before any sign-in.

import (
	"context"

	"github.com/dynamicauth/dynamicauth/users"
)

const visitorColumns = `id, environment_id, wallet_address, chain, provider, wallet_name, created_at`

func scanVisitor(r Row) (v users.Visitor, err error) {
	err = r.Scan(&v.ID, &v.EnvironmentID, &v.Address, &v.Chain, &v.Provider, &v.WalletName, &v.CreatedAt)
	return v, err
}

func (s *Store) visitorFilter(envID string, f users.Filter) *where {
	w := &where{}
	if f.Column == users.FilterWalletPublicKey {
		// Found through visits_env_address and read by key: with the
		// environment a condition of its own, SQLite walks visits_env_created in
		// the list's order testing each visit.
		evm := f.EVMAddress
		if evm == "" {
			evm = f.Value
		}
		w.add(`visits.id IN (SELECT v.id FROM visits v WHERE v.environment_id = $1 AND v.wallet_address IN ($2, $3))`,
			envID, f.Value, evm)
		return w
	}
	switch f.Column {
	case users.FilterAll:
		// the visit's id, or its wallet's address or name whole, each
		// found through its index
		evm := f.EVMAddress
		if evm == "" {
			evm = f.Value
		}
		w.add(`visits.id IN (SELECT id FROM visits WHERE id = $1 AND environment_id = $2
			UNION SELECT v.id FROM visits v WHERE v.environment_id = $2 AND v.wallet_address IN ($3, $4)
			UNION SELECT v.id FROM visits v WHERE v.environment_id = $2 AND lower(v.wallet_name) = lower($1))`,
			f.Value, envID, f.Value, evm)
	case users.FilterID:
		w.add(`visits.environment_id = $1 AND visits.id = $2`, envID, f.Value)
	default:
		w.add(`visits.environment_id = $1`, envID)
	}
	switch len(f.Chains) {
	case 0:
	case 1: // visits_env_chain answers it in the list's order
		w.add(`visits.chain = $1`, f.Chains[0])
	default:
		w.add(s.in("visits.chain", 1), s.d.IDList(f.Chains))
	}
	return w
}

// listVisitorsSQL is the visitors list's count and page queries, each
// with its arguments: the count from list_counts when nothing is
// filtered, else bounded (boundedCount).
func (s *Store) listVisitorsSQL(envID string, q users.ListQuery) (count string, countArgs []any, page string, args []any, err error) {
	w := s.visitorFilter(envID, q.Filter)
	order, err := s.orderBy("visits", visitorOrderColumns, q.Order)
	if err != nil {
		return "", nil, "", nil, err
	}
	limit, args := w.page(q.Page)
	page = `SELECT ` + visitorColumns + ` FROM visits WHERE ` + w.sql() + order + limit
	if unfilteredVisits(q.Filter) {
		return sqlListCount, []any{envID, listVisits}, page, args, nil
	}
	return s.boundedCount("visits", w), w.args, page, args, nil
}

// unfilteredVisits tells a filter keeping every visit of the environment
// (visitorFilter ignores the columns it does not know).
func unfilteredVisits(f users.Filter) bool {
	return len(f.Chains) == 0 && f.Column != users.FilterAll && f.Column != users.FilterID &&
		f.Column != users.FilterWalletPublicKey
}

// ListVisitors implements users.AdminStore.
func (s *Store) ListVisitors(ctx context.Context, envID string, q users.ListQuery) ([]users.Visitor, int, error) {
	countSQL, countArgs, pageSQL, args, err := s.listVisitorsSQL(envID, q)
	if err != nil {
		return nil, 0, err
	}
	return countedPage(ctx, s, "visitors", scanVisitor, countSQL, countArgs, pageSQL, args...)
}
