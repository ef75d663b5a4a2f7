package signin_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/mr-tron/base58"
)

// clock is a settable test clock.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

type fixture struct {
	svc      *signin.Service
	sessions *session.Service
	store    *sqlite.Store
	ids      *tenant.Bootstrap
	clock    *clock
}

func newFixture(t *testing.T) *fixture { t.Helper(); return newFixtureWith(t, nil) }

// newFixtureWith lets tune add dependencies (built on the fixture's store).
func newFixtureWith(t *testing.T, tune func(d *signin.Deps, st *sqlite.Store)) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys, err := secrets.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	c.t.Store(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).UnixNano())
	ids, _, _, err := tenant.NewService(st, keys, c.now).Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signing.NewService(st, keys, signing.ES256, c.now)
	if err != nil {
		t.Fatal(err)
	}
	sessions := session.NewService(st, sig, session.Config{}, c.now)
	d := signin.Deps{Environments: st, Store: st, Links: st, Merges: st, Sessions: sessions, Now: c.now}
	if tune != nil {
		tune(&d, st)
	}
	return &fixture{svc: signin.NewService(d), sessions: sessions, store: st, ids: ids, clock: c}
}

func (f *fixture) nonce(t *testing.T, envID string) string {
	t.Helper()
	n, err := f.svc.IssueNonces(context.Background(), envID, 1)
	if err != nil {
		t.Fatal(err)
	}
	return n[0]
}

type siwe struct {
	domain, address, statement, uri, chainID, nonce, requestID string
	issuedAt                                                   time.Time
}

func (m siwe) String() string {
	s := fmt.Sprintf("%s wants you to sign in with your Ethereum account:\n%s\n\n%s\n\nURI: %s\nVersion: 1\nChain ID: %s\nNonce: %s\nIssued At: %s",
		m.domain, m.address, m.statement, m.uri, m.chainID, m.nonce, m.issuedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
	if m.requestID != "" {
		s += "\nRequest ID: " + m.requestID
	}
	return s
}

func (f *fixture) message(key *ecdsa.PrivateKey, nonce string) siwe {
	return siwe{domain: "localhost:3000", address: crypto.PubkeyToAddress(key.PublicKey).Hex(),
		statement: "Welcome to Test. Signing is the only way we can truly know that you are the owner of the wallet you are connecting.",
		uri:       "http://localhost:3000/", chainID: "1", nonce: nonce, requestID: f.ids.EnvironmentID, issuedAt: f.clock.now()}
}

func personalSign(t *testing.T, key *ecdsa.PrivateKey, msg string) string {
	t.Helper()
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return fmt.Sprintf("0x%x", sig)
}

func (f *fixture) request(address, msg, sig string) signin.WalletRequest {
	return signin.WalletRequest{EnvironmentID: f.ids.EnvironmentID, Chain: "EVM", Address: address, Message: msg,
		Signature: sig, WalletName: "metamask", WalletProvider: "browserExtension", Network: "1",
		Origin: "http://localhost:3000", IssuerHost: "auth.test"}
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestWalletSignInCreatesThenFindsUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := newKey(t)
	m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	res, err := f.svc.WalletSignIn(ctx, f.request(m.address, m.String(), personalSign(t, key, m.String())))
	if err != nil {
		t.Fatal(err)
	}
	if !res.NewUser || len(res.User.Credentials) != 1 {
		t.Fatalf("first sign-in: new=%v creds=%d", res.NewUser, len(res.User.Credentials))
	}
	c := res.User.Credentials[0]
	if c.Chain != "eip155" || c.PublicIdentifier != m.address || c.Address != strings.ToLower(m.address) || c.Format != "blockchain" {
		t.Fatalf("credential %+v", c)
	}
	claims, _, err := f.sessions.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatalf("minified token does not authenticate: %v", err)
	}
	if claims.Sub != res.User.ID || claims.Sid != res.Session.ID || claims.Scope != "user:basic" ||
		claims.Aud != "http://localhost:3000" || claims.Iss != "auth.test/"+f.ids.EnvironmentID ||
		claims.LastVerifiedCredentialID != c.ID || claims.SigninCredentialID != c.ID {
		t.Fatalf("claims %+v", claims)
	}

	// The same wallet again, address in lower case: the same user.
	m2 := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	m2.address = strings.ToLower(m2.address)
	res2, err := f.svc.WalletSignIn(ctx, f.request(m2.address, m2.String(), personalSign(t, key, m2.String())))
	if err != nil {
		t.Fatal(err)
	}
	if res2.NewUser || res2.User.ID != res.User.ID || len(res2.User.Credentials) != 1 || res2.Session.ID == res.Session.ID {
		t.Fatalf("second sign-in: new=%v user=%s creds=%d", res2.NewUser, res2.User.ID, len(res2.User.Credentials))
	}
}

func TestWalletSignInRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := newKey(t)
	other := newKey(t)

	type tc struct {
		name  string
		build func() signin.WalletRequest
		code  string
	}
	signed := func(edit func(*siwe)) signin.WalletRequest {
		m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
		edit(&m)
		return f.request(crypto.PubkeyToAddress(key.PublicKey).Hex(), m.String(), personalSign(t, key, m.String()))
	}
	used := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	usedReq := f.request(used.address, used.String(), personalSign(t, key, used.String()))
	if _, err := f.svc.WalletSignIn(ctx, usedReq); err != nil {
		t.Fatal(err)
	}
	cases := []tc{
		{"replayed nonce", func() signin.WalletRequest { return usedReq }, "other_verify_failure"},
		{"nonce never issued", func() signin.WalletRequest {
			return signed(func(m *siwe) { m.nonce = "a1b2c3d4e5f6a7b8c9d0" })
		}, "other_verify_failure"},
		{"nonce of another environment", func() signin.WalletRequest {
			n := f.nonce(t, f.ids.LiveEnvironmentID)
			return signed(func(m *siwe) { m.nonce = n })
		}, "other_verify_failure"},
		{"wrong domain", func() signin.WalletRequest {
			return signed(func(m *siwe) { m.domain, m.uri = "evil.example", "https://evil.example/" })
		}, "other_verify_failure"},
		{"URI off the domain", func() signin.WalletRequest {
			return signed(func(m *siwe) { m.uri = "https://evil.example/" })
		}, "other_verify_failure"},
		{"wrong chain id", func() signin.WalletRequest { return signed(func(m *siwe) { m.chainID = "5" }) }, "other_verify_failure"},
		{"another environment's request id", func() signin.WalletRequest {
			return signed(func(m *siwe) { m.requestID = f.ids.LiveEnvironmentID })
		}, "other_verify_failure"},
		{"issued too long ago", func() signin.WalletRequest {
			return signed(func(m *siwe) { m.issuedAt = m.issuedAt.Add(-time.Hour) })
		}, "other_verify_failure"},
		{"issued in the future", func() signin.WalletRequest {
			return signed(func(m *siwe) { m.issuedAt = m.issuedAt.Add(time.Hour) })
		}, "other_verify_failure"},
		{"tampered statement", func() signin.WalletRequest {
			r := signed(func(*siwe) {})
			r.Message = strings.Replace(r.Message, "Welcome to Test", "Welcome to Evil", 1)
			return r
		}, "other_verify_failure"},
		{"signature by another key", func() signin.WalletRequest {
			m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
			return f.request(m.address, m.String(), personalSign(t, other, m.String()))
		}, "other_verify_failure"},
		{"address not the message's", func() signin.WalletRequest {
			r := signed(func(*siwe) {})
			r.Address = crypto.PubkeyToAddress(other.PublicKey).Hex()
			return r
		}, "invalid_wallet_address"},
		{"malformed signature", func() signin.WalletRequest {
			r := signed(func(*siwe) {})
			r.Signature = "0xzz"
			return r
		}, "other_verify_failure"},
		{"short signature", func() signin.WalletRequest {
			r := signed(func(*siwe) {})
			r.Signature = r.Signature[:40]
			return r
		}, "other_verify_failure"},
		{"malformed message", func() signin.WalletRequest {
			r := signed(func(*siwe) {})
			r.Message = "hello"
			return r
		}, "other_verify_failure"},
		{"bad session key", func() signin.WalletRequest {
			r := signed(func(*siwe) {})
			r.SessionPublicKey = "02" + strings.Repeat("ff", 32)
			return r
		}, "invalid_session_public_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := c.build()
			_, err := f.svc.WalletSignIn(ctx, req)
			var e *errs.E
			if err == nil || !errorsAs(err, &e) || e.Kind != errs.KindUnprocessable || e.Code != c.code {
				t.Fatalf("want 422 %s, got %v", c.code, err)
			}
		})
	}
	// Nothing half-written: one user, one session, from the one success.
	assertCounts(t, f, 1, 1)
}

func TestWalletSignInExpiredNonce(t *testing.T) {
	f := newFixture(t)
	key := newKey(t)
	n := f.nonce(t, f.ids.EnvironmentID)
	f.clock.advance(24*time.Hour + time.Second)
	m := f.message(key, n)
	_, err := f.svc.WalletSignIn(context.Background(), f.request(m.address, m.String(), personalSign(t, key, m.String())))
	if !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("expired nonce accepted: %v", err)
	}
	assertCounts(t, f, 0, 0)

	// A used nonce is remembered until it expires, then forgotten: it
	// would be refused as expired anyway.
	n = f.nonce(t, f.ids.EnvironmentID)
	m = f.message(key, n)
	req := f.request(m.address, m.String(), personalSign(t, key, m.String()))
	if _, err := f.svc.WalletSignIn(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if purged, err := f.svc.PurgeExpiredNonces(context.Background()); err != nil || purged != 0 {
		t.Fatalf("purge before expiry: %d %v", purged, err)
	}
	f.clock.advance(24*time.Hour + time.Second)
	if purged, err := f.svc.PurgeExpiredNonces(context.Background()); err != nil || purged != 1 {
		t.Fatalf("purge after expiry: %d %v", purged, err)
	}
	if _, err := f.svc.WalletSignIn(context.Background(), req); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("purged nonce replayed: %v", err)
	}
	assertCounts(t, f, 1, 1)
}

