package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/users"
)

// analytics.Store: grouped counts over sessions, users, wallet credentials
// and visits, each a range scan of an index on (environment_id,
// created_at, …) with the bucket computed in UTC by the dialect.

var _ analytics.Store = (*Store)(nil)

// inRange is the condition on col for environment $1 and range [$2, $3).
func inRange(col string) string {
	p := ""
	if i := strings.IndexByte(col, '.'); i >= 0 {
		p = col[:i+1]
	}
	return p + `environment_id = $1 AND ` + col + ` >= $2 AND ` + col + ` < $3`
}

func scanCount(r Row) (analytics.Count, error) {
	var c analytics.Count
	return c, r.Scan(&c.Key, &c.N)
}

func scanDimCount(r Row) (analytics.Count, error) {
	var c analytics.Count
	return c, r.Scan(&c.Key, &c.Dim, &c.N)
}

// Totals implements analytics.Store.
func (s *Store) Totals(ctx context.Context, envID string, r analytics.Range) (*analytics.Totals, error) {
	var t analytics.Totals
	err := s.db.Reader().QueryRow(ctx, `SELECT
		(SELECT count(*) FROM sessions WHERE environment_id = $1),
		(SELECT count(*) FROM sessions WHERE `+inRange("created_at")+`),
		(SELECT count(*) FROM users WHERE environment_id = $1),
		(SELECT count(*) FROM users WHERE `+inRange("created_at")+`),
		(SELECT count(*) FROM verified_credentials WHERE environment_id = $1 AND format = $4),
		(SELECT count(*) FROM verified_credentials WHERE `+inRange("created_at")+` AND format = $4)`,
		envID, r.Start, r.End, users.FormatBlockchain).Scan(&t.Sessions, &t.SessionsInRange, &t.Users, &t.UsersInRange,
		&t.Wallets, &t.WalletsInRange)
	if err != nil {
		return nil, s.fail("analytics totals", nil, err)
	}
	return &t, nil
}

// ActiveUsers implements analytics.Store.
func (s *Store) ActiveUsers(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics active users", scanCount,
		`SELECT `+s.d.Bucket(string(u), "created_at")+`, count(DISTINCT user_id) FROM sessions WHERE `+inRange("created_at")+`
		GROUP BY 1 ORDER BY 1`, envID, r.Start, r.End)
}

// SessionsByFormat implements analytics.Store.
func (s *Store) SessionsByFormat(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics sessions by method", scanDimCount,
		`SELECT `+s.d.Bucket(string(u), "s.created_at")+`, COALESCE(c.format, ''), count(*)
		FROM sessions s LEFT JOIN verified_credentials c ON c.id = s.signin_credential_id
		WHERE `+inRange("s.created_at")+` GROUP BY 1, 2`, envID, r.Start, r.End)
}

// SessionsByAgent implements analytics.Store.
func (s *Store) SessionsByAgent(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics sessions by agent", scanDimCount,
		`SELECT `+s.d.Bucket(string(u), "created_at")+`, user_agent, count(*) FROM sessions WHERE `+inRange("created_at")+`
		GROUP BY 1, 2`, envID, r.Start, r.End)
}

// ActiveDaysPerWeek implements analytics.Store.
func (s *Store) ActiveDaysPerWeek(ctx context.Context, envID string, r analytics.Range) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics active days", func(row Row) (analytics.Count, error) {
		var c analytics.Count
		var n int
		err := row.Scan(&n, &c.N)
		c.Key = fmt.Sprint(n)
		return c, err
	}, `SELECT n, count(*) FROM (SELECT user_id, `+s.d.Bucket("week", "created_at")+` AS wk,
			count(DISTINCT `+s.d.Bucket("day", "created_at")+`) AS n
		FROM sessions WHERE `+inRange("created_at")+` GROUP BY user_id, wk) uw GROUP BY n`, envID, r.Start, r.End)
}

