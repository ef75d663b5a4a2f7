package main

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/postgres/pgtest"
	"github.com/dynamicauth/dynamicauth/verifier"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// The replicas test runs two `serve` processes on one PostgreSQL database
// and drives them concurrently: what one replica writes, the other must
// honour at once, and races between them are settled by the database.

// postgresTestURL returns a URL on the test database whose connections use
// a fresh schema, dropped when the test ends; without the variable the
// test is skipped.
func postgresTestURL(t *testing.T) string { return pgtest.FreshSchema(t) }

// masterSecretFile writes a new random master secret (base64, as `init`
// writes one) to a private file; it returns the secret and the file.
func masterSecretFile(t *testing.T) (secretB64, file string) {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	secretB64 = base64.StdEncoding.EncodeToString(secret)
	file = filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte(secretB64+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return secretB64, file
}

func TestReplicasPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("replicas test builds and runs the server binary")
	}
	dsn := postgresTestURL(t)
	bin := buildBinary(t)

	secretB64, secretFile := masterSecretFile(t)
	creds := initDB(t, bin, dsn, secretFile)
	env := creds.EnvironmentID

	// Both replicas start at once: migrations and the signing key of the
	// environment are settled in the database.
	var a, b *server
	var wg sync.WaitGroup
	for _, p := range []**server{&a, &b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			*p = startServer(t, bin, dsn, secretFile, "--secret", secretB64, "--rate-limits", "off")
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	c := &replicaClient{t: t, env: env, http: &http.Client{Timeout: 30 * time.Second}}
	defer c.http.CloseIdleConnections()

	t.Run("OneWalletThroughBothAtOnceIsOneUser", func(t *testing.T) {
		c := c.with(t)
		const wallets = 6
		userIDs := map[string]bool{}
		for w := range wallets {
			key, err := crypto.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			msgs := []string{c.message(key, c.nonce(a)), c.message(key, c.nonce(b))}
			results := make([]signInResult, 2)
			var wg sync.WaitGroup
			for i, srv := range []*server{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = c.signIn(srv, key, msgs[i])
				}()
			}
			wg.Wait()
			created := 0
			for i, r := range results {
				if r.status != http.StatusOK {
					t.Fatalf("wallet %d: sign-in through replica %d: status %d: %s", w, i, r.status, r.body)
				}
				if r.NewUser {
					created++
				}
			}
			if results[0].UserID != results[1].UserID {
				t.Errorf("wallet %d: replica A signed in user %s, replica B user %s", w, results[0].UserID, results[1].UserID)
			}
			if created != 1 {
				t.Errorf("wallet %d: %d sign-ins report a new user, want exactly 1", w, created)
			}
			userIDs[results[0].UserID] = true
		}
		st, err := postgres.Open(t.Context(), dsn, postgres.Options{SkipMigrate: true, MaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n, sessions, err := st.CountUsersAndSessions(t.Context(), env)
		if err != nil {
			t.Fatal(err)
		}
		if n != wallets || len(userIDs) != wallets {
			t.Errorf("%d users in the database (%d distinct in the answers) after %d wallets signed in through both replicas, want %d",
				n, len(userIDs), wallets, wallets)
		}
		if sessions != 2*wallets {
			t.Errorf("%d sessions, want %d", sessions, 2*wallets)
		}
	})

	t.Run("NonceReplayedOnBothAcceptedOnce", func(t *testing.T) {
		c := c.with(t)
		for round := range 5 {
			key, err := crypto.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			issuer := []*server{a, b}[round%2]
			msg := c.message(key, c.nonce(issuer))
			results := make([]signInResult, 4)
			var wg sync.WaitGroup
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = c.signIn([]*server{a, b}[i%2], key, msg)
				}()
			}
			wg.Wait()
			ok := 0
			for i, r := range results {
				switch {
				case r.status == http.StatusOK:
					ok++
				case r.status >= 500 || r.status == 0:
					t.Errorf("round %d: replay %d: status %d: %s", round, i, r.status, r.body)
				}
			}
			if ok != 1 {
				t.Errorf("round %d: one nonce accepted %d times across the replicas, want exactly once", round, ok)
			}
		}
	})

	t.Run("RevokedOnOneRefusedByTheOther", func(t *testing.T) {
		c := c.with(t)
		key, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		r := c.signIn(a, key, c.message(key, c.nonce(a)))
		if r.status != http.StatusOK {
			t.Fatalf("sign-in on A: status %d: %s", r.status, r.body)
		}
		if st, body := c.sdkCall(b, http.MethodGet, "users", r.MinifiedJWT); st != http.StatusOK {
			t.Fatalf("GET /users on B with A's token before the revoke: status %d: %s", st, body)
		}
		if st, body := c.sdkCall(a, http.MethodPost, "revoke", r.MinifiedJWT); st != http.StatusNoContent {
			t.Fatalf("revoke on A: status %d: %s", st, body)
		}
		// At once: no wait, no cache to expire.
		if st, body := c.sdkCall(b, http.MethodGet, "users", r.MinifiedJWT); st != http.StatusUnauthorized {
			t.Errorf("GET /users on B right after the revoke on A: status %d, want 401: %s", st, body)
		}
		if st, body := c.sdkCall(b, http.MethodPost, "refresh", r.MinifiedJWT); st != http.StatusUnauthorized {
			t.Errorf("refresh on B right after the revoke on A: status %d, want 401: %s", st, body)
		}
	})

	t.Run("JWTSignedByOneVerifiesThroughTheOthersJWKS", func(t *testing.T) {
		c := c.with(t)
		for i, pair := range [][2]*server{{a, b}, {b, a}} {
			signer, publisher := pair[0], pair[1]
			key, err := crypto.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			r := c.signIn(signer, key, c.message(key, c.nonce(signer)))
			if r.status != http.StatusOK {
				t.Fatalf("pair %d: sign-in: status %d: %s", i, r.status, r.body)
			}
			v, err := verifier.New(verifier.Config{
				JWKSURL:       publisher.base + "/api/v0/sdk/" + env + "/.well-known/jwks",
				EnvironmentID: env,
			})
			if err != nil {
				t.Fatal(err)
			}
			for name, tok := range map[string]string{"jwt": r.JWT, "minifiedJwt": r.MinifiedJWT} {
				if tok == "" {
					continue
				}
				claims, err := v.Verify(t.Context(), tok)
				if err != nil {
					t.Errorf("pair %d: %s signed by one replica, checked against the other's JWKS: %v", i, name, err)
					continue
				}
				if claims.Sub != r.UserID {
					t.Errorf("pair %d: %s sub = %s, want %s", i, name, claims.Sub, r.UserID)
				}
			}
		}
	})
}

