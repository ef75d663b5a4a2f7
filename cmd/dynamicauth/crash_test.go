package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// The crash test drives the real binary: it seeds a database, loads the
// server with concurrent writes, SIGKILLs it mid-load and checks that every
// write the server acknowledged survived. Everything backend-specific sits
// in the verify callback and the --db string, so a PostgreSQL variant only
// needs a DSN and its own verify.

const (
	crashWriters   = 8
	crashMinAcked  = 200
	crashLoadLimit = 60 * time.Second
)

func TestCrashSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and runs the server binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	runCrashTest(t, bin, db, filepath.Join(dir, "secret"), func(t *testing.T, creds crashCreds, acked []string) {
		ctx := t.Context()
		st, err := sqlite.Open(ctx, db, sqlite.Options{})
		if err != nil {
			t.Fatalf("open the database after the crash: %v", err)
		}
		defer st.Close()
		res, err := st.IntegrityCheck(ctx)
		if err != nil {
			t.Fatalf("IntegrityCheck: %v", err)
		}
		if res != "ok" {
			t.Fatalf("IntegrityCheck after SIGKILL = %q, want ok", res)
		}
		lost := 0
		for _, id := range acked {
			u, err := st.GetUser(ctx, id)
			if err != nil {
				lost++
				if lost <= 5 {
					t.Errorf("acknowledged user %s: %v", id, err)
				}
				continue
			}
			if u.EnvironmentID != creds.EnvironmentID {
				t.Errorf("user %s belongs to %s, want %s", id, u.EnvironmentID, creds.EnvironmentID)
			}
		}
		if lost > 0 {
			t.Fatalf("%d of %d acknowledged users lost", lost, len(acked))
		}
	})
}

// TestCrashPostgres is the crash test on PostgreSQL: the server process is
// SIGKILLed under load; every acknowledged write must be in the database
// (read back through store/postgres) and listed by a restarted server.
func TestCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and runs the server binary")
	}
	dsn := postgresTestURL(t) // skips without DYNAMICAUTH_TEST_POSTGRES_URL
	bin := buildBinary(t)
	runCrashTest(t, bin, dsn, filepath.Join(t.TempDir(), "secret"), func(t *testing.T, creds crashCreds, acked []string) {
		ctx := t.Context()
		st, err := postgres.Open(ctx, dsn, postgres.Options{SkipMigrate: true})
		if err != nil {
			t.Fatalf("open the database after the crash: %v", err)
		}
		defer st.Close()
		lost := 0
		for _, id := range acked {
			u, err := st.GetUser(ctx, id)
			if err != nil {
				lost++
				if lost <= 5 {
					t.Errorf("acknowledged user %s: %v", id, err)
				}
				continue
			}
			if u.EnvironmentID != creds.EnvironmentID {
				t.Errorf("user %s belongs to %s, want %s", id, u.EnvironmentID, creds.EnvironmentID)
			}
		}
		if lost > 0 {
			t.Fatalf("%d of %d acknowledged users lost", lost, len(acked))
		}
	})
}

// crashCreds is what `init --json` prints.
type crashCreds struct {
	OrganizationID    string `json:"organizationId"`
	ProjectID         string `json:"projectId"`
	EnvironmentID     string `json:"environmentId"`
	LiveEnvironmentID string `json:"liveEnvironmentId"`
	APIToken          string `json:"apiToken"`
}