func TestWalletSignInConcurrentNonceOneWinner(t *testing.T) {
	f := newFixture(t)
	key := newKey(t)
	m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	req := f.request(m.address, m.String(), personalSign(t, key, m.String()))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.WalletSignIn(context.Background(), req); err == nil {
				wins.Add(1)
			} else if !errs.Is(err, errs.KindUnprocessable) {
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d sign-ins won with one nonce", wins.Load())
	}
	assertCounts(t, f, 1, 1)
}

func TestSolanaSignIn(t *testing.T) {
	f := newFixture(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	addr := base58.Encode(pub)
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Solana account:\n%s\n\nWelcome.\n\nURI: http://localhost:3000/\nVersion: 1\nChain ID: mainnet\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		addr, f.nonce(t, f.ids.EnvironmentID), f.clock.now().UTC().Format(time.RFC3339), f.ids.EnvironmentID)
	sig := base58.Encode(ed25519.Sign(priv, []byte(msg)))
	req := signin.WalletRequest{EnvironmentID: f.ids.EnvironmentID, Chain: "SOL", Address: addr, Message: msg, Signature: sig,
		WalletName: "phantom", WalletProvider: "browserExtension", IssuerHost: "auth.test"}
	res, err := f.svc.WalletSignIn(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.User.Credentials[0]; c.Chain != "solana" || c.Address != addr || c.PublicIdentifier != addr {
		t.Fatalf("credential %+v", c)
	}
	// A different key's signature over a fresh message is refused.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	msg2 := strings.Replace(msg, "Nonce: ", "Nonce: x", 1)
	req.Message, req.Signature = msg2, base58.Encode(ed25519.Sign(other, []byte(msg2)))
	if _, err := f.svc.WalletSignIn(context.Background(), req); !errs.Is(err, errs.KindUnprocessable) {
		t.Fatalf("forged solana signature accepted: %v", err)
	}
}

func TestRefreshAndRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := newKey(t)
	m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	res, err := f.svc.WalletSignIn(ctx, f.request(m.address, m.String(), personalSign(t, key, m.String())))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.advance(time.Hour)
	cur, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := f.svc.Refresh(ctx, cur, nil, "auth.test", "")
	if err != nil {
		t.Fatal(err)
	}
	if ref.Session.ID != res.Session.ID || ref.Tokens.ExpiresAt <= res.Tokens.ExpiresAt {
		t.Fatalf("refresh: sid %s exp %d -> %d", ref.Session.ID, res.Tokens.ExpiresAt, ref.Tokens.ExpiresAt)
	}
	// A token after its expiry is refused even though the session lives on.
	f.clock.advance(time.Hour + time.Minute)
	if _, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("expired token accepted: %v", err)
	}
	cur, err = f.svc.Authenticate(ctx, f.ids.EnvironmentID, ref.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Revoke(ctx, cur); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, ref.Tokens.MinifiedJWT); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("revoked session accepted: %v", err)
	}
	// Tampered and cross-environment tokens are refused.
	tok := ref.Tokens.MinifiedJWT
	parts := strings.Split(tok, ".")
	parts[1] = parts[1][:len(parts[1])-2] + "AA"
	if _, err := f.sessions.Verify(ctx, f.ids.EnvironmentID, strings.Join(parts, ".")); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("tampered token accepted: %v", err)
	}
	if _, err := f.sessions.Verify(ctx, f.ids.LiveEnvironmentID, tok); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("token accepted by another environment: %v", err)
	}
}

func TestRefreshRefusedAfterRefreshLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := newKey(t)
	m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
	res, err := f.svc.WalletSignIn(ctx, f.request(m.address, m.String(), personalSign(t, key, m.String())))
	if err != nil {
		t.Fatal(err)
	}
	tok := res.Tokens.MinifiedJWT
	// Keep refreshing for 30 days; the last refresh is capped and then refused.
	for i := 0; i < 400; i++ {
		f.clock.advance(110 * time.Minute)
		cur, err := f.svc.Authenticate(ctx, f.ids.EnvironmentID, tok)
		if err != nil {
			if f.clock.now().Before(res.Session.RefreshExpiresAt) {
				t.Fatalf("refused before the refresh limit: %v", err)
			}
			return
		}
		ref, err := f.svc.Refresh(ctx, cur, nil, "auth.test", "")
		if err != nil {
			if !errs.Is(err, errs.KindUnauthorized) {
				t.Fatal(err)
			}
			return
		}
		if ref.Tokens.ExpiresAt > res.Session.RefreshExpiresAt.Unix() {
			t.Fatalf("refreshed past refreshExp")
		}
		tok = ref.Tokens.MinifiedJWT
	}
	t.Fatal("session refreshed forever")
}
