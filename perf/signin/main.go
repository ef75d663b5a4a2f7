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
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

type config struct {
	role, backend, alg, sync, pgURL, db, addr, cpuProfile, waitProfile, memProfile, clientProfile, floorProfile, compare, generator string
	workers, rounds                                                                                                                 int
	duration, warmup                                                                                                                time.Duration
	omitFullJWT                                                                                                                     bool
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
	fs.StringVar(&c.generator, "generator", "conn", "how the load generator's workers send: conn (each its own connection, read and written by the worker) or transport (net/http's client)")
	fs.IntVar(&c.workers, "workers", 16, "concurrent clients (and floor goroutines)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load before the first phase")
	fs.BoolVar(&c.omitFullJWT, "omit-full-jwt", false, "server and floor issue only the minified JWT (one signature)")
	fs.StringVar(&c.cpuProfile, "server-cpuprofile", "", "write the server's CPU profile of the full-rate phase to this file")
	fs.StringVar(&c.clientProfile, "client-cpuprofile", "", "write the load generator's CPU profile of the first full-rate phase to this file")
	fs.StringVar(&c.floorProfile, "floor-cpuprofile", "", "write the CPU profile of the first phase of the sign-in transaction's floor to this file")
	fs.StringVar(&c.memProfile, "server-memprofile", "", "write the server's allocations during the full-rate phase to this file (go tool pprof -sample_index=alloc_space)")
	fs.StringVar(&c.waitProfile, "server-waitprofile", "", "record the server's block and mutex profiles of the full-rate phase to PREFIX.block.pprof and PREFIX.mutex.pprof")
	fs.StringVar(&c.compare, "compare", "", "another build of this program (e.g. of main): run its server and this one's side by side under the same load, -rounds phases, and print each one's CPU per sign-in")
	fs.IntVar(&c.rounds, "rounds", 3, "rounds of phases: HTTP then the floors (with -compare, phases of the two servers)")
	fs.StringVar(&c.db, "db", "", "(server role) database file or URL")
	fs.StringVar(&c.addr, "addr", "", "(server role) listen address")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.generator != "conn" && c.generator != "transport" {
		return c, fmt.Errorf("-generator: conn or transport, not %q", c.generator)
	}
	return c, nil
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

	ld := newLoad(c, srv.base, srv.env, c.workers)
	ld.run(ctx, c.warmup, 0)
	if err := analyzeDatabase(ctx, c, db); err != nil {
		return err
	}
	own, err := openFloor(ctx, c, db, true)
	if err != nil {
		return err
	}
	defer own.close()
	bare, err := openFloor(ctx, c, db, false)
	if err != nil {
		return err
	}
	defer bare.close()

	// The phases alternate, HTTP then the floors, round after round: on a
	// shared machine the load of other processes comes and goes, and a
	// ratio of two phases minutes apart says more about it than about
	// the server.
	profiled := c.cpuProfile != "" || c.waitProfile != "" || c.memProfile != ""
	var rounds []round
	var half result
	for i := range max(1, c.rounds) {
		var r round
		if profiled && i == 0 {
			srv.profile(true)
		}
		stopClient := cpuProfile(c.clientProfile, i)
		r.full = measureHTTP(ctx, c, srv, ld, db, 0)
		stopClient()
		srv.profile(false) // waits for the profile, if one was taken
		if i == 0 {
			half = measureHTTP(ctx, c, srv, ld, db, r.full.rate()/2)
		}
		stopFloor := cpuProfile(c.floorProfile, i)
		r.own = own.measure(ctx, c)
		stopFloor()
		r.bare = bare.measure(ctx, c)
		rounds = append(rounds, r)
	}
	report(out, c, rounds, half)
	return nil
}

