package main

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
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynamicauth/dynamicauth/wallets"
	"github.com/ethereum/go-ethereum/accounts"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/go-jose/go-jose/v4"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"
)

// floor is a sign-in's own work with nothing around it: parse the SIWE
// message, recover its signer, commit one transaction on the same backend
// and durability mode, marshal the claims once and sign them as many times
// as the server does, with the same algorithm. Its transaction is the
// sign-in's own (the store's, openStoreFloor) or, the bare floor, three
// rows without an index (a nonce, a user, a session: openSQLite, openPostgres).
type floor struct {
	msgs   []signed
	commit func(ctx context.Context, worker int, id int64) error
	close  func()
	signer jose.Signer
	tokens int
	next   atomic.Int64 // the bare floor's keys, unique across its phases
}

type signed struct {
	text string
	hash []byte
	sig  []byte
}

// newFloor makes the floor of the server that ran on db: with store, the
// store's transaction on a database of its own (whose name it returns,
// to meter); otherwise the bare one's, beside db.
func newFloor(ctx context.Context, c config, db string, store bool) (*floor, string, error) {
	f := &floor{tokens: 2}
	if c.omitFullJWT {
		f.tokens = 1
	}
	// Signed messages are made beforehand: a wallet signs, not the server.
	for i := range 256 {
		key, _ := ethcrypto.GenerateKey()
		text := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\nWelcome.\n\n"+
			"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: floorNonce%08d\nIssued At: %s\nRequest ID: env",
			ethcrypto.PubkeyToAddress(key.PublicKey).Hex(), i, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
		hash := accounts.TextHash([]byte(text))
		sig, err := ethcrypto.Sign(hash, key)
		if err != nil {
			return nil, "", err
		}
		f.msgs = append(f.msgs, signed{text, hash, sig})
	}
	var key crypto.Signer
	var err error
	if c.alg == "RS256" {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, "", err
	}
	if f.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(c.alg), Key: key}, nil); err != nil {
		return nil, "", err
	}
	switch {
	case store:
		db, err = f.openStoreFloor(ctx, c, db)
	case c.backend == "postgres":
		err = f.openPostgres(ctx, db)
	default:
		err = f.openSQLite(ctx, filepath.Join(filepath.Dir(db), "floor.db"), c.sync)
	}
	if err != nil && f.close != nil {
		f.close()
	}
	return f, db, err
}

const floorSchema = `CREATE TABLE floor_nonces (nonce TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
CREATE TABLE floor_users (id TEXT PRIMARY KEY, environment_id TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE floor_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_at TEXT NOT NULL)`

var floorWrites = []string{`INSERT INTO floor_nonces VALUES ($1, $2)`, `INSERT INTO floor_users VALUES ($1, 'env', $2)`,
	`INSERT INTO floor_sessions VALUES ($1, $1, $2)`}

func (f *floor) openSQLite(ctx context.Context, path, sync string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous("+sync+
		")&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1) // SQLite has one writer, as the server's store
	f.close = func() { db.Close() }
	for _, stmt := range strings.Split(floorSchema, ";") {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	f.commit = func(ctx context.Context, _ int, id int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // after Commit a no-op
		key, now := fmt.Sprint(id), time.Now().UTC().Format(time.RFC3339Nano)
		for _, q := range floorWrites {
			if _, err := tx.ExecContext(ctx, q, key, now); err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	return nil
}

func (f *floor) openPostgres(ctx context.Context, dsn string) error {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	f.close = pool.Close
	if _, err := pool.Exec(ctx, floorSchema); err != nil {
		return err
	}
	f.commit = func(ctx context.Context, _ int, id int64) error {
		// The floor's writes go as one batch: a transaction's least round trips.
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			key, now := fmt.Sprint(id), time.Now().UTC().Format(time.RFC3339Nano)
			b := &pgx.Batch{}
			for _, q := range floorWrites {
				b.Queue(q, key, now)
			}
			return tx.SendBatch(ctx, b).Close()
		})
	}
	return nil
}

// run does the floor's work in n goroutines for d.
func (f *floor) run(ctx context.Context, n int, d time.Duration) result {
	var mu sync.Mutex
	var total result
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r result
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := f.once(ctx, w, f.next.Add(1)); err != nil {
					r.errors++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					continue
				}
				r.n++
				r.lat = append(r.lat, time.Since(t0))
			}
			mu.Lock()
			total.merge(&r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}

func (f *floor) once(ctx context.Context, w int, id int64) error {
	m := f.msgs[id%int64(len(f.msgs))]
	if _, err := wallets.ParseSIWE(m.text); err != nil {
		return err
	}
	if _, err := ethcrypto.Ecrecover(m.hash, m.sig); err != nil {
		return err
	}
	if err := f.commit(ctx, w, id); err != nil {
		return err
	}
	payload, err := json.Marshal(map[string]any{"sub": "user", "sid": fmt.Sprint(id), "environment_id": "env",
		"iss": "localhost/env", "iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Hour).Unix()})
	if err != nil {
		return err
	}
	for range f.tokens {
		if _, err := f.signer.Sign(payload); err != nil {
			return err
		}
	}
	return nil
}
