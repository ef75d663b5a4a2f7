// Command signin measures wallet sign-in over HTTP against the floor of its
// own work, in one run:
//
//	go run ./perf/signin [-backend sqlite|postgres] [-alg RS256|ES256] [-workers 16] [-duration 10s]
//
// It starts the server in a child process (this program, re-executed with
// -role server) on loopback with a temporary database, rate limits off.
// Workers in this process then run Dynamic's SDK sequence, GET /nonce and
// POST /verify with an EIP-4361 message signed by the wallet, half of them
// as first sign-ins (a new wallet each time), half as repeat sign-ins of
// one wallet. A second phase paces the workers at half the rate reached
// and reports its latency. Last, two floors: the same work in-process
// with nothing around it (SIWE parse, ecrecover, one write transaction on
// the same backend in the same durability mode, the same number of JWT
// signatures with the same algorithm), with the same number of
// goroutines. The first floor's transaction is the sign-in's own (the
// store's CompleteSignIn on a database of its own: the rows, indexes,
// events and counters a wallet sign-in writes); the second's, three rows
// without an index, is the least a sign-in could write. The machine's
// idle CPU share is read from /proc/stat during each phase, and the CPU
// time the server and the load generator spent per sign-in from
// /proc/<pid>/stat: on a shared 2-core machine the generator's share is
// CPU the server did not have. PostgreSQL: -backend postgres with
// -postgres-url or DYNAMICAUTH_TEST_POSTGRES_URL (a throwaway schema is
// made and dropped).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type config struct {
	role, backend, alg, sync, pgURL, db, addr, cpuProfile, waitProfile, memProfile, compare string
	workers, rounds                                                                         int
	duration, warmup                                                                        time.Duration
	omitFullJWT                                                                             bool
}

func main() {
	c, err := parseConfig(os.Args[1:])
	if err == nil {
		err = runRole(context.Background(), c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "signin bench:", err)
		os.Exit(1)
	}
}

func parseConfig(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("signin", flag.ContinueOnError)
	fs.StringVar(&c.role, "role", "bench", "bench, or server (the child process)")
	fs.StringVar(&c.backend, "backend", "sqlite", "sqlite or postgres")
	fs.StringVar(&c.alg, "alg", "RS256", "JWT signing algorithm: RS256 or ES256")
	fs.StringVar(&c.sync, "sqlite-sync", "FULL", "SQLite synchronous mode of server and floor")
	fs.StringVar(&c.pgURL, "postgres-url", os.Getenv("DYNAMICAUTH_TEST_POSTGRES_URL"), "PostgreSQL URL for -backend postgres")
	fs.IntVar(&c.workers, "workers", 16, "concurrent clients (and floor goroutines)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load before the first phase")
	fs.BoolVar(&c.omitFullJWT, "omit-full-jwt", false, "server and floor issue only the minified JWT (one signature)")
	fs.StringVar(&c.cpuProfile, "server-cpuprofile", "", "write the server's CPU profile of the full-rate phase to this file")
	fs.StringVar(&c.memProfile, "server-memprofile", "", "write the server's allocations during the full-rate phase to this file (go tool pprof -sample_index=alloc_space)")
	fs.StringVar(&c.waitProfile, "server-waitprofile", "", "record the server's block and mutex profiles of the full-rate phase to PREFIX.block.pprof and PREFIX.mutex.pprof")
	fs.StringVar(&c.compare, "compare", "", "another build of this program (e.g. of main): run its server and this one's side by side under the same load, -rounds phases, and print each one's CPU per sign-in")
	fs.IntVar(&c.rounds, "rounds", 5, "(-compare) measured phases")
	fs.StringVar(&c.db, "db", "", "(server role) database file or URL")
	fs.StringVar(&c.addr, "addr", "", "(server role) listen address")
	return c, fs.Parse(args)
}

func runRole(ctx context.Context, c config) error {
	if c.role == "server" {
		return serve(ctx, c)
	}
	return bench(ctx, c, os.Stdout)
}

