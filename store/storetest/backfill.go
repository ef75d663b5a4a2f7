package storetest

import (
	"maps"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
)

// RetentionBackfill checks that a migration's backfill of the retention
// counters writes what the triggers wrote: it signs in the analytics
// history (out of date order in places, so the triggers move keys), reads
// the counters, deletes them, runs backfill (the migration's statements,
// separated by ";\n") and reads them again. A deployment upgraded with a
// wrong backfill would report wrong retention from then on, silently.
func RetentionBackfill(t *testing.T, s store.Store, backfill string) {
	db := s.(interface{ Driver() sqlstore.Driver }).Driver()
	c := newClock()
	e := newEndEnv(t, s, c)
	genHistory(t, s, c, e.sandbox.ID)
	read := func() map[string]int {
		rows, err := db.Reader().Query(ctx(t), `SELECT metric, CAST(day AS text), dim, CAST(sum(n) AS bigint) FROM analytics_days
			WHERE metric IN ('retain_pairs', 'retain_new') GROUP BY 1, 2, 3 HAVING sum(n) <> 0`)
		must(t, "read the counters", err)
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var metric, day, dim string
			var n int
			must(t, "scan", rows.Scan(&metric, &day, &dim, &n))
			out[metric+" "+day[:10]+" "+dim] = n
		}
		must(t, "rows", rows.Err())
		return out
	}
	want := read()
	if len(want) < 20 {
		t.Fatalf("the history wrote %d retention counters; too few to check the backfill", len(want))
	}
	_, err := db.Exec(ctx(t), `DELETE FROM analytics_days WHERE metric IN ('retain_pairs', 'retain_new')`)
	must(t, "delete the counters", err)
	for _, stmt := range strings.Split(backfill, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			_, err := db.Exec(ctx(t), stmt)
			must(t, "backfill", err)
		}
	}
	if got := read(); !maps.Equal(got, want) {
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: backfill %d, triggers %d", k, got[k], n)
			}
		}
		for k, n := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: backfill %d, triggers none", k, n)
			}
		}
	}
}

// Backfill is the text between the lines "-- backfill begin" and "--
// backfill end" of a migration.
func Backfill(t *testing.T, migration string) string {
	_, rest, ok1 := strings.Cut(migration, "-- backfill begin (read by the backfill test)\n")
	body, _, ok2 := strings.Cut(rest, "-- backfill end\n")
	if !ok1 || !ok2 {
		t.Fatal("the migration has no backfill markers")
	}
	return body
}