// cpuProfile starts this process's CPU profile into path in round i, if
// a path is given and i is the first; it returns what stops it.
func cpuProfile(path string, i int) func() {
	if path == "" || i > 0 {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// round is one full-rate HTTP phase and the two floors' right after it.
type round struct{ full, own, bare result }

func measureHTTP(ctx context.Context, c config, srv *child, ld *load, db string, rate float64) result {
	return metered(ctx, c, srv.cmd.Process.Pid, db, func() result { return ld.run(ctx, c.duration, rate) })
}

// metered runs one phase and reads the meters around it: the machine's
// idle share, the CPU of the process pid (0: none besides this one) and
// of the database's backends serving db.
func metered(ctx context.Context, c config, pid int, db string, run func() result) result {
	idle, cpu, pg := startIdle(), startCPU(pid), startDB(ctx, c, db)
	r := run()
	r.idle, r.cpu = idle.share(), cpu.used()
	r.db, r.dbOK = pg.used(ctx)
	return r
}

// meteredFloor is a floor and the database its phases are metered on.
type meteredFloor struct {
	*floor
	db string
}

// openFloor opens one floor (see newFloor) and, for the sign-in
// transaction's, warms it up as long as the server (on PostgreSQL, with
// the same ANALYZE).
func openFloor(ctx context.Context, c config, db string, store bool) (*meteredFloor, error) {
	fl, db, err := newFloor(ctx, c, db, store)
	if err != nil {
		return nil, err
	}
	if store {
		if r := fl.run(ctx, c.workers, c.warmup); r.errors > 0 {
			fl.close()
			return nil, fmt.Errorf("floor warm-up: %s", r.firstErr)
		}
		if err := analyzeDatabase(ctx, c, db); err != nil {
			fl.close()
			return nil, err
		}
	}
	return &meteredFloor{fl, db}, nil
}

func (f *meteredFloor) measure(ctx context.Context, c config) result {
	return metered(ctx, c, 0, f.db, func() result { return f.run(ctx, c.workers, c.duration) })
}

// report prints every phase, each round's ratios and their medians.
func report(out io.Writer, c config, rounds []round, half result) {
	tokens := 2
	if c.omitFullJWT {
		tokens = 1
	}
	fmt.Fprintf(out, "backend %s, %s, %d JWT signature(s) per sign-in, sqlite sync %s, %d workers, %s per phase, %d round(s), GOMAXPROCS %d\n",
		c.backend, c.alg, tokens, c.sync, c.workers, c.duration, len(rounds), numCPU())
	fmt.Fprintf(out, "%-31s %10s %9s %9s %7s %6s %14s %14s %14s\n", "phase", "signins/s", "p50 ms", "p99 ms", "errors", "idle",
		"server ms CPU", "client ms CPU", "db ms CPU")
	row := func(name string, r result, floor bool) {
		server, client := r.cpu.server, r.cpu.self
		if floor {
			server, client = client, 0
		}
		fmt.Fprintf(out, "%-31s %10.0f %9.1f %9.1f %7d %5.0f%% %14.2f %14.2f %14s\n", name, r.rate(), ms(r.quantile(0.5)),
			ms(r.quantile(0.99)), r.errors, 100*r.idle, perSignIn(server, r.n), perSignIn(client, r.n), dbCPU(r))
	}
	var toOwn, toBare, cpuOwn []float64
	for i, r := range rounds {
		row(fmt.Sprintf("%d: http full rate", i+1), r.full, false)
		if i == 0 {
			row(fmt.Sprintf("1: http at %.0f/s (half)", r.full.rate()/2), half, false)
		}
		row(fmt.Sprintf("%d: floor, sign-in transaction", i+1), r.own, true)
		row(fmt.Sprintf("%d: floor, three bare rows", i+1), r.bare, true)
		toOwn, toBare = append(toOwn, r.full.rate()/r.own.rate()), append(toBare, r.full.rate()/r.bare.rate())
		cpuOwn = append(cpuOwn, perSignIn(r.own.cpu.self, r.own.n)/perSignIn(r.full.cpu.server, r.full.n))
		if r.full.errors > 0 {
			fmt.Fprintf(out, "first error: %s\n", r.full.firstErr)
		}
	}
	fmt.Fprintf(out, "ratio http / floor, median of %d round(s): %.2f against the sign-in transaction's (%s), %.2f against three bare rows' (%s); "+
		"CPU per sign-in, floor / server: %.2f (%s); load average %s\n",
		len(rounds), median(toOwn), list(toOwn), median(toBare), list(toBare), median(cpuOwn), list(cpuOwn), loadAverage())
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func list(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
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