func bench(ctx context.Context, c config, out io.Writer) error {
	if c.compare != "" {
		return compare(ctx, c, out)
	}
	db, cleanup, err := tempDatabase(ctx, c)
	if err != nil {
		return err
	}
	defer cleanup()
	srv, err := startServer(ctx, c, db)
	if err != nil {
		return err
	}
	defer srv.stop()

	ld := newLoad(srv.base, srv.env, c.workers)
	ld.run(ctx, c.warmup, 0)
	if err := analyzeDatabase(ctx, c, db); err != nil {
		return err
	}
	if c.cpuProfile != "" || c.waitProfile != "" || c.memProfile != "" {
		srv.profile(true)
	}
	idle, cpu, pg := startIdle(), startCPU(srv.cmd.Process.Pid), startDB(ctx, c, db)
	full := ld.run(ctx, c.duration, 0)
	full.idle, full.cpu = idle.share(), cpu.used()
	full.db, full.dbOK = pg.used(ctx)
	if c.cpuProfile != "" || c.waitProfile != "" || c.memProfile != "" {
		srv.profile(false)
	}
	idle, cpu, pg = startIdle(), startCPU(srv.cmd.Process.Pid), startDB(ctx, c, db)
	half := ld.run(ctx, c.duration, full.rate()/2)
	half.idle, half.cpu = idle.share(), cpu.used()
	half.db, half.dbOK = pg.used(ctx)
	srv.stop()

	bare, err := runFloor(ctx, c, db, false)
	if err != nil {
		return err
	}
	own, err := runFloor(ctx, c, db, true)
	if err != nil {
		return err
	}

	tokens := 2
	if c.omitFullJWT {
		tokens = 1
	}
	fmt.Fprintf(out, "backend %s, %s, %d JWT signature(s) per sign-in, sqlite sync %s, %d workers, %s per phase, GOMAXPROCS %d\n",
		c.backend, c.alg, tokens, c.sync, c.workers, c.duration, numCPU())
	fmt.Fprintf(out, "%-28s %10s %9s %9s %7s %6s %14s %14s %14s\n", "phase", "signins/s", "p50 ms", "p99 ms", "errors", "idle",
		"server ms CPU", "client ms CPU", "db ms CPU")
	for _, r := range []struct {
		name string
		res  result
	}{{"http full rate", full}, {fmt.Sprintf("http at %.0f/s (half)", full.rate()/2), half},
		{"floor, sign-in transaction", own}, {"floor, three bare rows", bare}} {
		server, client := r.res.cpu.server, r.res.cpu.self
		if strings.HasPrefix(r.name, "floor") {
			server, client = client, 0
		}
		fmt.Fprintf(out, "%-28s %10.0f %9.1f %9.1f %7d %5.0f%% %14.2f %14.2f %14s\n", r.name, r.res.rate(), ms(r.res.quantile(0.5)),
			ms(r.res.quantile(0.99)), r.res.errors, 100*r.res.idle, perSignIn(server, r.res.n), perSignIn(client, r.res.n),
			dbCPU(r.res))
	}
	fmt.Fprintf(out, "ratio http / floor: %.2f against the sign-in transaction's, %.2f against three bare rows' (first sign-ins %d, repeats %d); "+
		"CPU per sign-in, floor / server: %.2f, %.2f; load average %s\n",
		full.rate()/own.rate(), full.rate()/bare.rate(), full.first, full.repeat,
		perSignIn(own.cpu.self, own.n)/perSignIn(full.cpu.server, full.n),
		perSignIn(bare.cpu.self, bare.n)/perSignIn(full.cpu.server, full.n), loadAverage())
	if full.errors > 0 {
		fmt.Fprintf(out, "first error: %s\n", full.firstErr)
	}
	return nil
}

// runFloor measures one floor (see newFloor) for the phase's length,
// after a warm-up as long as the server's (and, on PostgreSQL, the same
// ANALYZE).
func runFloor(ctx context.Context, c config, db string, store bool) (result, error) {
	fl, db, err := newFloor(ctx, c, db, store)
	if err != nil {
		return result{}, err
	}
	defer fl.close()
	if store {
		if r := fl.run(ctx, c.workers, c.warmup); r.errors > 0 {
			return result{}, fmt.Errorf("floor warm-up: %s", r.firstErr)
		}
		if err := analyzeDatabase(ctx, c, db); err != nil {
			return result{}, err
		}
	}
	idle, cpu, pg := startIdle(), startCPU(0), startDB(ctx, c, db)
	r := fl.run(ctx, c.workers, c.duration)
	r.idle, r.cpu = idle.share(), cpu.used()
	r.db, r.dbOK = pg.used(ctx)
	return r, nil
}

// perSignIn is CPU milliseconds per completed sign-in.
func perSignIn(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return ms(d) / float64(n)
}

// startDB meters PostgreSQL's backends of the run's database (nothing
// on SQLite, whose work is in the server's process).
func startDB(ctx context.Context, c config, db string) *pgMeter {
	if c.backend != "postgres" {
		return &pgMeter{}
	}
	return startPG(ctx, c.pgURL, db)
}

// dbCPU is PostgreSQL's CPU milliseconds per sign-in, "-" where unread.
func dbCPU(r result) string {
	if !r.dbOK {
		return "-"
	}
	return fmt.Sprintf("%.2f", perSignIn(r.db, r.n))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
