package signin_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/ethereum/go-ethereum/accounts"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/go-jose/go-jose/v4"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

// The sign-in benchmarks compare the full wallet sign-in (parse, checks,
// ecrecover, one store transaction, two JWT signatures) with the floor of
// its primitives measured the same way in the same run: one ecrecover, one
// write transaction on the same backend and one JWT signature. Run:
//
//	go test ./signin -run '^$' -bench . -benchtime 2s
//
// With DYNAMICAUTH_TEST_POSTGRES_URL set, the same pairs run on PostgreSQL.

type benchEnv struct {
	svc   *signin.Service
	ids   *tenant.Bootstrap
	store store.Store
}

// openBenchStore opens an empty store of the named backend.
func openBenchStore(b *testing.B, backend string) store.Store {
	b.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	switch backend {
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(b.TempDir(), "db"), sqlite.Options{Synchronous: benchSync})
	case "postgres":
		st, err = postgres.Open(ctx, benchPostgresSchema(b), postgres.Options{})
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// benchPostgresSchema makes a throwaway schema in the test database and
// returns a URL whose connections use it.
func benchPostgresSchema(b *testing.B) string {
	b.Helper()
	base := os.Getenv("DYNAMICAUTH_TEST_POSTGRES_URL")
	ctx := context.Background()
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func benchBackends() []string {
	if os.Getenv("DYNAMICAUTH_TEST_POSTGRES_URL") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

func newBenchEnv(b *testing.B, backend, alg string, cfg session.Config) *benchEnv {
	b.Helper()
	ctx := context.Background()
	st := openBenchStore(b, backend)
	keys, _ := secrets.New(make([]byte, 32))
	ids, _, _, err := tenant.NewService(st, keys, nil).Init(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sig, err := signing.NewService(st, keys, alg, nil)
	if err != nil {
		b.Fatal(err)
	}
	// The environment's signing key is made here, not by the first timed
	// sign-ins (an RSA key takes 50-500 ms to generate).
	if _, err := sig.Active(ctx, ids.EnvironmentID); err != nil {
		b.Fatal(err)
	}
	sessions := session.NewService(st, sig, cfg, nil)
	return &benchEnv{svc: signin.NewService(signin.Deps{Environments: st, Store: st, Links: st, Merges: st, Sessions: sessions}), ids: ids, store: st}
}

// requests pre-signs n sign-ins by distinct wallets (setup, not timed).
func (e *benchEnv) requests(b *testing.B, n int) []signin.WalletRequest {
	b.Helper()
	out := make([]signin.WalletRequest, 0, n)
	for len(out) < n {
		batch := min(n-len(out), signin.MaxNoncesPerCall)
		nonces, err := e.svc.IssueNonces(context.Background(), e.ids.EnvironmentID, batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, nonce := range nonces {
			key, _ := ethcrypto.GenerateKey()
			addr := ethcrypto.PubkeyToAddress(key.PublicKey).Hex()
			msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\nWelcome to Bench.\n\nURI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
				addr, nonce, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), e.ids.EnvironmentID)
			sig, _ := ethcrypto.Sign(accounts.TextHash([]byte(msg)), key)
			sig[64] += 27
			out = append(out, signin.WalletRequest{EnvironmentID: e.ids.EnvironmentID, Chain: "EVM", Address: addr,
				Message: msg, Signature: fmt.Sprintf("0x%x", sig), WalletName: "metamask", WalletProvider: "browserExtension",
				Network: "1", Origin: "http://localhost:3000", IssuerHost: "bench"})
		}
	}
	return out
}

func benchmarkSignIn(b *testing.B, backend, alg string, cfg session.Config) {
	e := newBenchEnv(b, backend, alg, cfg)
	reqs := e.requests(b, b.N)
	var next atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := reqs[next.Add(1)-1]
			if _, err := e.svc.WalletSignIn(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// floor runs the primitives of one sign-in: ecrecover, one write
// transaction of comparable size on the backend, one JWT signature.
func benchmarkFloor(b *testing.B, backend, alg string) {
	commit := floorTransaction(b, backend)
	key, _ := ethcrypto.GenerateKey()
	hash := accounts.TextHash([]byte("floor message"))
	sig, _ := ethcrypto.Sign(hash, key)
	signer := floorSigner(b, alg)
	payload, _ := json.Marshal(map[string]any{"sub": "user", "sid": "session", "exp": time.Now().Unix()})
	var n atomic.Int64
	b.SetParallelism(benchParallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ethcrypto.Ecrecover(hash, sig); err != nil {
				b.Error(err)
				return
			}
			if err := commit(n.Add(1)); err != nil {
				b.Error(err)
				return
			}
			if _, err := signer.Sign(payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signins/s")
}

// floorTransaction returns a function that commits one single-row insert
// in its own transaction on the backend.
func floorTransaction(b *testing.B, backend string) func(id int64) error {
	b.Helper()
	ctx := context.Background()
	if backend == "postgres" {
		pool, err := pgxpool.New(ctx, benchPostgresSchema(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		if _, err := pool.Exec(ctx, `CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		return func(id int64) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, id, "x")
				return err
			})
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "floor.db")+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous("+benchSync+")&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	return func(id int64) error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO t (id, v) VALUES (?, ?)`, id, "x"); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
}

func floorSigner(b *testing.B, alg string) jose.Signer {
	var key crypto.Signer
	var err error
	switch alg {
	case signing.RS256:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		b.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkWalletSignIn(b *testing.B) {
	for _, backend := range benchBackends() {
		for _, alg := range []string{signing.RS256, signing.ES256} {
			name := backend + "/" + alg
			b.Run(name+"/full", func(b *testing.B) { benchmarkSignIn(b, backend, alg, session.Config{}) })
			b.Run(name+"/minified-only", func(b *testing.B) {
				benchmarkSignIn(b, backend, alg, session.Config{OmitFullJWT: true})
			})
			b.Run(name+"/floor", func(b *testing.B) { benchmarkFloor(b, backend, alg) })
		}
	}
}

// benchParallelism times GOMAXPROCS goroutines run each benchmark, as
// concurrent requests would on a server.
const benchParallelism = 16

// benchSync is the SQLite synchronous mode of both sides; set
// DYNAMICAUTH_BENCH_SYNC=FULL to include a disk flush per commit.
var benchSync = func() string {
	if v := os.Getenv("DYNAMICAUTH_BENCH_SYNC"); v != "" {
		return v
	}
	return "NORMAL"
}()
