package storetest

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlstore"
)

// testQueryPlans: every admin lookup of end users, and every page of
// events, webhook deliveries and allowlist entries (sqlstore.Lookups), is
// answered by an index, checked on the plan the backend chooses (EXPLAIN
// QUERY PLAN on SQLite, EXPLAIN on PostgreSQL with sequential scans
// priced out, so a plan that has no index to use shows one). A table
// scan, or an index walk over the whole environment, fails the test: at a
// million users either takes seconds.
func testQueryPlans(t *testing.T, s store.Store) {
	ls, ok := s.(interface {
		Driver() sqlstore.Driver
		Lookups(envID string) ([]sqlstore.Lookup, error)
	})
	if !ok {
		t.Skip("not a sqlstore backend")
	}
	c := newClock()
	e := newEndEnv(t, s, c)
	for range 20 {
		saveUser(t, s, draftUser(t, e.sandbox.ID, c.next(), id()+"@example.com", id()), c.next())
	}
	db := ls.Driver()
	if db.Dialect().Name != "sqlite" {
		// PostgreSQL plans from statistics: with a few rows a walk of the
		// environment costs as little as a key lookup. More users and
		// credentials in the environment, analyzed, make it choose as it
		// does at scale.
		// (SQLite plans as if every table were large.)
		_, err := db.Exec(ctx(t), `INSERT INTO users (id, environment_id, created_at, last_visit_at, updated_at)
			SELECT 'filler-' || g, $1, now(), now(), now() FROM generate_series(1, 5000) AS g`, e.sandbox.ID)
		must(t, "fill users", err)
		_, err = db.Exec(ctx(t), `INSERT INTO verified_credentials (id, environment_id, user_id, format, chain, address,
			public_identifier, verified_at, created_at)
			SELECT 'filler-' || g, $1, 'filler-' || g, 'blockchain', 'eip155', 'a' || g, 'a' || g, now(), now()
			FROM generate_series(1, 5000) AS g`, e.sandbox.ID)
		must(t, "fill credentials", err)
		_, err = db.Exec(ctx(t), `INSERT INTO visits (id, environment_id, wallet_address, chain, created_at)
			SELECT 'filler-' || g, $1, 'a' || g, 'eip155', now() FROM generate_series(1, 5000) AS g`, e.sandbox.ID)
		must(t, "fill visits", err)
		_, err = db.Exec(ctx(t), `INSERT INTO events (id, environment_id, name, resource_type, created_at)
			SELECT 'filler-' || g, $1, 'user.created', CASE g % 3 WHEN 0 THEN 'user' WHEN 1 THEN 'wallet' ELSE 'session' END,
				now() - g * interval '1 minute' FROM generate_series(1, 5000) AS g`, e.sandbox.ID)
		must(t, "fill events", err)
		// A webhook (w-1, as Lookups names it) that was sent each of them.
		_, err = db.Exec(ctx(t), `INSERT INTO webhooks (id, environment_id, url, secret, enabled, created_at, updated_at)
			VALUES ('w-1', $1, 'https://hooks.example.com', '', true, now(), now())`, e.sandbox.ID)
		must(t, "fill webhooks", err)
		_, err = db.Exec(ctx(t), `INSERT INTO webhook_messages (id, environment_id, webhook_id, event_id, status, created_at, updated_at)
			SELECT 'filler-' || g, $1, 'w-1', 'filler-' || g, 'delivered', now(), now() FROM generate_series(1, 5000) AS g`, e.sandbox.ID)
		must(t, "fill webhook messages", err)
		_, err = db.Exec(ctx(t), `INSERT INTO webhook_deliveries (id, message_id, webhook_id, attempt, status, request,
				http_status, response, error, duration_ms, attempted_at)
			SELECT 'filler-' || g, 'filler-' || g, 'w-1', 1, 'delivered', '{}', 200, '', '', 1, now() - g * interval '1 minute'
			FROM generate_series(1, 5000) AS g`)
		must(t, "fill webhook deliveries", err)
		// An allowlist (l-1, as Lookups names it) of 50,000 entries: with
		// 5,000 a walk of the list costs less than reading a trigram
		// index, as it does not at scale.
		_, err = db.Exec(ctx(t), `INSERT INTO allowlists (id, environment_id, name, created_at) VALUES ('l-1', $1, 'l-1', now())`,
			e.sandbox.ID)
		must(t, "fill allowlists", err)
		_, err = db.Exec(ctx(t), `INSERT INTO allowlist_entries (id, allowlist_id, environment_id, match_key, alias, created_at)
			SELECT 'filler-' || g, 'l-1', $1, 'email:filler-' || g || '@example.org', 'filler-' || g, now() - g * interval '1 minute'
			FROM generate_series(1, 50000) AS g`, e.sandbox.ID)
		must(t, "fill allowlist entries", err)
		_, err = db.Exec(ctx(t), `ANALYZE users, verified_credentials, visits, events, webhook_messages, webhook_deliveries,
			allowlist_entries`)
		must(t, "analyze", err)
	}
	lookups, err := ls.Lookups(e.sandbox.ID)
	must(t, "Lookups", err)
	for _, l := range lookups {
		plan := planOf(t, db, l)
		if bad := planScans(l, plan); bad != "" {
			t.Errorf("%s: %q in its plan:\n%s\n%s", l.Name, bad, strings.Join(plan, "\n"), l.SQL)
		}
	}
	if db.Dialect().Name == "sqlite" {
		return
	}
	// Most users have an email, a username and an alias: how many share
	// one the planner must know from statistics, not guess. (Given here,
	// after the scans are checked: with 5,000 users holding words, a
	// search checks each rather than read a trigram index, as it would
	// not at scale.)
	_, err = db.Exec(ctx(t), `UPDATE users SET email = id || '@example.org', username = id, alias = id
		WHERE environment_id = $1 AND id LIKE 'filler-%'`, e.sandbox.ID)
	must(t, "fillers' emails", err)
	_, err = db.Exec(ctx(t), `ANALYZE users`)
	must(t, "analyze", err)
	for _, l := range lookups {
		if !l.One {
			continue
		}
		plan := planOf(t, db, l)
		if bad := manyGuessed(plan); bad != "" {
			t.Errorf("%s: expects more than one user to match, %q in its plan:\n%s\n%s", l.Name, bad, strings.Join(plan, "\n"), l.SQL)
		}
	}
}

