package sqlstore

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/users"
)

// analytics.Store reads the rollups the triggers of migration 0032 keep
// (analytics_days: counts per environment, metric, UTC day and dimension;
// analytics_user_days and analytics_visitor_days: who was active each day)
// for the range's whole days, and the tables themselves only for its
// partial first and last days. Every query has the parameters $1 the
// environment, [$2, $3) the range, [$4, $5) its whole days (empty when it
// has none: then [$2, $3) is read from the tables), so a year's overview
// reads some hundreds of rollup rows, not a year of sessions.

var _ analytics.Store = (*Store)(nil)

// days returns the query arguments of r: the environment, r, and the whole
// UTC days inside r.
func days(envID string, r analytics.Range) []any {
	s, e := r.Start.UTC(), r.End.UTC()
	fs := s.Truncate(24 * time.Hour)
	if fs.Before(s) {
		fs = fs.Add(24 * time.Hour)
	}
	fe := e.Truncate(24 * time.Hour)
	if !fs.Before(fe) {
		fs, fe = s, s
	}
	return []any{envID, s, e, fs, fe}
}

// raw is sel from table for the range's partial days, as two branches of
// a UNION ALL, each a range scan of an index on (environment_id, col).
func raw(sel, table, env, col, cond string) string {
	if cond != "" {
		cond = " AND " + cond
	}
	part := func(from, to string) string {
		return `SELECT ` + sel + ` FROM ` + table + ` WHERE ` + env + ` = $1 AND ` + col + ` >= ` + from + ` AND ` + col + ` < ` + to + cond
	}
	return part("$2", "$4") + ` UNION ALL ` + part("$5", "$3")
}

// rolled is the rows (t, dim, n) of a metric's whole days in the range.
func rolled(metric string) string {
	return `SELECT day AS t, dim, n FROM analytics_days WHERE environment_id = $1 AND metric = '` + metric + `' AND day >= $4 AND day < $5`
}

// sessionRows is (t, dim, n) for every sign-in of the range: dim the
// sign-in's credential format, its user agent or its hour.
func (s *Store) sessionRows(metric string) string {
	switch metric {
	case "sessions":
		return rolled(metric) + ` UNION ALL ` + raw(`s.created_at, COALESCE(c.format, ''), 1`,
			`sessions s LEFT JOIN verified_credentials c ON c.id = s.signin_credential_id`, "s.environment_id", "s.created_at", "")
	case "agents":
		return rolled(metric) + ` UNION ALL ` + raw(`created_at, user_agent, 1`, "sessions", "environment_id", "created_at", "")
	}
	return rolled(metric) + ` UNION ALL ` + raw(`created_at, `+s.d.Bucket("hour", "created_at")+`, 1`, "sessions", "environment_id", "created_at", "")
}

// activity is (t, who) for every user (or wallet, for visits) active in
// the range: a row per whole day from the rollup, a row per sign-in (or
// visit) on the partial days.
func activity(visits bool) string {
	if visits {
		return `SELECT day AS t, wallet_address AS who FROM analytics_visitor_days WHERE environment_id = $1 AND day >= $4 AND day < $5
			UNION ALL ` + raw("created_at, wallet_address", "visits", "environment_id", "created_at", "")
	}
	return `SELECT day AS t, user_id AS who FROM analytics_user_days WHERE environment_id = $1 AND day >= $4 AND day < $5
		UNION ALL ` + raw("created_at, user_id", "sessions", "environment_id", "created_at", "")
}

const sumN = `CAST(COALESCE(sum(n), 0) AS bigint)`

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
	all := func(metric string) string {
		return `(SELECT ` + sumN + ` FROM analytics_days WHERE environment_id = $1 AND metric = '` + metric + `')`
	}
	in := func(metric, table, cond string) string {
		return `(SELECT ` + sumN + ` FROM (SELECT n FROM analytics_days WHERE environment_id = $1 AND metric = '` + metric +
			`' AND day >= $4 AND day < $5 UNION ALL ` + raw("1", table, "environment_id", "created_at", cond) + `) x)`
	}
	var t analytics.Totals
	err := s.db.Reader().QueryRow(ctx, `SELECT `+all("sessions")+`, `+in("sessions", "sessions", "")+`,
		`+all("users")+`, `+in("users", "users", "")+`,
		`+all("wallets")+`, `+in("wallets", "verified_credentials", "format = '"+users.FormatBlockchain+"'"),
		days(envID, r)...).Scan(&t.Sessions, &t.SessionsInRange, &t.Users, &t.UsersInRange, &t.Wallets, &t.WalletsInRange)
	if err != nil {
		return nil, s.fail("analytics totals", nil, err)
	}
	return &t, nil
}

