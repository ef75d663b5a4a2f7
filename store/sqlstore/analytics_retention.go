package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/dynamicauth/dynamicauth/analytics"
)

// Retention implements analytics.Store. Cells come from the counters of
// migration 0043 (users active in two weeks, keyed by their last active
// weekday of the earlier and first of the later; users created in a week
// active in a later one, keyed by the first and the creation weekday): a
// cell with a week the range cuts sums the keys whose days are inside the
// range. Cohort sizes are the weeks' distinct users (for a cut week its
// rows' masks) or users created; a cell of a week with itself is its
// cohort's size. Only the range's partial first and last days, which no
// counter holds, are read per user, once for both kinds of cohort: the
// users who signed in on them (and those created on them) with their
// weeks.
func (s *Store) Retention(ctx context.Context, envID string, r analytics.Range) (all, created analytics.Cohorts, err error) {
	args := cuts(periods(days(envID, r), analytics.Week), analytics.Week)
	rw := weeksIn(args)
	err = s.db.Snapshot(ctx, func(q Querier) error {
		edge, err := s.edgeUsers(ctx, q, args, rw)
		if err != nil {
			return err
		}
		if all, err = s.cohorts(ctx, q, args, rw, edge, false); err != nil {
			return err
		}
		created, err = s.cohorts(ctx, q, args, rw, edge, true)
		return err
	})
	return all, created, s.fail("analytics retention", nil, err)
}

// cohorts is the retention of all users or new users: the edge users'
// cells and sizes, and the counters'.
func (s *Store) cohorts(ctx context.Context, q Querier, args []any, rw rangeWeeks, edge map[string]*edgeUser, newUsers bool) (analytics.Cohorts, error) {
	cells, sizes := map[[2]string]int{}, map[string]int{}
	for _, u := range edge {
		rw.count(u, newUsers, cells, sizes)
	}
	counted, err := list(ctx, s, q, "analytics retention", scanDimCount, s.pairsSQL(newUsers), rw.pairsArgs(args, newUsers)...)
	if err != nil {
		return analytics.Cohorts{}, err
	}
	for _, c := range counted {
		cells[[2]string{c.Key, c.Dim}] += c.N
	}
	ns, err := s.cohortSizes(ctx, q, newUsers, args)
	if err != nil {
		return analytics.Cohorts{}, err
	}
	for _, n := range ns {
		sizes[n.Key] += n.N
	}
	var out analytics.Cohorts
	for k, n := range cells {
		out.Cells = append(out.Cells, analytics.Pair{Cohort: k[0], Returning: k[1], N: n})
	}
	for k, n := range sizes {
		if n == 0 {
			continue
		}
		out.Sizes = append(out.Sizes, analytics.Count{Key: k, N: n})
		if !newUsers {
			out.Cells = append(out.Cells, analytics.Pair{Cohort: k, Returning: k, N: n})
		}
	}
	return out, nil
}

// cohortSizes is the cohorts' sizes by week, but for the users the
// partial days add: the weeks' distinct users (a cut week's, its rows
// with a day inside the range), or the users created in the range.
func (s *Store) cohortSizes(ctx context.Context, q Querier, newUsers bool, args []any) ([]analytics.Count, error) {
	return list(ctx, s, q, "analytics cohorts", scanCount, s.cohortSizesSQL(newUsers), cohortSizesArgs(newUsers, args)...)
}

func (s *Store) cohortSizesSQL(newUsers bool) string {
	if newUsers {
		return `SELECT ` + s.d.Bucket("week", "t") + `, ` + sumN + ` FROM (` + rolled("users") + ` UNION ALL ` +
			raw("created_at, '', 1", "users", "environment_id", "created_at", "") + `) x GROUP BY 1`
	}
	return `SELECT k, ` + sumN + ` FROM (
		SELECT ` + s.d.Bucket("day", "day") + ` AS k, n FROM analytics_days WHERE environment_id = $1 AND metric = 'active_week'
			AND day >= $2 AND day < $3
		UNION ALL SELECT ` + s.d.Bucket("day", "period") + `, count(*) FROM (` + cutRows("week", 4) + `) c GROUP BY 1) x GROUP BY k`
}

// cohortSizesArgs: $1-$5 of days for new users; else the environment, the
// whole weeks and the cut weeks.
func cohortSizesArgs(newUsers bool, args []any) []any {
	if newUsers {
		return args[:5]
	}
	return []any{args[0], args[5], args[6], args[7], args[8], args[9], args[10]}
}

