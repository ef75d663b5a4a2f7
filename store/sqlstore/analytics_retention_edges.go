package sqlstore

import (
	"context"
	"slices"
)

// edgeUser is what Retention reads per user of the range's partial days
// (and, for new users, per user created on them): the user's weeks' masks
// in the range's weeks, the weeks of its sign-ins on the partial days, the
// week it was created in if that is in the range, and whether that was on
// a partial day (no counter holds the user's cohort then).
type edgeUser struct {
	masks   map[string]int
	raw     []string
	created string
	partial bool
}

// edgeUsers reads the edge users of the range (args as periods and cuts
// make them) in two statements: who they are (the partial days' sign-ins,
// and the users created on those days), then their weeks by user. One
// statement joining the two made SQLite walk every user-week of the range
// to find the edge's few thousand.
func (s *Store) edgeUsers(ctx context.Context, q Querier, args []any, rw rangeWeeks) (map[string]*edgeUser, error) {
	who, err := list(ctx, s, q, "analytics retention: edge users", scanEdgeRow, s.edgeWhoSQL(), edgeWhoArgs(args)...)
	if err != nil || len(who) == 0 {
		return nil, err
	}
	by := map[string]*edgeUser{}
	add(by, who)
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	weeks, err := list(ctx, s, q, "analytics retention: edge weeks", scanEdgeRow, s.edgeWeeksSQL(), args[0], s.d.IDList(ids), rw.lo, rw.hi)
	add(by, weeks)
	return by, err
}

// edgeRow is a row of edgeWhoSQL or edgeWeeksSQL: a user's week and its
// mask, or a week of its partial days' sign-ins (mask -1); and the week
// the user was created in if that is in the range.
type edgeRow struct {
	who, week, created string
	mask               int
	partial            bool
}

func scanEdgeRow(r Row) (edgeRow, error) {
	var e edgeRow
	return e, r.Scan(&e.who, &e.week, &e.mask, &e.created, &e.partial)
}

// add files rows under their users.
func add(by map[string]*edgeUser, rows []edgeRow) {
	for _, e := range rows {
		u := by[e.who]
		if u == nil {
			u = &edgeUser{masks: map[string]int{}}
			by[e.who] = u
		}
		if e.created != "" {
			u.created, u.partial = e.created, e.partial
		}
		switch {
		case e.mask < 0:
			u.raw = append(u.raw, e.week)
		case e.week != "":
			u.masks[e.week] = e.mask
		}
	}
}

// edgeWhoSQL is the edge users: rows (user, week, -1, creation week if
// in the range, created on a partial day) of their sign-ins on the partial
// days, the creation week read through the users primary key (a condition
// on the users' creation time makes SQLite walk the range's users); and
// (user, ”, 0, creation week, true) of the users created on the partial
// days, each range of users_env_created read alone (with an OR of the
// two, SQLite walks the environment's users).
func (s *Store) edgeWhoSQL() string {
	return `SELECT r.who, ` + s.d.Bucket("week", "r.t") + `, -1, CASE WHEN u.created_at >= $2 AND u.created_at < $3
			THEN ` + s.d.Bucket("week", "u.created_at") + ` ELSE '' END, u.created_at < $4 OR u.created_at >= $5
		FROM (` + edgeRaw(false) + `) r JOIN users u ON u.id = r.who
		UNION ALL ` + raw("id, '', 0, "+s.d.Bucket("week", "created_at")+", TRUE", "users", "environment_id", "created_at", "")
}

// edgeWhoArgs: $1-$5 of days.
func edgeWhoArgs(args []any) []any { return args[:5] }

// edgeWeeksSQL is the rows (user, week, mask, ”) of the users $2 in the
// weeks [$3, $4). (SQLite reads them from analytics_periods_who only
// because the index holds the mask: without it, it walks every user-week
// of the range.)
func (s *Store) edgeWeeksSQL() string {
	return `SELECT who, ` + s.d.Bucket("day", "period") + `, mask, '', FALSE FROM analytics_periods
		WHERE environment_id = $1 AND unit = 'week' AND ` + s.in("who", 2) + ` AND period >= $3 AND period < $4`
}

// count adds an edge user's cells and cohort sizes that the counters do
// not hold: for all users, those with a week the user was active in only
// on a partial day; for new users, all of a user created on a partial day,
// and those with such a week of a user created on a whole day.
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
		for _, w := range weeks {
			if w >= u.created && (u.partial || rawOnly[w]) {
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
