package sqlite_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// BenchmarkCompleteSignIn is the store's share of a wallet sign-in: the
// one transaction (nonce, user, credential, session, events, the user
// read back), one at a time, with synchronous=NORMAL (no disk flush per
// commit; DYNAMICAUTH_BENCH_SYNC=FULL for one). It runs on the single
// writer, so its time bounds the rate of sign-ins. It also reports the
// pages one sign-in's commit appends to the WAL (walPages): each is two
// pwrites at the commit and a write at the next checkpoint. Run:
//
//	go test ./store/sqlite -run '^$' -bench CompleteSignIn -benchmem
func BenchmarkCompleteSignIn(b *testing.B) {
	for _, kind := range []string{"first", "repeat"} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "db")
			st, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: benchSync()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			keys, _ := secrets.New(make([]byte, 32))
			seed, _, _, err := tenant.NewService(st, keys, nil).Init(ctx)
			if err != nil {
				b.Fatal(err)
			}
			env := seed.EnvironmentID
			minter := signin.NewNonceMinter(make([]byte, 32))
			wallet := benchWallet(env)
			write := func() *signin.Write {
				now := time.Now().UTC().Truncate(time.Millisecond)
				nonce, err := minter.Issue(env, now.Add(time.Hour))
				if err != nil {
					b.Fatal(err)
				}
				c := wallet
				if kind == "first" {
					c = benchWallet(env)
				}
				c.ID, c.VerifiedAt, c.CreatedAt = ids.New(), now, now
				return &signin.Write{EnvironmentID: env, Nonces: []string{nonce}, Now: now, Credential: c,
					NewUserID: ids.New(), Events: []signin.Event{{Name: events.UserCreated, OnlyIfNew: true},
						{Name: events.WalletLinked, OnlyIfNew: true}, {Name: events.SessionCreated}},
					Session: &session.Session{ID: ids.New(), EnvironmentID: env, IPAddress: "203.0.113.7",
						UserAgent: "bench", CreatedAt: now, ExpiresAt: now.Add(time.Hour), RefreshExpiresAt: now.Add(24 * time.Hour)}}
			}
			if _, _, err := st.CompleteSignIn(ctx, write()); err != nil { // the repeat's wallet exists
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				w := write()
				b.StartTimer()
				if _, _, err := st.CompleteSignIn(ctx, w); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if pages, ok := walPagesPerCommit(b, path+"-wal"); ok {
				b.ReportMetric(pages, "walPages/op")
			}
		})
	}
}

func benchSync() string {
	if v := os.Getenv("DYNAMICAUTH_BENCH_SYNC"); v != "" {
		return v
	}
	return "NORMAL"
}

func benchWallet(env string) users.Credential {
	raw := make([]byte, 20)
	_, _ = rand.Read(raw)
	stored, display := users.NormalizeAddress(users.ChainEIP155, "0x"+hex.EncodeToString(raw))
	return users.Credential{EnvironmentID: env, Format: users.FormatBlockchain, Chain: users.ChainEIP155, Address: stored,
		PublicIdentifier: display, WalletName: "metamask", WalletProvider: "browserExtension", SignInEnabled: true}
}

// walPagesPerCommit reads the WAL's frames since its last restart (those
// with the header's salt) and gives the pages per commit among them; ok
// is false with fewer than ten commits there (the background checkpoint
// had just restarted the log).
func walPagesPerCommit(b *testing.B, wal string) (float64, bool) {
	log, err := os.ReadFile(wal)
	if err != nil || len(log) < 32 {
		return 0, false
	}
	const frameHeader = 24
	pageSize := int(binary.BigEndian.Uint32(log[8:12]))
	salt := log[16:24]
	frames, commits := 0, 0
	for off := 32; off+frameHeader+pageSize <= len(log); off += frameHeader + pageSize {
		h := log[off : off+frameHeader]
		if string(h[8:16]) != string(salt) {
			break
		}
		frames++
		if binary.BigEndian.Uint32(h[4:8]) != 0 { // the database size, set in a commit's last frame
			commits++
		}
	}
	if commits < 10 {
		return 0, false
	}
	return float64(frames) / float64(commits), true
}