// ActiveUsers implements analytics.Store: per day from the rollup's
// count of distinct users; per week or month, distinct users over the
// days' rows.
func (s *Store) ActiveUsers(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	q := `SELECT ` + s.d.Bucket(string(u), "t") + `, count(DISTINCT who) FROM (` + activity(false) + `) a GROUP BY 1 ORDER BY 1`
	if u == analytics.Day {
		q = `SELECT k, ` + sumN + ` FROM (SELECT ` + s.d.Bucket("day", "t") + ` AS k, n FROM (` + rolled("active") + `) d
			UNION ALL SELECT ` + s.d.Bucket("day", "t") + `, count(DISTINCT who) FROM (` +
			raw("created_at AS t, user_id AS who", "sessions", "environment_id", "created_at", "") + `) p GROUP BY 1) x
			GROUP BY k HAVING sum(n) <> 0 ORDER BY k`
	}
	return list(ctx, s, s.db.Reader(), "analytics active users", scanCount, q, days(envID, r)...)
}

// sessionCounts counts sign-ins by bucket and the metric's dimension.
func (s *Store) sessionCounts(ctx context.Context, op, metric, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), op, scanDimCount, `SELECT `+s.d.Bucket(string(u), "t")+`, dim, `+sumN+`
		FROM (`+s.sessionRows(metric)+`) x GROUP BY 1, 2 HAVING sum(n) <> 0`, days(envID, r)...)
}

// SessionsByFormat implements analytics.Store.
func (s *Store) SessionsByFormat(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	return s.sessionCounts(ctx, "analytics sessions by method", "sessions", envID, r, u)
}

// SessionsByAgent implements analytics.Store.
func (s *Store) SessionsByAgent(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	return s.sessionCounts(ctx, "analytics sessions by agent", "agents", envID, r, u)
}

