package sqlstore

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/users"
)

// ListUsers implements users.AdminStore.
//
// A filtered list reads its matches once (matchesSQL): the bounded count
// and the page come from one statement, not from a count and a page that
// each searched again (a text filter's trigram search was most of the
// request's time). A text filter of exactColumns looks for the value
// whole first (exactMatch, an index probe).
func (s *Store) ListUsers(ctx context.Context, envID string, q users.ListQuery) (*users.UserList, error) {
	out := &users.UserList{Users: []users.User{}}
	err := s.snapshot(ctx, func(tx Querier) error {
		var ids []string
		var err error
		switch {
		case keysetOrder(q):
			ids, out.Total, err = s.unfilteredPage(ctx, tx, envID, q)
		case unfiltered(q.Filter):
			ids, out.Total, err = s.countAndPage(ctx, tx, s.userFilter(envID, q.Filter), q)
		default:
			ids, out.Total, err = s.searchPage(ctx, tx, envID, q)
		}
		if err != nil {
			return err
		}
		if out.Users, err = s.loadUsers(ctx, tx, ids); err != nil {
			return err
		}
		if q.WithSessions {
			out.Sessions, err = s.sessionsOf(ctx, tx, ids)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// exactColumns are the text columns whose filter value, when some users
// of the environment have it whole, finds just those users (in any letter
// case, phone numbers as written) through an index; a value nobody has
// whole matches as a substring (textMatch). A substring search of a whole
// address or number reads the trigram index's lists of its common
// trigrams ("com", "@ex", "555"): at a million users 10-100 ms, an exact
// lookup a few index pages.
var exactColumns = map[string]string{
	"email": "lower(u.email) = lower($2)", "username": "lower(u.username) = lower($2)",
	"alias": "lower(u.alias) = lower($2)", "phone_number": "u.phone_number = $2",
}

// exactMatch is the condition keeping the users of environment $1 whose
// column col (of exactColumns) is value whole, and its $2; the column's
// index is partial (WHERE col <> ”), repeated for the planner.
func exactMatch(col, value string) (string, any) {
	return `users.id IN (SELECT u.id FROM users u WHERE u.environment_id = $1 AND u.` + col + ` <> ''
		AND ` + exactColumns[col] + `)`, value
}

// exactFirst tells whether a filter looks for its value whole first.
func exactFirst(f users.Filter) bool {
	col := userTextColumns[f.Column]
	return exactColumns[col] != "" && utf8.RuneCountInString(f.Value) >= MinSearchRunes
}

// searchPage is a filtered list's page and count: the users having the
// value whole if the filter looks for that first and any has, else the
// filter's matches.
func (s *Store) searchPage(ctx context.Context, tx Querier, envID string, q users.ListQuery) ([]string, int, error) {
	if exactFirst(q.Filter) {
		ids, total, err := s.filteredPage(ctx, tx, s.filterWith(envID, q.Filter, exactMatch), q)
		if err != nil || total > 0 {
			return ids, total, err
		}
	}
	return s.filteredPage(ctx, tx, s.userFilter(envID, q.Filter), q)
}

// unfilteredPage is the page of the unfiltered list in creation order,
// read from the nearest anchor (keyset.go), and the counter's count.
func (s *Store) unfilteredPage(ctx context.Context, tx Querier, envID string, q users.ListQuery) ([]string, int, error) {
	var total int
	if err := tx.QueryRow(ctx, sqlUserCount, envID).Scan(&total); err != nil {
		return nil, 0, s.fail("count users", nil, err)
	}
	newest, ok, err := s.newestUser(ctx, tx, envID)
	if err != nil {
		return nil, 0, err
	}
	ids, err := s.keysetPage(ctx, tx, envID, q, total, newest, ok)
	return ids, total, err
}

// countAndPage runs the count and then the page query of the users
// matching w.
func (s *Store) countAndPage(ctx context.Context, tx Querier, w *where, q users.ListQuery) ([]string, int, error) {
	countSQL, pageSQL, args, err := s.listSQLOf(w, q)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := tx.QueryRow(ctx, countSQL, args[:len(args)-2]...).Scan(&total); err != nil {
		return nil, 0, s.fail("count users", nil, err)
	}
	ids, err := s.queryIDs(ctx, tx, pageSQL, args...)
	return ids, total, err
}

// filteredPage reads the matches of w once (matchesSQL), up to the count's
// bound (users.MaxListCount) and one: the page and the count. More matches
// than that and the page is read from all of them, the count being the
// bound; a page past the last match has no row to carry the count, which
// countAndPage then reads.
func (s *Store) filteredPage(ctx context.Context, tx Querier, w *where, q users.ListQuery) ([]string, int, error) {
	sql, args, err := s.matchesSQL(w, q)
	if err != nil {
		return nil, 0, err
	}
	rows, err := tx.Query(ctx, sql, args...)
	type match struct {
		id string
		n  int
	}
	ms, err := collect(rows, err, func(r Row) (m match, err error) {
		err = r.Scan(&m.id, &m.n)
		return m, err
	})
	if err != nil {
		return nil, 0, s.fail("list users", nil, err)
	}
	if len(ms) == 0 {
		if q.Page.Offset == 0 {
			return []string{}, 0, nil
		}
		return s.countAndPage(ctx, tx, w, q)
	}
	if bound := s.maxListCount(); ms[0].n > bound {
		if w.dense != nil {
			w = w.dense
		}
		_, pageSQL, args, err := s.listSQLOf(w, q)
		if err != nil {
			return nil, 0, err
		}
		ids, err := s.queryIDs(ctx, tx, pageSQL, args...)
		return ids, bound, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	return ids, ms[0].n, nil
}

// matchesSQL is the page of the users matching w, each row with the
// number of matches up to the count's bound and one, and its arguments.
// The matches are read once (MATERIALIZED: not once for the count and
// again for the page).
func (s *Store) matchesSQL(w *where, q users.ListQuery) (string, []any, error) {
	cols := "users.id"
	if col := userOrderColumns[q.Order.Field]; col != "id" {
		cols += ", users." + col
	}
	order, err := s.orderBy("m", userOrderColumns, q.Order)
	if err != nil {
		return "", nil, err
	}
	limit, args := w.page(q.Page)
	return `WITH m AS MATERIALIZED (SELECT ` + cols + ` FROM users WHERE ` + w.sql() + ` LIMIT ` +
		strconv.Itoa(s.maxListCount()+1) + `)
		SELECT m.id, (SELECT count(*) FROM m) FROM m` + order + limit, args, nil
}