// replicaClient speaks the SDK routes the way Dynamic's SDK does.
type replicaClient struct {
	t    *testing.T
	env  string
	http *http.Client
}

func (c *replicaClient) with(t *testing.T) *replicaClient {
	cc := *c
	cc.t = t
	return &cc
}

func (c *replicaClient) do(srv *server, method, path, bearer string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, srv.base+"/api/v0/sdk/"+c.env+"/"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Origin", "http://localhost:3000")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *replicaClient) sdkCall(srv *server, method, path, bearer string) (int, []byte) {
	c.t.Helper()
	var body any
	if method == http.MethodPost {
		body = map[string]any{}
	}
	return c.do(srv, method, path, bearer, body)
}

// nonce asks srv for one sign-in nonce.
func (c *replicaClient) nonce(srv *server) string {
	c.t.Helper()
	st, b := c.do(srv, http.MethodGet, "nonce", "", nil)
	var out struct {
		Nonce string `json:"nonce"`
	}
	if st != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Nonce == "" {
		c.t.Fatalf("GET nonce: status %d: %s", st, b)
	}
	return out.Nonce
}

// message is the EIP-4361 message a wallet signs for this environment.
func (c *replicaClient) message(key *ecdsa.PrivateKey, nonce string) string {
	return fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\n"+
		"Welcome. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		crypto.PubkeyToAddress(key.PublicKey).Hex(), nonce, time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), c.env)
}

type signInResult struct {
	status      int
	body        []byte
	UserID      string
	NewUser     bool
	JWT         string
	MinifiedJWT string
}

// signIn posts msg, signed with key (EIP-191), to srv's /verify.
func (c *replicaClient) signIn(srv *server, key *ecdsa.PrivateKey, msg string) signInResult {
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		return signInResult{body: []byte(err.Error())}
	}
	sig[64] += 27
	st, b := c.do(srv, http.MethodPost, "verify", "", map[string]string{
		"signedMessage": fmt.Sprintf("0x%x", sig), "messageToSign": msg,
		"publicWalletAddress": crypto.PubkeyToAddress(key.PublicKey).Hex(), "chain": "EVM",
		"walletName": "metamask", "walletProvider": "browserExtension", "network": "1",
	})
	r := signInResult{status: st, body: b}
	if st == http.StatusOK {
		var out struct {
			User struct {
				ID      string `json:"id"`
				NewUser bool   `json:"newUser"`
			} `json:"user"`
			JWT         string `json:"jwt"`
			MinifiedJWT string `json:"minifiedJwt"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			r.status = -1
			return r
		}
		r.UserID, r.NewUser, r.JWT, r.MinifiedJWT = out.User.ID, out.User.NewUser, out.JWT, out.MinifiedJWT
	}
	return r
}

// TestReplicasShareRateLimits: the per-IP nonce limit (60 a minute) holds
// across two replicas on one PostgreSQL, not 60 on each.
func TestReplicasShareRateLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("replicas test builds and runs the server binary")
	}
	dsn := postgresTestURL(t)
	bin := buildBinary(t)
	_, secretFile := masterSecretFile(t)
	creds := initDB(t, bin, dsn, secretFile)
	a := startServer(t, bin, dsn, secretFile)
	b := startServer(t, bin, dsn, secretFile)
	c := &replicaClient{t: t, env: creds.EnvironmentID, http: &http.Client{Timeout: 30 * time.Second}}
	defer c.http.CloseIdleConnections()
	ok, limited := 0, 0
	for i := 0; i < 80; i++ {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		switch st, body := c.do(srv, http.MethodGet, "nonce", "", nil); st {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("GET nonce: status %d: %s", st, body)
		}
	}
	// The bucket refills at one a second, so a slow run may earn a few more.
	if ok < 60 || ok > 66 || limited < 14 {
		t.Fatalf("%d granted and %d limited across two replicas, want 60 (+refill) granted", ok, limited)
	}
}
