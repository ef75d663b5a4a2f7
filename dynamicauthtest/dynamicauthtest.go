// Package dynamicauthtest is a kit for testing applications that embed
// dynamicauth: New gives a seeded app on an in-memory SQLite store that is
// cleaned up with the test, and SignInWallet signs a fresh wallet in
// through the same HTTP route Dynamic's SDK uses.
//
//	func TestProtectedRoute(t *testing.T) {
//		app := dynamicauthtest.New(t)
//		v, _ := app.Verifier(app.IDs.EnvironmentID)
//		h := v.Middleware(myHandler)
//		s := dynamicauthtest.SignInWallet(t, app)
//		req := httptest.NewRequest("GET", "/me", nil)
//		req.Header.Set("Authorization", "Bearer "+s.MinifiedJWT)
//		…
//	}
package dynamicauthtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// App is a seeded dynamicauth on a throwaway store.
type App struct {
	*dynamicauth.Auth
	// IDs are the seeded organization, project and environments; sign-ins
	// go to IDs.EnvironmentID (the sandbox, which trusts localhost).
	IDs *dynamicauth.IDs
	// System acts as the organization's owner in Go API calls.
	System *dynamicauth.Principal
	// Origin is the site the test's sign-ins come from: the Origin header
	// and the signed message's domain and URI. The sandbox accepts
	// localhost and loopback addresses without any origin configured.
	Origin string
	// OwnerToken is the owner API token, for the admin HTTP API; empty
	// when Wrap found the database seeded already.
	OwnerToken string
	now        func() time.Time
}

// Option changes the Config New builds the app from (hooks, a clock, a
// store of the test's own, …).
type Option func(*dynamicauth.Config)

// New builds a seeded app on a fresh in-memory SQLite database, closed
// when the test ends, unless an option sets Config.Store (the caller
// then owns that store).
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	// Test auth systems (externaljwttest) publish their keys on loopback.
	cfg := dynamicauth.Config{MasterSecret: bytes.Repeat([]byte{7}, 32), ExternalJWT: externaljwt.Deps{AllowPrivate: true},
		SocialAllowPrivate: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Store == nil {
		st, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{})
		if err != nil {
			t.Fatalf("dynamicauthtest: open store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.Store = st
	}
	auth, err := dynamicauth.New(cfg)
	if err != nil {
		t.Fatalf("dynamicauthtest: %v", err)
	}
	app := Wrap(t, auth)
	if cfg.Now != nil {
		app.now = cfg.Now
	}
	return app
}

// Wrap is the kit around an Auth the application built itself (with its
// own hooks and store): it bootstraps it and signs wallets in through it.
func Wrap(t testing.TB, auth *dynamicauth.Auth) *App {
	t.Helper()
	ids, token, err := auth.Bootstrap(context.Background())
	if err != nil {
		t.Fatalf("dynamicauthtest: bootstrap: %v", err)
	}
	return &App{Auth: auth, IDs: ids, System: dynamicauth.System(ids.OrganizationID), OwnerToken: token, Origin: "http://localhost:3000", now: time.Now}
}

// Wallet is an EVM key that signs Sign-In with Ethereum messages.
type Wallet struct {
	Key     *ecdsa.PrivateKey
	Address string // EIP-55
}

// NewWallet makes a random wallet.
func NewWallet(t testing.TB) *Wallet {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &Wallet{Key: k, Address: crypto.PubkeyToAddress(k.PublicKey).Hex()}
}

// SignedIn is a completed sign-in: the tokens /verify returned.
type SignedIn struct {
	Wallet      *Wallet
	UserID      string
	NewUser     bool
	JWT         string // the full token
	MinifiedJWT string // what backends verify
}

// SignInWallet signs a new wallet in to the sandbox environment and fails
// the test if that does not succeed.
func SignInWallet(t testing.TB, app *App) *SignedIn {
	t.Helper()
	return app.SignIn(t, NewWallet(t))
}

// SignIn signs w in (creating its user the first time) and fails the
// test unless /verify answers 200.
func (app *App) SignIn(t testing.TB, w *Wallet) *SignedIn {
	t.Helper()
	status, body := app.TrySignIn(t, w)
	if status != http.StatusOK {
		t.Fatalf("dynamicauthtest: sign-in answered %d: %s", status, body)
	}
	var res struct {
		JWT         string `json:"jwt"`
		MinifiedJWT string `json:"minifiedJwt"`
		User        struct {
			ID      string `json:"id"`
			NewUser bool   `json:"newUser"`
		} `json:"user"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("dynamicauthtest: sign-in response: %v", err)
	}
	return &SignedIn{Wallet: w, UserID: res.User.ID, NewUser: res.User.NewUser, JWT: res.JWT, MinifiedJWT: res.MinifiedJWT}
}

// TrySignIn runs a wallet sign-in through POST /sdk/{env}/verify and
// returns the status and body as the SDK would see them, so a test can
// check a refusal.
func (app *App) TrySignIn(t testing.TB, w *Wallet) (int, []byte) {
	t.Helper()
	base := "/api/v0/sdk/" + app.IDs.EnvironmentID
	status, body := app.Do(t, "GET", base+"/nonce", "", nil)
	var n struct{ Nonce string }
	if status != http.StatusOK || json.Unmarshal(body, &n) != nil {
		t.Fatalf("dynamicauthtest: nonce answered %d: %s", status, body)
	}
	msg, sig := app.SignMessage(t, w, n.Nonce)
	return app.Do(t, "POST", base+"/verify", "", map[string]string{
		"chain": "EVM", "publicWalletAddress": w.Address, "messageToSign": msg,
		"signedMessage": sig, "walletName": "metamask", "walletProvider": "browserExtension", "network": "1",
	})
}

// SignMessage is the sign-in message Dynamic's SDK builds for w in the
// sandbox environment (EIP-4361, the app's Origin as its domain, nonce
// from IssueNonces or GET /nonce), and w's signature of it (0x-hex).
func (app *App) SignMessage(t testing.TB, w *Wallet, nonce string) (msg, signature string) {
	t.Helper()
	site, err := url.Parse(app.Origin)
	if err != nil || site.Host == "" {
		t.Fatalf("dynamicauthtest: Origin %q is not an origin", app.Origin)
	}
	msg = fmt.Sprintf("%s wants you to sign in with your Ethereum account:\n%s\n\n"+
		"Sign in to the test app.\n\nURI: %s/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s\nRequest ID: %s",
		site.Host, w.Address, app.Origin, nonce, app.now().UTC().Format("2006-01-02T15:04:05.000Z"), app.IDs.EnvironmentID)
	sig, err := crypto.Sign(accounts.TextHash([]byte(msg)), w.Key)
	if err != nil {
		t.Fatal(err)
	}
	sig[64] += 27
	return msg, fmt.Sprintf("0x%x", sig)
}

// Do serves one request with the app's Handler, in process. A non-empty
// bearer is sent as the Authorization header; body, if not nil, as JSON.
func (app *App) Do(t testing.TB, method, path, bearer string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Origin", app.Origin)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}
