package sqlstore

import (
	"context"
	"slices"

	"github.com/dynamicauth/dynamicauth/analytics"
)

// Retention implements analytics.Store. The cells of two whole weeks of
// the range come from the rollup of migration 0037 (users active in both
// weeks; users created in one and active in the other). The cells with a
// week the range cuts are counted here from the users active in such a
// week (or, for new users, created in it): their active weeks, in user
// order. Cohort sizes are the weeks' distinct users (users created).
func (s *Store) Retention(ctx context.Context, envID string, r analytics.Range, newUsers bool) ([]analytics.Pair, []analytics.Count, error) {
	args := cuts(periods(days(envID, r), analytics.Week), analytics.Week)
	ws, we := date(args[5]), date(args[6])
	partial := func(w string) bool { return w < ws || w >= we }
	cells, sizes := map[[2]string]int{}, map[string]int{}
	// whole weeks: $1 the environment, [$2, $3) the weeks, $4 the end's date
	wholeArgs := []any{args[0], args[5], args[6], we}
	metric, sizeSQL, sizeArgs := "week_pairs", `SELECT `+s.d.Bucket("day", "day")+`, `+sumN+` FROM analytics_days
		WHERE environment_id = $1 AND metric = 'active_week' AND day >= $2 AND day < $3 GROUP BY 1`, wholeArgs[:3]
	if newUsers {
		metric, sizeSQL, sizeArgs = "new_pairs", `SELECT `+s.d.Bucket("week", "t")+`, `+sumN+` FROM (`+rolled("users")+` UNION ALL `+
			raw("created_at, '', 1", "users", "environment_id", "created_at", "")+`) x GROUP BY 1`, args[:5]
	}
	err := s.db.Snapshot(ctx, func(q Querier) error {
		err := s.edgeWeeks(ctx, q, newUsers, args, func(weeks []string, created string) {
			for i, c := range weeks {
				if newUsers {
					if created != "" && c >= created && (partial(created) || partial(c)) {
						cells[[2]string{created, c}]++
					}
					continue
				}
				if partial(c) {
					sizes[c]++
				}
				for _, w := range weeks[i:] {
					if partial(c) || partial(w) {
						cells[[2]string{c, w}]++
					}
				}
			}
		})
		if err != nil {
			return err
		}
		whole, err := list(ctx, s, q, "analytics retention", scanDimCount, `SELECT `+s.d.Bucket("day", "day")+`, dim, `+sumN+`
			FROM analytics_days WHERE environment_id = $1 AND metric = '`+metric+`' AND day >= $2 AND day < $3 AND dim < $4
			GROUP BY 1, 2 HAVING sum(n) <> 0`, wholeArgs...)
		if err != nil {
			return err
		}
		for _, c := range whole {
			cells[[2]string{c.Key, c.Dim}] += c.N
		}
		ns, err := list(ctx, s, q, "analytics cohorts", scanCount, sizeSQL, sizeArgs...)
		for _, n := range ns {
			sizes[n.Key] += n.N
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

// edgeWeeks calls fn with the active weeks in the range (ascending) of
// each user active in a week the range cuts (or, for newUsers, created in
// one), and the week the user was created in if that is in the range.
// The rows come unordered (an ORDER BY sorted them all in SQL): they are
// grouped by user here.
func (s *Store) edgeWeeks(ctx context.Context, q Querier, newUsers bool, args []any, fn func(weeks []string, created string)) error {
	rows, err := q.Query(ctx, s.edgeWeeksSQL(newUsers), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type user struct {
		weeks   []string
		created string
	}
	by := map[string]*user{}
	for rows.Next() {
		var who, wk, cw string
		if err := rows.Scan(&who, &wk, &cw); err != nil {
			return err
		}
		u := by[who]
		if u == nil {
			u = &user{}
			by[who] = u
		}
		if wk != "" {
			u.weeks = append(u.weeks, wk)
		}
		if cw != "" {
			u.created = cw
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range by {
		if len(u.weeks) > 0 {
			// a cut week can come both from its row and a partial day
			slices.Sort(u.weeks)
			fn(slices.Compact(u.weeks), u.created)
		}
	}
	return nil
}

// edgeWeeksSQL is edgeWeeks' query: rows (user, active week in the range,
// ”) and (user, ”, the user's creation week) if that is in the range,
// for users active in the weeks outside [$6, $7) (the cut weeks from $8;
// newUsers: or created in them). (The CROSS JOIN keeps SQLite from
// walking the range's users by creation time to find the edge's few.)
func (s *Store) edgeWeeksSQL(newUsers bool) string {
	edge := edgeWho("week", false, 8)
	if newUsers {
		// two ranges of users_env_created: with one OR of them, SQLite
		// walks the environment's users
		edge += ` UNION SELECT id FROM users WHERE environment_id = $1 AND created_at >= $2 AND created_at < $6
			UNION SELECT id FROM users WHERE environment_id = $1 AND created_at >= $7 AND created_at < $3`
	}
	return `SELECT who, ` + s.d.Bucket("day", "period") + `, '' FROM (` + cutRows("week", 8) + `) c
		UNION ALL SELECT who, ` + s.d.Bucket("week", "t") + `, '' FROM (` + edgeRaw(false) + `) r
		UNION ALL SELECT who, ` + s.d.Bucket("day", "period") + `, '' FROM analytics_periods WHERE environment_id = $1 AND unit = 'week'
			AND period >= $6 AND period < $7 AND who IN (` + edge + `)
		UNION ALL SELECT u.id, '', ` + s.d.Bucket("week", "u.created_at") + ` FROM (` + edge + `) e CROSS JOIN users u
			WHERE u.id = e.who AND u.environment_id = $1 AND u.created_at >= $2 AND u.created_at < $3`
}