// planOf is the lines of l's plan.
func planOf(t *testing.T, db sqlstore.Driver, l sqlstore.Lookup) []string {
	var plan []string
	must(t, "explain "+l.Name, db.Snapshot(ctx(t), func(q sqlstore.Querier) error {
		var err error
		plan, err = explain(t, db.Dialect().Name, q, l)
		return err
	}))
	return plan
}

// pgRows is a PostgreSQL plan line's estimate of its rows.
var pgRows = regexp.MustCompile(` rows=(\d+) `)

// manyGuessed returns the first line of a PostgreSQL plan that expects
// more than a couple of rows, or "".
func manyGuessed(plan []string) string {
	for _, line := range plan {
		if m := pgRows.FindStringSubmatch(line); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > 2 {
				return line
			}
		}
	}
	return ""
}

// explain returns the plan's lines.
func explain(t *testing.T, dialect string, q sqlstore.Querier, l sqlstore.Lookup) ([]string, error) {
	var out []string
	if dialect == "sqlite" {
		rows, err := q.Query(ctx(t), `EXPLAIN QUERY PLAN `+l.SQL, l.Args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return nil, err
			}
			out = append(out, detail)
		}
		return out, rows.Err()
	}
	// An unused index beats a sequential scan only on a large table;
	// priced out, the scan remains only where no index can answer.
	var set string
	if err := q.QueryRow(ctx(t), `SELECT set_config('enable_seqscan', 'off', true)`).Scan(&set); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx(t), `EXPLAIN `+l.SQL, l.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out, rows.Err()
}

