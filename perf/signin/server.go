package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/ratelimit"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/jackc/pgx/v5"
)

// serve is the child process: the server as cmd/dynamicauth runs it
// (facade, metrics on, rate limits off), on loopback. It prints its
// addresses and environment as one JSON line, then serves until killed.
func serve(ctx context.Context, c config) error {
	if c.waitProfile != "" {
		// Record every blocking event and every contended mutex: the
		// bookkeeping costs CPU, so only when asked.
		runtime.SetBlockProfileRate(1)
		runtime.SetMutexProfileFraction(1)
	}
	if c.backend == "sqlite" && c.alg == "RS256" {
		sqlite.RaiseProcs() // as cmd/dynamicauth serve does
	}
	m := metrics.New()
	auth, env, closeAll, err := newAuth(ctx, c, c.db, m)
	if err != nil {
		return err
	}
	defer closeAll()
	api, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	obs, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go http.Serve(obs, m.Handler(true)) //nolint:errcheck // dies with the process
	line, _ := json.Marshal(map[string]string{"api": api.Addr().String(), "metrics": obs.Addr().String(), "env": env})
	fmt.Println(string(line))
	return (&http.Server{Handler: auth.Handler(), ReadHeaderTimeout: 10 * time.Second}).Serve(api)
}

// newAuth builds and starts the server as serve runs it, on the database
// db, and bootstraps its environment.
func newAuth(ctx context.Context, c config, db string, m *metrics.Metrics) (*dynamicauth.Auth, string, func(), error) {
	st, err := openStore(ctx, c, db, m)
	if err != nil {
		return nil, "", nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	policy := ratelimit.DefaultPolicy()
	policy.Disabled = true
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: secret, SigningAlgorithm: c.alg,
		PublicHost: "localhost", RateLimits: &policy, Metrics: m, Sessions: session.Config{OmitFullJWT: c.omitFullJWT}})
	if err == nil {
		var ids *dynamicauth.IDs
		if ids, _, err = auth.Bootstrap(ctx); err == nil {
			if err = auth.Start(ctx); err == nil {
				return auth, ids.EnvironmentID, func() { auth.Close(); st.Close() }, nil
			}
		}
	}
	st.Close()
	return nil, "", nil, err
}

func openStore(ctx context.Context, c config, db string, m *metrics.Metrics) (store.Store, error) {
	if c.backend == "postgres" {
		return postgres.Open(ctx, db, postgres.Options{Observer: m})
	}
	return sqlite.Open(ctx, db, sqlite.Options{Synchronous: c.sync, Observer: m})
}

// childEnv marks the re-executed server process.
const childEnv = "DYNAMICAUTH_SIGNIN_BENCH_CHILD"

// child is the running server process.
type child struct {
	cmd                *exec.Cmd
	base, metrics, env string
	profileDone        chan struct{}
	cpuProfile         string
	waitProfile        string
	memProfile         string
	phase              time.Duration
}

func startServer(ctx context.Context, c config, db string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startServerOf(ctx, exe, c, db)
}

// startServerOf starts exe (this program, or another build of it) as the
// server.
func startServerOf(ctx context.Context, exe string, c config, db string) (*child, error) {
	cmd := exec.CommandContext(ctx, exe, "-role", "server", "-backend", c.backend, "-alg", c.alg, "-sqlite-sync", c.sync,
		"-db", db, fmt.Sprintf("-omit-full-jwt=%t", c.omitFullJWT), "-server-waitprofile", c.waitProfile)
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), childEnv+"=1") // lets a test binary act as the server
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var addrs struct{ API, Metrics, Env string }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err == nil {
		err = json.Unmarshal([]byte(line), &addrs)
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("server did not start: %w", err)
	}
	go io.Copy(io.Discard, out) //nolint:errcheck
	return &child{cmd: cmd, base: "http://" + addrs.API, metrics: "http://" + addrs.Metrics, env: addrs.Env,
		cpuProfile: c.cpuProfile, waitProfile: c.waitProfile, memProfile: c.memProfile, phase: c.duration}, nil
}

// profile starts (on) or waits for (off) the server's profiles of the
// full-rate phase, taken through its pprof endpoints for the length of the
// phase: CPU, allocations, and with -server-waitprofile where goroutines blocked
// (channels, selects, sync, I/O waits of database/sql) and which mutexes
// were contended.
func (s *child) profile(on bool) {
	if !on {
		if s.profileDone != nil {
			<-s.profileDone
		}
		return
	}
	want := map[string]string{}
	if s.cpuProfile != "" {
		want["profile"] = s.cpuProfile
	}
	if s.memProfile != "" {
		want["allocs"] = s.memProfile // what was allocated during the phase
	}
	if s.waitProfile != "" {
		want["block"], want["mutex"] = s.waitProfile+".block.pprof", s.waitProfile+".mutex.pprof"
		want["trace"] = s.waitProfile + ".trace" // go tool trace -pprof=sched: time runnable goroutines waited for a CPU
	}
	s.profileDone = make(chan struct{})
	var wg sync.WaitGroup
	for kind, file := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.fetchProfile(kind, file); err != nil {
				fmt.Fprintln(os.Stderr, "profile:", err)
			}
		}()
	}
	go func() { wg.Wait(); close(s.profileDone) }()
}

// fetchProfile writes the server's profile kind over the phase to file.
func (s *child) fetchProfile(kind, file string) error {
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", s.metrics, kind, int(s.phase.Seconds())))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s profile: %s", kind, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

func (s *child) stop() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// tempDatabase names an empty database for the run: a file in a temporary
// directory, or a throwaway schema of the PostgreSQL database.
func tempDatabase(ctx context.Context, c config) (string, func(), error) {
	if c.backend == "sqlite" {
		dir, err := os.MkdirTemp("", "signin-bench-")
		if err != nil {
			return "", nil, err
		}
		return filepath.Join(dir, "auth.db"), func() { os.RemoveAll(dir) }, nil
	}
	if c.pgURL == "" {
		return "", nil, fmt.Errorf("-backend postgres needs -postgres-url or DYNAMICAUTH_TEST_POSTGRES_URL")
	}
	schema := fmt.Sprintf("signin_bench_%d", time.Now().UnixNano())
	if err := pgExec(ctx, c.pgURL, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(c.pgURL)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // pgMeter finds the run's backends by it
	u.RawQuery = q.Encode()
	return u.String(), func() { _ = pgExec(context.Background(), c.pgURL, "DROP SCHEMA "+schema+" CASCADE") }, nil
}

// analyzeDatabase gives PostgreSQL the statistics of the warmed-up
// database, as autovacuum does within a minute of a deployment's first
// writes: planned on tables that never had any, the credential lookup of
// every sign-in picks an index on (environment, format) and walks every
// credential of the environment, a cost that grows through the run and is
// no running server's. SQLite plans without statistics: nothing to do.
func analyzeDatabase(ctx context.Context, c config, db string) error {
	if c.backend != "postgres" {
		return nil
	}
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		return err
	}
	_, err = conn.Exec(ctx, "ANALYZE "+strings.Join(tables, ", "))
	return err
}

func pgExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
