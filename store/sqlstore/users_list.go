package sqlstore

import (
	"context"
	"strconv"

	"github.com/dynamicauth/dynamicauth/users"
)

// ListUsers implements users.AdminStore.
//
// A filtered list reads its matches once (matchesSQL): the bounded count
// and the page come from one statement, not from a count and a page that
// each searched again (a text filter's trigram search was most of the
// request's time).
func (s *Store) ListUsers(ctx context.Context, envID string, q users.ListQuery) (*users.UserList, error) {
	countSQL, pageSQL, args, err := s.listUsersSQL(envID, q)
	if err != nil {
		return nil, err
	}
	out := &users.UserList{Users: []users.User{}}
	err = s.snapshot(ctx, func(tx Querier) error {
		var ids []string
		var err error
		switch {
		case keysetOrder(q):
			ids, out.Total, err = s.unfilteredPage(ctx, tx, envID, q)
		case unfiltered(q.Filter):
			ids, out.Total, err = s.countAndPage(ctx, tx, countSQL, pageSQL, args)
		default:
			ids, out.Total, err = s.filteredPage(ctx, tx, envID, q, countSQL, pageSQL, args)
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

// countAndPage runs the count and then the page query (args: the page's,
// the count's without the last two).
func (s *Store) countAndPage(ctx context.Context, tx Querier, countSQL, pageSQL string, args []any) ([]string, int, error) {
	var total int
	if err := tx.QueryRow(ctx, countSQL, args[:len(args)-2]...).Scan(&total); err != nil {
		return nil, 0, s.fail("count users", nil, err)
	}
	ids, err := s.queryIDs(ctx, tx, pageSQL, args...)
	return ids, total, err
}

// filteredPage reads a filtered list's matches once (matchesSQL), up to
// users.MaxListCount and one: its page and its count. More matches than
// that and the page is read from all of them (pageSQL), the count being
// MaxListCount; a page past the last match has no row to carry the
// count, which countSQL then reads.
func (s *Store) filteredPage(ctx context.Context, tx Querier, envID string, q users.ListQuery, countSQL, pageSQL string, args []any) ([]string, int, error) {
	sql, err := s.matchesSQL(envID, q)
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
		return s.countAndPage(ctx, tx, countSQL, pageSQL, args)
	}
	if bound := s.maxListCount(); ms[0].n > bound {
		ids, err := s.queryIDs(ctx, tx, pageSQL, args...)
		return ids, bound, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	return ids, ms[0].n, nil
}

// matchesSQL is a filtered list's page, each row with the number of
// matches up to users.MaxListCount and one; its arguments are the page
// query's (listUsersSQL). The matches are read once (MATERIALIZED: not
// once for the count and again for the page).
func (s *Store) matchesSQL(envID string, q users.ListQuery) (string, error) {
	w := s.userFilter(envID, q.Filter)
	cols := "users.id"
	if col := userOrderColumns[q.Order.Field]; col != "id" {
		cols += ", users." + col
	}
	order, err := s.orderBy("m", userOrderColumns, q.Order)
	if err != nil {
		return "", err
	}
	limit, _ := w.page(q.Page)
	return `WITH m AS MATERIALIZED (SELECT ` + cols + ` FROM users WHERE ` + w.sql() + ` LIMIT ` +
		strconv.Itoa(s.maxListCount()+1) + `)
		SELECT m.id, (SELECT count(*) FROM m) FROM m` + order + limit, nil
}