// runCrashTest seeds db, loads a server on it, kills it, runs verify on the
// acknowledged ids of users created through the admin API (uncapped, unlike
// origins), then restarts the server and checks that the API serves them all.
func runCrashTest(t *testing.T, bin, db, secretFile string, verify func(t *testing.T, creds crashCreds, acked []string)) {
	creds := initDB(t, bin, db, secretFile)
	srv := startServer(t, bin, db, secretFile)

	var (
		mu       sync.Mutex
		acked    []string
		nAcked   atomic.Int64
		killed   atomic.Bool
		failures = make(chan error, crashWriters)
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashWriters}}
	defer client.CloseIdleConnections()
	url := srv.base + "/api/v0/environments/" + creds.EnvironmentID + "/users"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for w := range crashWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				body := fmt.Sprintf(`{"email":"w%d-%d@example.com"}`, w, n)
				id, status, err := postUser(ctx, client, url, creds.APIToken, body)
				switch {
				case killed.Load() || ctx.Err() != nil:
					if err == nil && status == http.StatusOK {
						// Answered before the kill landed: acknowledged all the same.
						mu.Lock()
						acked = append(acked, id)
						mu.Unlock()
						continue
					}
					return
				case err != nil:
					failures <- fmt.Errorf("writer %d, write %d before the kill: %w", w, n, err)
					return
				case status != http.StatusOK:
					failures <- fmt.Errorf("writer %d, write %d: status %d, want 200", w, n, status)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				nAcked.Add(1)
			}
		}()
	}

	deadline := time.NewTimer(crashLoadLimit)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for nAcked.Load() < crashMinAcked {
		select {
		case err := <-failures:
			killed.Store(true)
			srv.kill()
			cancel()
			wg.Wait()
			t.Fatalf("%v\nserver output:\n%s", err, srv.output())
		case <-srv.exited:
			break wait
		case <-deadline.C:
			killed.Store(true)
			srv.kill()
			cancel()
			wg.Wait()
			t.Fatalf("only %d writes acknowledged after %v (want %d)", nAcked.Load(), crashLoadLimit, crashMinAcked)
		case <-tick.C:
		}
	}
	select {
	case <-srv.exited:
		t.Fatalf("server exited on its own during the load: %v\n%s", srv.exitErr, srv.output())
	default:
	}

	killed.Store(true)
	srv.kill() // SIGKILL mid-load: writers are still sending
	wg.Wait()  // they stop on their connection errors
	cancel()
	select {
	case err := <-failures:
		t.Fatalf("%v\nserver output:\n%s", err, srv.output())
	default:
	}
	mu.Lock()
	ids := append([]string(nil), acked...)
	mu.Unlock()
	if len(ids) < crashMinAcked {
		t.Fatalf("%d acknowledged writes, want at least %d", len(ids), crashMinAcked)
	}
	t.Logf("%d writes acknowledged before SIGKILL", len(ids))

	verify(t, creds, ids)
	if t.Failed() {
		return
	}

	// The restarted server serves them all.
	srv2 := startServer(t, bin, db, secretFile)
	missing := 0
	for _, id := range ids {
		if status := getUser(t, client, srv2.base, creds, id); status != http.StatusOK {
			if missing++; missing <= 5 {
				t.Errorf("acknowledged user %s: the restarted server answers %d", id, status)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged users missing from the restarted server", missing, len(ids))
	}
}

func postUser(ctx context.Context, c *http.Client, url, token, body string) (id string, status int, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", 0, err // a 200 whose body was cut off is not an acknowledgement
	}
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, nil
	}
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.User.ID == "" {
		return "", resp.StatusCode, fmt.Errorf("200 with an unreadable body %q: %v", b, err)
	}
	return out.User.ID, resp.StatusCode, nil
}

// getUser is the status of GET users/{id} on the server at base.
func getUser(t *testing.T, c *http.Client, base string, creds crashCreds, id string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/v0/environments/"+creds.EnvironmentID+"/users/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+creds.APIToken)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("get user %s: %v", id, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// buildBinary builds this command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	// go test puts its own GOROOT/bin first in the test's PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go tool in PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "dynamicauth")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	cmd.Dir = "." // the package directory: go test runs there
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// initDB runs `init --json` against db and returns the credentials.
func initDB(t *testing.T, bin, db, secretFile string) crashCreds {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "init", "--db", db, "--secret-file", secretFile, "--json")
	cmd.Env = cleanEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr.String())
	}
	var c crashCreds
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		t.Fatalf("init --json printed %q: %v", stdout.String(), err)
	}
	if c.EnvironmentID == "" || c.APIToken == "" {
		t.Fatalf("init --json printed %q: missing environmentId or apiToken", stdout.String())
	}
	return c
}

// server is one running server process.
type server struct {
	cmd     *exec.Cmd
	base    string
	out     *lockedBuffer
	exited  chan struct{} // closed once the process has been reaped
	exitErr error
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

func (s *server) output() string { return s.out.String() }

// startServer starts `serve --db db` on a free loopback port and waits for
// GET /healthz to answer 200. The process is killed when the test ends.
// extra flags are appended to the command line.
func startServer(t *testing.T, bin, db, secretFile string, extra ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	out := &lockedBuffer{}
	args := append([]string{"serve", "--db", db, "--secret-file", secretFile, "--addr", addr, "--log-level", "warn"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, out: out, exited: make(chan struct{})}
	go func() {
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.kill)

	c := &http.Client{Timeout: 2 * time.Second}
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get(s.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("server exited before it was healthy: %v\n%s", s.exitErr, s.output())
		case <-time.After(25 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy on %s after 20s (last error %v)\n%s", addr, err, s.output())
		}
	}
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cleanEnv is the environment minus DYNAMICAUTH_* settings that could
// redirect the child processes.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DYNAMICAUTH_") {
			env = append(env, kv)
		}
	}
	return env
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