var (
	// A table scan: SQLite's "SCAN users" (a scan of a list of
	// parameters, json_each, of the one row of SELECT EXISTS (…) or of a
	// subquery's rows is fine), PostgreSQL's "Seq Scan".
	sqliteScan = regexp.MustCompile(`^SCAN (?:TABLE )?(\w+)`)
	// An index of users, credentials, visits or sanctions checks walked
	// for the whole environment:
	// SQLite's "SEARCH users USING … (environment_id=?)", PostgreSQL's
	// "Index Cond: (environment_id = $1)" under a scan "on users".
	sqliteEnvWalk = regexp.MustCompile(`^SEARCH (users|verified_credentials|c|visits|chainalysis_checks) .*\(environment_id=\?\)$`)
	pgEnvWalk     = regexp.MustCompile(`^Index Cond: \(environment_id = [^()]*\)$`)
	// An allowlist's entries walked whole (SQLite's "SEARCH
	// allowlist_entries USING … (allowlist_id=?)", PostgreSQL's "Index
	// Cond: (allowlist_id = $1)" under a scan on allowlist_entries): a
	// list may hold a million entries.
	sqliteListWalk = regexp.MustCompile(`^SEARCH allowlist_entries .*\(allowlist_id=\?\)$`)
	pgListWalk     = regexp.MustCompile(`^Index Cond: \(allowlist_id = [^()]*\)$`)
	pgScanOn       = regexp.MustCompile(` on (\w+)`)
	// An events index read by a later column only (PostgreSQL walks the
	// whole index, every environment's events): its Index Cond names
	// neither the environment nor the event.
	pgEventsWalk = regexp.MustCompile(`^Index Cond: \((?:created_at|resource_type)`)
	// An FTS5 table read through its index for a MATCH ("INDEX 0:M…");
	// "INDEX 0:" alone reads it whole.
	ftsSearch = regexp.MustCompile(`VIRTUAL TABLE INDEX \d+:\S*M`)
)

// planScans returns the first plan line that reads a whole table or a
// whole environment, or "". An ordered lookup (a page of the unfiltered
// list) may walk the environment in an index's order, stopping at the
// page's end, but not sort it, nor sort the rows of each value of the
// index's first column (SQLite's "USE TEMP B-TREE FOR RIGHT PART OF
// ORDER BY", PostgreSQL's "Incremental Sort"): an order by chain sorts
// nearly all of an environment that way.
func planScans(l sqlstore.Lookup, plan []string) string {
	subqueries := map[string]bool{"json_each": true, "CONSTANT": true}
	scanOn := ""
	for _, line := range plan {
		line = strings.TrimPrefix(line, "->  ")
		if name, ok := strings.CutPrefix(line, "CO-ROUTINE "); ok {
			subqueries[name] = true // its rows, not a table's
		}
		if name, ok := strings.CutPrefix(line, "MATERIALIZE "); ok {
			subqueries[name] = true
		}
		// the table scanned ("Bitmap Index Scan on" names an index: its
		// table is the Bitmap Heap Scan's above it)
		if m := pgScanOn.FindStringSubmatch(line); m != nil && strings.Contains(line, "Scan") && !strings.Contains(line, "Bitmap Index Scan") {
			scanOn = m[1]
		}
		switch m := sqliteScan.FindStringSubmatch(line); {
		case m != nil && !subqueries[m[1]] && !ftsSearch.MatchString(line), strings.Contains(line, "Seq Scan"):
			return line
		case l.Ordered && (strings.HasPrefix(line, "USE TEMP B-TREE FOR ") || strings.HasPrefix(line, "Sort  (") ||
			strings.HasPrefix(line, "Incremental Sort  (")):
			return line
		case l.Ordered:
		case sqliteEnvWalk.MatchString(line), pgEnvWalk.MatchString(line) && (scanOn == "users" || scanOn == "verified_credentials" || scanOn == "visits" || scanOn == "chainalysis_checks"):
			return line
		case pgEventsWalk.MatchString(line) && (scanOn == "events" || scanOn == "sdk_events"):
			return line
		case sqliteListWalk.MatchString(line), pgListWalk.MatchString(line) && scanOn == "allowlist_entries":
			return line
		}
	}
	return ""
}
