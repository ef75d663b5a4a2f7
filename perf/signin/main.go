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
// and reports its latency. Last, the floor: the same work in-process with
// nothing around it (SIWE parse, ecrecover, one write transaction on the
// same backend in the same durability mode, the same number of JWT
// signatures with the same algorithm), with the same number of
// goroutines. The machine's idle CPU share is read from /proc/stat during
// each phase. PostgreSQL: -backend postgres with -postgres-url or
// DYNAMICAUTH_TEST_POSTGRES_URL (a throwaway schema is made and dropped).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
)

type config struct {
	role, backend, alg, sync, pgURL, db, addr, cpuProfile string
	workers                                               int
	duration, warmup                                      time.Duration
	omitFullJWT                                           bool
}

func main() {
	var c config
	flag.StringVar(&c.role, "role", "bench", "bench, or server (the child process)")
	flag.StringVar(&c.backend, "backend", "sqlite", "sqlite or postgres")
	flag.StringVar(&c.alg, "alg", "RS256", "JWT signing algorithm: RS256 or ES256")
	flag.StringVar(&c.sync, "sqlite-sync", "FULL", "SQLite synchronous mode of server and floor")
	flag.StringVar(&c.pgURL, "postgres-url", os.Getenv("DYNAMICAUTH_TEST_POSTGRES_URL"), "PostgreSQL URL for -backend postgres")
	flag.IntVar(&c.workers, "workers", 16, "concurrent clients (and floor goroutines)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of each measured phase")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load before the first phase")
	flag.BoolVar(&c.omitFullJWT, "omit-full-jwt", false, "server and floor issue only the minified JWT (one signature)")
	flag.StringVar(&c.cpuProfile, "server-cpuprofile", "", "write the server's CPU profile of the full-rate phase to this file")
	flag.StringVar(&c.db, "db", "", "(server role) database file or URL")
	flag.StringVar(&c.addr, "addr", "", "(server role) listen address")
	flag.Parse()
	ctx := context.Background()
	var err error
	if c.role == "server" {
		err = serve(ctx, c)
	} else {
		err = bench(ctx, c)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "signin bench:", err)
		os.Exit(1)
	}
}

func bench(ctx context.Context, c config) error {
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
	if c.cpuProfile != "" {
		srv.profile(true)
	}
	idle := startIdle()
	full := ld.run(ctx, c.duration, 0)
	full.idle = idle.share()
	if c.cpuProfile != "" {
		srv.profile(false)
	}
	idle = startIdle()
	half := ld.run(ctx, c.duration, full.rate()/2)
	half.idle = idle.share()
	srv.stop()

	fl, err := newFloor(ctx, c, db)
	if err != nil {
		return err
	}
	defer fl.close()
	idle = startIdle()
	floor := fl.run(ctx, c.workers, c.duration)
	floor.idle = idle.share()

	tokens := 2
	if c.omitFullJWT {
		tokens = 1
	}
	fmt.Printf("backend %s, %s, %d JWT signature(s) per sign-in, sqlite sync %s, %d workers, %s per phase, GOMAXPROCS %d\n",
		c.backend, c.alg, tokens, c.sync, c.workers, c.duration, numCPU())
	fmt.Printf("%-26s %10s %9s %9s %9s %6s\n", "phase", "signins/s", "p50 ms", "p99 ms", "errors", "idle")
	for _, r := range []struct {
		name string
		res  result
	}{{"http full rate", full}, {fmt.Sprintf("http at %.0f/s (half)", full.rate()/2), half}, {"in-process floor", floor}} {
		fmt.Printf("%-26s %10.0f %9.1f %9.1f %9d %5.0f%%\n", r.name, r.res.rate(), ms(r.res.quantile(0.5)),
			ms(r.res.quantile(0.99)), r.res.errors, 100*r.res.idle)
	}
	fmt.Printf("ratio http / floor: %.2f (first sign-ins %d, repeats %d)\n", full.rate()/floor.rate(), full.first, full.repeat)
	if full.errors > 0 {
		fmt.Printf("first error: %s\n", full.firstErr)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