// Retention implements analytics.Store.
func (s *Store) Retention(ctx context.Context, envID string, r analytics.Range, newUsers bool) ([]analytics.Pair, []analytics.Count, error) {
	uw := `uw AS (SELECT DISTINCT user_id, ` + s.d.Bucket("week", "created_at") + ` AS wk FROM sessions WHERE ` + inRange("created_at") + `)`
	cohort := `cohort AS (SELECT user_id, wk FROM uw)`
	if newUsers {
		cohort = `cohort AS (SELECT id AS user_id, ` + s.d.Bucket("week", "created_at") + ` AS wk FROM users WHERE ` + inRange("created_at") + `)`
	}
	var cells []analytics.Pair
	var sizes []analytics.Count
	err := s.db.Snapshot(ctx, func(q Querier) error {
		var err error
		cells, err = list(ctx, s, q, "analytics retention", func(row Row) (analytics.Pair, error) {
			var p analytics.Pair
			return p, row.Scan(&p.Cohort, &p.Returning, &p.N)
		}, `WITH `+uw+`, `+cohort+` SELECT c.wk, u.wk, count(*) FROM cohort c JOIN uw u ON u.user_id = c.user_id AND u.wk >= c.wk
			GROUP BY c.wk, u.wk`, envID, r.Start, r.End)
		if err != nil {
			return err
		}
		sizes, err = list(ctx, s, q, "analytics cohorts", scanCount,
			`WITH `+uw+`, `+cohort+` SELECT wk, count(*) FROM cohort GROUP BY wk`, envID, r.Start, r.End)
		return err
	})
	if err != nil {
		return nil, nil, s.fail("analytics retention", nil, err)
	}
	return cells, sizes, nil
}

// Heatmap implements analytics.Store.
func (s *Store) Heatmap(ctx context.Context, envID string, r analytics.Range) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics heatmap", scanDimCount,
		`SELECT `+s.d.Bucket("hour", "created_at")+`, `+s.d.Bucket("weekday", "created_at")+`, count(*)
		FROM sessions WHERE `+inRange("created_at")+` GROUP BY 1, 2`, envID, r.Start, r.End)
}

// WalletNames implements analytics.Store.
func (s *Store) WalletNames(ctx context.Context, envID, chain string, r *analytics.Range) ([]analytics.Count, error) {
	w := &where{}
	w.add(`environment_id = $1 AND format = $2`, envID, users.FormatBlockchain)
	if chain != "" {
		w.add(`chain = $1`, chain)
	}
	if r != nil {
		w.add(`created_at >= $1 AND created_at < $2`, r.Start, r.End)
	}
	return list(ctx, s, s.db.Reader(), "analytics wallet names", scanCount,
		`SELECT wallet_name, count(*) FROM verified_credentials WHERE `+w.sql()+` GROUP BY wallet_name
		ORDER BY count(*) DESC, wallet_name`, w.args...)
}

// dayCounts is per day: rows, distinct values of col; then distinct
// values of col over the whole range.
func (s *Store) dayCounts(ctx context.Context, op, table, col, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	var days []analytics.DayVisits
	var unique int
	err := s.db.Snapshot(ctx, func(q Querier) error {
		var err error
		days, err = list(ctx, s, q, op, func(row Row) (analytics.DayVisits, error) {
			var d analytics.DayVisits
			return d, row.Scan(&d.Date, &d.Count, &d.Unique)
		}, `SELECT `+s.d.Bucket("day", "created_at")+`, count(*), count(DISTINCT `+col+`) FROM `+table+`
			WHERE `+inRange("created_at")+` GROUP BY 1 ORDER BY 1`, envID, r.Start, r.End)
		if err != nil {
			return err
		}
		return q.QueryRow(ctx, `SELECT count(DISTINCT `+col+`) FROM `+table+` WHERE `+inRange("created_at"),
			envID, r.Start, r.End).Scan(&unique)
	})
	return days, unique, s.fail(op, nil, err)
}

// Visits implements analytics.Store.
func (s *Store) Visits(ctx context.Context, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	return s.dayCounts(ctx, "analytics visits", "visits", "wallet_address", envID, r)
}

// SessionDays implements analytics.Store.
func (s *Store) SessionDays(ctx context.Context, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	return s.dayCounts(ctx, "analytics session days", "sessions", "user_id", envID, r)
}
