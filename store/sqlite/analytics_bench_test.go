package sqlite_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/analytics"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var (
	analyticsSessions = flag.Int("analytics-sessions", 1_000_000, "sign-ins BenchmarkAnalytics spreads over 2025")
	analyticsUsers    = flag.Int("analytics-users", 100_000, "users BenchmarkAnalytics signs in")
	analyticsDB       = flag.String("analytics-db", "", "database file BenchmarkAnalytics seeds if missing and reuses if present (migrated on open)")
)

// anyEnv lets every caller read every environment: the benchmark times the
// reports, not the access check.
type anyEnv struct{}

func (anyEnv) GetEnvironment(context.Context, *tenant.Principal, string, tenant.Scope) (*tenant.Environment, error) {
	return &tenant.Environment{}, nil
}

// seedYear writes a year of history straight into the tables (through the
// rollup triggers, as sign-ins do): users created over 2025 with a wallet
// each, sessions spread evenly over 2025 from those users with five user
// agents, and a visit for every fifth sign-in. The connection's page cache
// is 1 GB: with SQLite's default 2 MB the triggers' index reads went to
// the OS page by page, and a million users with four million sign-ins
// took over 45 minutes to seed instead of 12.
func seedYear(b *testing.B, path, env string, sessions, nusers int) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=cache_size(-1000000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	year := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	ts := func(expr string) string {
		return fmt.Sprintf(`strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', %d + (%s), 'unixepoch')`, year, expr)
	}
	seq := func(n int) string {
		return fmt.Sprintf(`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) `, n-1)
	}
	stmts := []string{
		seq(nusers) + `INSERT INTO users (id, environment_id, created_at, last_visit_at)
			SELECT printf('u%08d', i), '` + env + `', ` + ts(fmt.Sprintf("i * 31536000 / %d", nusers)) + `, ` + ts("0") + ` FROM seq`,
		seq(nusers) + `INSERT INTO verified_credentials (id, environment_id, user_id, format, chain, address, public_identifier,
				wallet_name, verified_at, created_at)
			SELECT printf('c%08d', i), '` + env + `', printf('u%08d', i), 'blockchain', 'eip155', printf('0x%040d', i), printf('0x%040d', i),
				CASE i % 4 WHEN 0 THEN 'metamask' WHEN 1 THEN 'phantom' WHEN 2 THEN 'coinbase' ELSE 'rainbow' END,
				` + ts("0") + `, ` + ts(fmt.Sprintf("i * 31536000 / %d", nusers)) + ` FROM seq`,
		seq(sessions) + `INSERT INTO sessions (id, environment_id, user_id, signin_credential_id, user_agent, created_at, expires_at,
				refresh_expires_at)
			SELECT printf('s%09d', i), '` + env + `', printf('u%08d', (i * 7919) % ` + fmt.Sprint(nusers) + `),
				printf('c%08d', (i * 7919) % ` + fmt.Sprint(nusers) + `),
				CASE i % 5 WHEN 0 THEN 'Mozilla/5.0 (iPhone)' WHEN 1 THEN 'Mozilla/5.0 (Windows NT 10.0)' WHEN 2 THEN 'Mozilla/5.0 (Macintosh)'
					WHEN 3 THEN 'Mozilla/5.0 (Linux; Android 14)' ELSE '' END,
				` + ts(fmt.Sprintf("CAST(i AS real) * 31536000 / %d", sessions)) + `, ` + ts("0") + `, ` + ts("0") + ` FROM seq`,
		seq(sessions/5) + `INSERT INTO visits (id, environment_id, wallet_address, chain, created_at)
			SELECT printf('v%09d', i), '` + env + `', printf('0x%040d', (i * 7919) % ` + fmt.Sprint(nusers) + `), 'EVM',
				` + ts(fmt.Sprintf("CAST(i AS real) * 31536000 / %d", sessions/5)) + ` FROM seq`,
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
}

// seedFile creates the database at path with one environment and seeds a
// year of history in it; it returns the environment.
func seedFile(b *testing.B, ctx context.Context, path string) string {
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := secrets.New(make([]byte, 32))
	ids, _, _, err := tenant.NewService(st, keys, nil).Init(ctx)
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	start := time.Now()
	seedYear(b, path, ids.EnvironmentID, *analyticsSessions, *analyticsUsers)
	b.Logf("seeded %d sign-ins, %d users in %v", *analyticsSessions, *analyticsUsers, time.Since(start).Round(time.Second))
	return ids.EnvironmentID
}

// seededEnv is the environment of a database seedFile made.
func seededEnv(b *testing.B, path string) string {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var env string
	if err := db.QueryRow(`SELECT environment_id FROM users LIMIT 1`).Scan(&env); err != nil {
		b.Fatal(err)
	}
	return env
}

// BenchmarkAnalytics answers the Analytics group's reports over a year of
// history (by default a million sign-ins of 100,000 users and 200,000
// visits in 2025) for the last 30 days of the year (ending mid-day, so
// the edges are read from the tables) and for the whole year. Run:
//
//	go test ./store/sqlite -run '^$' -bench Analytics -benchtime 5x
//
// (-analytics-db FILE keeps the seeded history for the next run.)
func BenchmarkAnalytics(b *testing.B) {
	ctx := context.Background()
	path, env := *analyticsDB, ""
	if path == "" {
		path = filepath.Join(b.TempDir(), "db")
	}
	if _, err := os.Stat(path); err == nil {
		env = seededEnv(b, path)
	} else {
		env = seedFile(b, ctx, path)
	}
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	svc := analytics.New(st, anyEnv{}, nil)
	end := time.Date(2025, 12, 31, 15, 4, 5, 0, time.UTC)
	ranges := map[string]analytics.Range{
		"30d":  {Start: end.Add(-30 * 24 * time.Hour), End: end},
		"year": {Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	reports := []struct {
		name string
		run  func(analytics.Range) error
	}{
		{"topline", func(r analytics.Range) error { _, err := svc.Topline(ctx, nil, env, r); return err }},
		{"overview-day", func(r analytics.Range) error { _, err := svc.Overview(ctx, nil, env, r, analytics.Day); return err }},
		{"overview-week", func(r analytics.Range) error { _, err := svc.Overview(ctx, nil, env, r, analytics.Week); return err }},
		{"overview-month", func(r analytics.Range) error { _, err := svc.Overview(ctx, nil, env, r, analytics.Month); return err }},
		{"engagement", func(r analytics.Range) error { _, err := svc.Engagement(ctx, nil, env, r); return err }},
		{"walletsBreakdown", func(r analytics.Range) error { _, err := svc.WalletsBreakdown(ctx, nil, env, "", r); return err }},
		{"visits", func(r analytics.Range) error { _, err := svc.Visits(ctx, nil, env, r); return err }},
		{"wallets", func(r analytics.Range) error { _, err := svc.Wallets(ctx, nil, env, r); return err }},
		// statistics/visitors has no range: all time and the 30 days to
		// the range's end.
		{"statistics-visitors", func(r analytics.Range) error {
			_, err := st.VisitorStats(ctx, env, r.End.AddDate(0, 0, -30))
			return err
		}},
	}
	for _, rn := range []string{"30d", "year"} {
		for _, rep := range reports {
			b.Run(rep.name+"/"+rn, func(b *testing.B) {
				for range b.N {
					if err := rep.run(ranges[rn]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
