// Command users measures the admin API of end users at scale: it builds an
// environment of N users with a wallet each directly in the database (one
// INSERT … SELECT per 100,000 rows, not the API), then times, over HTTP on
// loopback, each admin lookup (p50/p95) and bulk imports through
// POST /users/bulk (users/s as the table grows, the imports alone), and
// the sign-in of a known wallet while more imports run against an idle
// server.
//
//	go run ./perf/users [-backend sqlite|postgres] [-users 1000000] [-samples 200] [-imports 10] [-busy-imports 3]
//	    [-db FILE | -postgres-schema NAME] [-only REGEXP] [-lookups-cpuprofile FILE]
//
// -users defaults to DYNAMICAUTH_BENCH_USERS, else 10,000. With -db the
// SQLite database is that file, kept after the run: a second run finds
// the users already there and only adds the missing ones (a million takes
// minutes to build), and its imports go on from the users it finds;
// -postgres-schema does the same on PostgreSQL. -imports 0 skips the
// imports (and the sign-ins timed with them); -only times the lookups
// whose names match.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

type config struct {
	backend, pgURL, pgSchema, sync string
	dbFile                         string
	users, samples                 int
	imports, busyImports           int
	budget                         time.Duration
	cpuProfile                     string
	lookupProfile                  string
	only                           *regexp.Regexp
}

func main() {
	c, err := parseConfig(os.Args[1:])
	if err == nil {
		err = bench(context.Background(), c, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "users bench:", err)
		os.Exit(1)
	}
}

func parseConfig(args []string) (config, error) {
	var c config
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("DYNAMICAUTH_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	fs.StringVar(&c.backend, "backend", "sqlite", "sqlite or postgres")
	fs.StringVar(&c.pgURL, "postgres-url", os.Getenv("DYNAMICAUTH_TEST_POSTGRES_URL"), "PostgreSQL URL for -backend postgres")
	fs.StringVar(&c.pgSchema, "postgres-schema", "", "PostgreSQL schema to build once and reuse (kept after the run; default a throwaway one)")
	fs.StringVar(&c.sync, "sqlite-sync", "FULL", "SQLite synchronous mode")
	fs.StringVar(&c.dbFile, "db", "", "SQLite database file to build once and reuse (kept after the run)")
	fs.IntVar(&c.users, "users", n, "users in the environment before the measurements (env DYNAMICAUTH_BENCH_USERS)")
	fs.IntVar(&c.samples, "samples", 200, "requests per lookup")
	fs.IntVar(&c.imports, "imports", 10, "bulk requests of 1,000 users each, alone")
	fs.IntVar(&c.busyImports, "busy-imports", 3, "bulk requests of 1,000 users each while a client signs in")
	fs.DurationVar(&c.budget, "budget", 5*time.Second, "at most this long per lookup (fewer samples when slow)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the imports to this file")
	fs.StringVar(&c.lookupProfile, "lookups-cpuprofile", "", "write a CPU profile of the lookups to this file")
	only := fs.String("only", "", "time only the lookups whose name matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.backend != "sqlite" && c.backend != "postgres" {
		return c, fmt.Errorf("-backend: sqlite or postgres, not %q", c.backend)
	}
	var err error
	if c.only, err = regexp.Compile(*only); err != nil {
		return c, fmt.Errorf("-only: %w", err)
	}
	return c, nil
}

func bench(ctx context.Context, c config, out io.Writer) error {
	env, err := newEnvironment(ctx, c)
	if err != nil {
		return err
	}
	defer env.close()
	start := time.Now()
	env.users = c.users
	have, err := env.generated(ctx)
	if err != nil {
		return err
	}
	// Generated users are 1..n; a reused database may hold more (imports).
	if err := env.fill(ctx, have+1, c.users); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	fill := time.Since(start)
	fmt.Fprintf(out, "%s, %d users with a wallet each, built in %.1f s (%.0f users/s)\n\n", c.backend, c.users,
		fill.Seconds(), float64(max(0, c.users-have))/fill.Seconds())
	if err := timeLookups(ctx, env, c, out); err != nil {
		return err
	}
	if c.imports == 0 {
		return nil
	}
	stop, err := profile(c.cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	return env.imports(ctx, c, out)
}

// timeLookups times each lookup c.only selects, p50 and p95 to out.
func timeLookups(ctx context.Context, env *environment, c config, out io.Writer) error {
	stop, err := profile(c.lookupProfile)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(out, "| lookup | samples | p50 ms | p95 ms |")
	fmt.Fprintln(out, "|---|---|---|---|")
	for _, l := range env.lookups(c.users) {
		if !c.only.MatchString(l.name) {
			continue
		}
		samples := c.samples
		if strings.HasSuffix(l.name, "(the first request)") {
			samples = 1
		}
		r, err := env.time(ctx, l, samples, c.budget)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		fmt.Fprintf(out, "| %s | %d | %.2f | %.2f |\n", l.name, len(r), ms(quantile(r, .5)), ms(quantile(r, .95)))
	}
	fmt.Fprintln(out)
	return nil
}

// profile starts a CPU profile into file ("": none) and returns its stop.
func profile(file string) (func(), error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
