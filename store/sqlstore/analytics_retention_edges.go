package sqlstore

import (
	"context"
	"slices"
)

// edgeUser is what Retention reads per user of the range's partial days
// (and, for new users, per user created in the range outside its whole
// weeks): the user's weeks' masks in the range's weeks, the weeks of its
// sign-ins on the partial days, and the week it was created in if that is
// in the range.
type edgeUser struct {
	masks   map[string]int
	raw     []string
	created string
}

// edgeUsers reads the edge users of the range ($1-$7 as periods makes
// them; the range's weeks after them).
func (s *Store) edgeUsers(ctx context.Context, q Querier, newUsers bool, args []any, rw rangeWeeks) (map[string]*edgeUser, error) {
	rows, err := q.Query(ctx, s.edgeUsersSQL(newUsers), edgeUsersArgs(newUsers, args, rw)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	by := map[string]*edgeUser{}
	for rows.Next() {
		var who, wk, created string
		var mask int64
		if err := rows.Scan(&who, &wk, &mask, &created); err != nil {
			return nil, err
		}
		u := by[who]
		if u == nil {
			u = &edgeUser{masks: map[string]int{}}
			by[who] = u
		}
		switch {
		case created != "":
			u.created = created
		case mask < 0:
			u.raw = append(u.raw, wk)
		default:
			u.masks[wk] = int(mask)
		}
	}
	return by, rows.Err()
}

// edgeUsersArgs are edgeUsersSQL's arguments: $1-$5 of days, then for
// new users the whole weeks, then the range's weeks. (No unused one:
// PostgreSQL types every parameter from its use.)
func edgeUsersArgs(newUsers bool, args []any, rw rangeWeeks) []any {
	if newUsers {
		return append(append([]any{}, args[:7]...), rw.lo, rw.hi)
	}
	return append(append([]any{}, args[:5]...), rw.lo, rw.hi)
}

// edgeUsersSQL is edgeUsers' query: rows (user, week, mask, ”) of the
// users' weeks in the range's weeks, (user, week, -1, ”) for each of
// their sign-ins on the partial days, and for new users (user, ”, 0,
// creation week) if that is in the range. (The CROSS JOIN keeps SQLite
// from walking the range's users by creation time to find the edge's few.)
func (s *Store) edgeUsersSQL(newUsers bool) string {
	who, lo, hi := `SELECT who FROM (`+edgeRaw(false)+`) r`, "$6", "$7"
	if newUsers {
		// two ranges of users_env_created: with one OR of them, SQLite
		// walks the environment's users
		who += ` UNION SELECT id FROM users WHERE environment_id = $1 AND created_at >= $2 AND created_at < $6
			UNION SELECT id FROM users WHERE environment_id = $1 AND created_at >= $7 AND created_at < $3`
		lo, hi = "$8", "$9"
	}
	q := `SELECT who, ` + s.d.Bucket("day", "period") + `, mask, '' FROM analytics_periods WHERE environment_id = $1 AND unit = 'week'
			AND period >= ` + lo + ` AND period < ` + hi + ` AND who IN (` + who + `)
		UNION ALL SELECT who, ` + s.d.Bucket("week", "t") + `, -1, '' FROM (` + edgeRaw(false) + `) r`
	if newUsers {
		q += ` UNION ALL SELECT u.id, '', 0, ` + s.d.Bucket("week", "u.created_at") + ` FROM (` + who + `) e CROSS JOIN users u
			WHERE u.id = e.who AND u.environment_id = $1 AND u.created_at >= $2 AND u.created_at < $3`
	}
	return q
}

// count adds an edge user's cells and cohort sizes that the counters do
// not hold: for all users, those with a week the user was active in only
// on a partial day; for new users, all of a user created outside the whole
// weeks, and those with such a week of a user created in them.
func (rw rangeWeeks) count(u *edgeUser, newUsers bool, cells map[[2]string]int, sizes map[string]int) {
	var weeks []string
	rawOnly := map[string]bool{}
	for w, m := range u.masks {
		if m&rw.bits[w] != 0 {
			weeks = append(weeks, w)
		}
	}
	for _, w := range u.raw {
		if !slices.Contains(weeks, w) {
			rawOnly[w] = true
		}
	}
	for w := range rawOnly {
		weeks = append(weeks, w)
	}
	slices.Sort(weeks)
	if newUsers {
		if u.created == "" {
			return
		}
		whole := u.created >= rw.ws && u.created < rw.we
		for _, w := range weeks {
			if w >= u.created && (!whole || rawOnly[w]) {
				cells[[2]string{u.created, w}]++
			}
		}
		return
	}
	for i, a := range weeks {
		if rawOnly[a] {
			sizes[a]++
		}
		for _, b := range weeks[i+1:] {
			if rawOnly[a] || rawOnly[b] {
				cells[[2]string{a, b}]++
			}
		}
	}
}