// Heatmap implements analytics.Store.
func (s *Store) Heatmap(ctx context.Context, envID string, r analytics.Range) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics heatmap", scanDimCount, `SELECT dim, `+s.d.Bucket("weekday", "t")+`, `+sumN+`
		FROM (`+s.sessionRows("hours")+`) x GROUP BY 1, 2 HAVING sum(n) <> 0`, days(envID, r)...)
}

// ActiveDaysPerWeek implements analytics.Store.
func (s *Store) ActiveDaysPerWeek(ctx context.Context, envID string, r analytics.Range) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics active days", scanCount,
		`SELECT CAST(nd AS text), count(*) FROM (SELECT who, `+s.d.Bucket("week", "t")+` AS wk,
			count(DISTINCT `+s.d.Bucket("day", "t")+`) AS nd FROM (`+activity(false)+`) a GROUP BY who, wk) uw GROUP BY nd`,
		days(envID, r)...)
}

// Retention implements analytics.Store. It reads each user's active
// weeks in user order (with the week the user was created, for the
// cohorts of new users) and counts the cells here, per user: a self-join
// of (user, week) pairs in SQL has no index to use and grew with their
// square (23 s for a year of 20,000 sign-ins on SQLite).
func (s *Store) Retention(ctx context.Context, envID string, r analytics.Range, newUsers bool) ([]analytics.Pair, []analytics.Count, error) {
	args := days(envID, r)
	cells, sizes := map[[2]string]int{}, map[string]int{}
	var user string
	var weeks []string // the user's active weeks, ascending
	var created string // the week the user was created in, if in r
	flush := func() {
		for i, c := range weeks {
			if newUsers {
				if c >= created && created != "" {
					cells[[2]string{created, c}]++
				}
				continue
			}
			sizes[c]++
			for _, w := range weeks[i:] {
				cells[[2]string{c, w}]++
			}
		}
		weeks = weeks[:0]
	}
	err := s.db.Snapshot(ctx, func(q Querier) error {
		rows, err := q.Query(ctx, `SELECT a.who, a.wk, COALESCE(`+s.d.Bucket("week", "u.created_at")+`, '')
			FROM (SELECT who, `+s.d.Bucket("week", "t")+` AS wk FROM (`+activity(false)+`) x GROUP BY who, wk) a
			LEFT JOIN users u ON u.id = a.who AND u.environment_id = $1 AND u.created_at >= $2 AND u.created_at < $3
			ORDER BY a.who, a.wk`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var who, wk, cw string
			if err := rows.Scan(&who, &wk, &cw); err != nil {
				return err
			}
			if who != user {
				flush()
				user = who
			}
			weeks, created = append(weeks, wk), cw
		}
		if err := rows.Err(); err != nil {
			return err
		}
		flush()
		if !newUsers {
			return nil
		}
		ns, err := list(ctx, s, q, "analytics cohorts", scanCount, `SELECT `+s.d.Bucket("week", "created_at")+`, count(*) FROM users
			WHERE environment_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1`, envID, r.Start, r.End)
		for _, n := range ns {
			sizes[n.Key] = n.N
		}
		return err
	})
	if err != nil {
		return nil, nil, s.fail("analytics retention", nil, err)
	}
	out := make([]analytics.Pair, 0, len(cells))
	for k, n := range cells {
		out = append(out, analytics.Pair{Cohort: k[0], Returning: k[1], N: n})
	}
	sz := make([]analytics.Count, 0, len(sizes))
	for k, n := range sizes {
		sz = append(sz, analytics.Count{Key: k, N: n})
	}
	return out, sz, nil
}

// WalletNames implements analytics.Store: the rollup's wallets by
// 'chain:walletName', summed by name on the chain.
func (s *Store) WalletNames(ctx context.Context, envID, chain string, r *analytics.Range) ([]analytics.Count, error) {
	q := `SELECT dim, ` + sumN + ` FROM analytics_days WHERE environment_id = $1 AND metric = 'wallets' GROUP BY dim`
	args := []any{envID}
	if r != nil {
		q = `SELECT dim, ` + sumN + ` FROM (` + rolled("wallets") + ` UNION ALL ` +
			raw("created_at, chain || ':' || wallet_name, 1", "verified_credentials", "environment_id", "created_at",
				"format = '"+users.FormatBlockchain+"'") + `) x GROUP BY dim`
		args = days(envID, *r)
	}
	dims, err := list(ctx, s, s.db.Reader(), "analytics wallet names", scanCount, q, args...)
	if err != nil {
		return nil, err
	}
	by := map[string]int{}
	for _, d := range dims {
		c, name, _ := strings.Cut(d.Key, ":")
		if chain == "" || c == chain {
			by[name] += d.N
		}
	}
	out := make([]analytics.Count, 0, len(by))
	for name, n := range by {
		if n != 0 {
			out = append(out, analytics.Count{Key: name, N: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// dayCounts is per day: sign-ins (visits) and distinct users (wallets),
// from the rollup's counters and the partial days' rows; then distinct
// users (wallets) over the whole range.
func (s *Store) dayCounts(ctx context.Context, op string, visits bool, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	count, distinct, table, who := "sessions", "active", "sessions", "user_id"
	if visits {
		count, distinct, table, who = "visits", "visitors", "visits", "wallet_address"
	}
	day := s.d.Bucket("day", "day")
	roll := func(metric, cols string) string {
		return `SELECT ` + day + ` AS k, ` + cols + ` FROM analytics_days WHERE environment_id = $1 AND metric = '` + metric +
			`' AND day >= $4 AND day < $5`
	}
	args := days(envID, r)
	var out []analytics.DayVisits
	var unique int
	err := s.db.Snapshot(ctx, func(q Querier) error {
		var err error
		out, err = list(ctx, s, q, op, func(row Row) (analytics.DayVisits, error) {
			var d analytics.DayVisits
			return d, row.Scan(&d.Date, &d.Count, &d.Unique)
		}, `SELECT k, CAST(sum(c) AS bigint), CAST(sum(u) AS bigint) FROM (`+roll(count, "n AS c, 0 AS u")+` UNION ALL `+
			roll(distinct, "0, n")+` UNION ALL SELECT `+s.d.Bucket("day", "t")+`, count(*), count(DISTINCT who) FROM (`+
			raw("created_at AS t, "+who+" AS who", table, "environment_id", "created_at", "")+`) p GROUP BY 1) x
			GROUP BY k HAVING sum(c) <> 0 ORDER BY k`, args...)
		if err != nil {
			return err
		}
		return q.QueryRow(ctx, `SELECT count(DISTINCT who) FROM (`+activity(visits)+`) a`, args...).Scan(&unique)
	})
	return out, unique, s.fail(op, nil, err)
}

// Visits implements analytics.Store.
func (s *Store) Visits(ctx context.Context, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	return s.dayCounts(ctx, "analytics visits", true, envID, r)
}

// SessionDays implements analytics.Store.
func (s *Store) SessionDays(ctx context.Context, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	return s.dayCounts(ctx, "analytics session days", false, envID, r)
}
