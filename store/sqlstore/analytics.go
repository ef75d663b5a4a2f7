package sqlstore

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// analytics.Store reads the rollups the triggers of migrations 0032 and 0037 keep
// (analytics_days: counts per environment, metric, UTC day and dimension;
// analytics_user_days and analytics_visitor_days: who was active each day;
// analytics_periods: each week and month)
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

// periods appends to days' arguments [$6, $7): the whole ISO weeks or
// months (u) inside the range's whole days [$4, $5), empty (both $4) when
// there are none.
func periods(args []any, u analytics.Unit) []any {
	fs, fe := args[3].(time.Time), args[4].(time.Time)
	floor, next := analytics.WeekOf, func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }
	if u == analytics.Month {
		floor = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) }
		next = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	}
	ws, we := floor(fs), floor(fe)
	if ws.Before(fs) {
		ws = next(ws)
	}
	if !ws.Before(we) {
		ws, we = fs, fs
	}
	return append(args, ws, we)
}

// date is a period's first day as the rollups' dims hold it.
func date(arg any) string { return arg.(time.Time).Format(time.DateOnly) }

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

// ActiveUsers implements analytics.Store: per day, week or month from
// the rollup's counts of distinct users; a week or month the range cuts
// counts its rows whose masks hold a day inside the range, and the users
// of the partial days' sign-ins.
func (s *Store) ActiveUsers(ctx context.Context, envID string, r analytics.Range, u analytics.Unit) ([]analytics.Count, error) {
	q, args := s.activeUsersSQL(envID, r, u)
	return list(ctx, s, s.db.Reader(), "analytics active users", scanCount, q, args...)
}

func (s *Store) activeUsersSQL(envID string, r analytics.Range, u analytics.Unit) (string, []any) {
	args := days(envID, r)
	if u == analytics.Day {
		return `SELECT k, ` + sumN + ` FROM (SELECT ` + s.d.Bucket("day", "t") + ` AS k, n FROM (` + rolled("active") + `) d
		UNION ALL SELECT ` + s.d.Bucket("day", "t") + `, count(DISTINCT who) FROM (` + edgeRaw(false) + `) p GROUP BY 1) x
		GROUP BY k HAVING sum(n) <> 0 ORDER BY k`, args
	}
	unit := "week"
	if u == analytics.Month {
		unit = "month"
	}
	return `SELECT k, ` + sumN + ` FROM (SELECT ` + s.d.Bucket("day", "day") + ` AS k, n FROM analytics_days
			WHERE environment_id = $1 AND metric = 'active_` + unit + `' AND day >= $6 AND day < $7
			UNION ALL SELECT k, count(DISTINCT who) FROM (SELECT ` + s.d.Bucket("day", "period") + ` AS k, who FROM (` + cutRows(unit, 8) + `) c
				UNION ALL SELECT ` + s.d.Bucket(unit, "t") + `, who FROM (` + edgeRaw(false) + `) r) a GROUP BY 1) x
			GROUP BY k HAVING sum(n) <> 0 ORDER BY k`, cuts(periods(args, u), u)
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

// ActiveDaysPerWeek implements analytics.Store: whole weeks from the
// rollup's histogram, the weeks the range cuts from their rows' masks
// (and the partial days' sign-ins).
func (s *Store) ActiveDaysPerWeek(ctx context.Context, envID string, r analytics.Range) ([]analytics.Count, error) {
	return list(ctx, s, s.db.Reader(), "analytics active days", scanCount, s.activeDaysSQL(),
		cuts(periods(days(envID, r), analytics.Week), analytics.Week)...)
}

func (s *Store) activeDaysSQL() string {
	return `SELECT k, ` + sumN + ` FROM (SELECT dim AS k, n FROM analytics_days WHERE environment_id = $1 AND metric = 'week_days'
			AND day >= $6 AND day < $7
		UNION ALL SELECT CAST(nd AS text), count(*) FROM (SELECT who, wk, sum(nd) AS nd FROM (
			SELECT who, ` + s.d.Bucket("day", "period") + ` AS wk, ` + bitCount("m") + ` AS nd FROM (` + cutRows("week", 8) + `) c
			UNION ALL SELECT who, ` + s.d.Bucket("week", "t") + `, count(DISTINCT ` + s.d.Bucket("day", "t") + `) FROM (` + edgeRaw(false) + `) r
				GROUP BY 1, 2) a GROUP BY who, wk) uw GROUP BY nd) x
		GROUP BY k HAVING sum(n) <> 0`
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
		return q.QueryRow(ctx, uniqueSQL(visits), uniqueArgs(envID, r)...).Scan(&unique)
	})
	return out, unique, s.fail(op, nil, err)
}

// uniqueSQL counts distinct users (wallets) active in the range: over its
// whole weeks [$6, $7), those counted in a week whose last earlier active
// week is before $6 ($8); then those active only outside them (the cut
// weeks from $9).
func uniqueSQL(visits bool) string {
	unit := "week"
	if visits {
		unit = "visit_week"
	}
	return `SELECT (SELECT ` + sumN + ` FROM analytics_days WHERE environment_id = $1 AND metric = '` + unit + `_since'
			AND day >= $6 AND day < $7 AND dim < $8)
		+ (SELECT count(*) FROM (` + edgeWho(unit, visits, 9) + `) e WHERE NOT EXISTS (SELECT 1 FROM analytics_periods p
			WHERE p.environment_id = $1 AND p.unit = '` + unit + `' AND p.who = e.who AND p.period >= $6 AND p.period < $7))`
}

func uniqueArgs(envID string, r analytics.Range) []any {
	args := periods(days(envID, r), analytics.Week)
	args = append(args, date(args[5]))
	return cuts(args, analytics.Week)
}

// Visits implements analytics.Store.
func (s *Store) Visits(ctx context.Context, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	return s.dayCounts(ctx, "analytics visits", true, envID, r)
}

// SessionDays implements analytics.Store.
func (s *Store) SessionDays(ctx context.Context, envID string, r analytics.Range) ([]analytics.DayVisits, int, error) {
	return s.dayCounts(ctx, "analytics session days", false, envID, r)
}

// VisitorStats implements tenant.Store: users from the counter
// user_counts, recent users by the index on last visits,
// visitors all time as the wallets counted in their first active week,
// visitors since as the visits report counts distinct wallets.
func (s *Store) VisitorStats(ctx context.Context, envID string, since time.Time) (*tenant.VisitorStats, error) {
	var v tenant.VisitorStats
	err := s.db.Reader().QueryRow(ctx, `SELECT
		(`+sqlUserCount+`),
		(SELECT count(*) FROM users WHERE environment_id = $1 AND last_visit_at >= $2),
		(SELECT `+sumN+` FROM analytics_days WHERE environment_id = $1 AND metric = 'visit_week_since' AND dim = ''),
		(`+uniqueSQL(true)+`)`,
		uniqueArgs(envID, analytics.Range{Start: since, End: since.AddDate(100, 0, 0)})...).
		Scan(&v.Users, &v.UsersPastMonth, &v.Visitors, &v.VisitorsPastMonth)
	return &v, s.fail("visitor stats", tenant.ErrEnvironmentNotFound, err)
}