// pairsSQL reads the counted cells of the weeks [$2, $3) holding days of
// the range, the later week before $4, keeping the keys a cut week counts:
// for all users, a cut earlier week's last day from its lowest bit in the
// range, a cut later week's first day up to its highest ($5-$12, two cut
// weeks); for new users, a cut later week's first day up to its highest
// ($5-$8) and a cut cohort week's creation day between its lowest and
// highest ($9-$14).
func (s *Store) pairsSQL(newUsers bool) string {
	if newUsers {
		return `SELECT ` + s.d.Bucket("day", "day") + `, substr(dim, 1, 10), ` + sumN + ` FROM analytics_days
			WHERE environment_id = $1 AND metric = 'retain_new' AND day >= $2 AND day < $3 AND dim < $4
				AND (substr(dim, 1, 10) <> $5 OR substr(dim, 12, 1) <= $6) AND (substr(dim, 1, 10) <> $7 OR substr(dim, 12, 1) <= $8)
				AND (day <> $9 OR substr(dim, 13, 1) BETWEEN $10 AND $11) AND (day <> $12 OR substr(dim, 13, 1) BETWEEN $13 AND $14)
			GROUP BY 1, 2 HAVING sum(n) <> 0`
	}
	return `SELECT ` + s.d.Bucket("day", "day") + `, substr(dim, 1, 10), ` + sumN + ` FROM analytics_days
		WHERE environment_id = $1 AND metric = 'retain_pairs' AND day >= $2 AND day < $3 AND dim < $4
			AND (day <> $5 OR substr(dim, 12, 1) >= $6) AND (substr(dim, 1, 10) <> $7 OR substr(dim, 13, 1) <= $8)
			AND (day <> $9 OR substr(dim, 12, 1) >= $10) AND (substr(dim, 1, 10) <> $11 OR substr(dim, 13, 1) <= $12)
		GROUP BY 1, 2 HAVING sum(n) <> 0`
}

// rangeWeeks is the weeks holding whole days of a range: for each (its
// date), the bits of those days (127 a whole week); [lo, hi) spans them.
type rangeWeeks struct {
	bits       map[string]int
	lo, hi     time.Time
	ws, we     string // the whole weeks
	cut        [2]cutWeek
	cutPeriods [2]time.Time
}

// cutWeek is a week the range cuts: its date and its days in the range's
// lowest and highest (digits as the counters' keys hold them); a missing
// one has a date no key has.
type cutWeek struct{ date, low, high string }

// weeksIn reads the weeks of the arguments periods and cuts made.
func weeksIn(args []any) rangeWeeks {
	ws, we := args[5].(time.Time), args[6].(time.Time)
	rw := rangeWeeks{bits: map[string]int{}, ws: date(ws), we: date(we)}
	var all []time.Time
	for w := ws; w.Before(we); w = w.AddDate(0, 0, 7) {
		rw.bits[date(w)] = 127
		all = append(all, w)
	}
	for i := range rw.cut {
		p, m := args[7+2*i].(time.Time), int(args[8+2*i].(int64))
		rw.cut[i], rw.cutPeriods[i] = cutWeek{date: "none", low: "7", high: "-"}, p
		if m == 0 {
			continue
		}
		rw.bits[date(p)] = m
		all = append(all, p)
		low, high := 0, 6
		for m&(1<<low) == 0 {
			low++
		}
		for m&(1<<high) == 0 {
			high--
		}
		rw.cut[i] = cutWeek{date: date(p), low: strconv.Itoa(low), high: strconv.Itoa(high)}
	}
	for i, w := range all {
		if i == 0 || w.Before(rw.lo) {
			rw.lo = w
		}
		if i == 0 || !w.Before(rw.hi) {
			rw.hi = w.AddDate(0, 0, 7)
		}
	}
	return rw
}

// pairsArgs are pairsSQL's arguments.
func (rw rangeWeeks) pairsArgs(args []any, newUsers bool) []any {
	c0, c1 := rw.cut[0], rw.cut[1]
	if newUsers {
		return []any{args[0], rw.lo, rw.hi, date(rw.hi), c0.date, c0.high, c1.date, c1.high,
			rw.cutPeriods[0], c0.low, c0.high, rw.cutPeriods[1], c1.low, c1.high}
	}
	return []any{args[0], rw.lo, rw.hi, date(rw.hi), rw.cutPeriods[0], c0.low, c0.date, c0.high,
		rw.cutPeriods[1], c1.low, c1.date, c1.high}
}
