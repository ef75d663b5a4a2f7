package dynamicauth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
)

// BenchmarkBulkCreate is the bulk import of the admin API without HTTP:
// requests of 1,000 users (an email and a wallet each, as perf/users
// sends them) in the API's batches, into an environment of
// DYNAMICAUTH_BENCH_USERS users (default 2,000) on a SQLite file
// (synchronous=FULL, as the server runs). It reports users/s and the
// process's CPU time per user while BulkCreate runs (getrusage: on a
// machine shared with other work, the figure to compare) and the bytes
// written per user. Run:
//
//	go test . -run '^$' -bench BulkCreate -benchtime 5x
func BenchmarkBulkCreate(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	app := dynamicauthtest.New(b, func(c *dynamicauth.Config) { c.Store = st })
	env, p := app.IDs.EnvironmentID, app.System
	next := 0
	request := func(n int) []users.NewUser {
		rows := make([]users.NewUser, n)
		for i := range rows {
			next++
			rows[i] = users.NewUser{Email: fmt.Sprintf("import%d@example.com", next),
				Profile: users.ProfilePatch{Alias: ptr("imported")},
				Wallets: []users.NewWallet{{Address: fmt.Sprintf("0x%040x", next+1<<60), Chain: "EVM",
					WalletName: "metamask", WalletProvider: "browserExtension"}}}
		}
		return rows
	}
	pre := 2000
	if v, err := strconv.Atoi(os.Getenv("DYNAMICAUTH_BENCH_USERS")); err == nil {
		pre = v
	}
	for pre > 0 {
		n := min(pre, 1000)
		if _, err := app.Users().BulkCreate(ctx, p, env, request(n), users.BulkOptions{Batch: 1000}); err != nil {
			b.Fatal(err)
		}
		pre -= n
	}
	var cpu time.Duration
	wall0, io0 := time.Now(), written(b)
	created := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		rows := request(1000)
		b.StartTimer()
		cpu0 := cpuTime(b)
		res, err := app.Users().BulkCreate(ctx, p, env, rows, users.BulkOptions{})
		cpu += cpuTime(b) - cpu0
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Failed) > 0 {
			b.Fatalf("%d rows failed, first: %v", len(res.Failed), res.Failed[0].Err)
		}
		created += len(res.Created)
	}
	b.StopTimer()
	b.ReportMetric(float64(created)/time.Since(wall0).Seconds(), "users/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(created), "cpu-µs/user")
	b.ReportMetric(float64(written(b)-io0)/1024/float64(created), "written-KiB/user")
}

// written is how many bytes the process has written so far (wchar of
// /proc/self/io: the WAL frames and the checkpoints' copies).
func written(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no wchar in /proc/self/io")
	return 0
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ptr[T any](v T) *T { return &v }
