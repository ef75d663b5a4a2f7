package dynamicauth_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/verifier"
)

// An application embeds dynamicauth on its own store, seeds it once,
// manages users from Go as the organization's owner and protects its own
// route with the in-process verifier.
func Example() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{}) // a file path in production
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	auth, err := dynamicauth.New(dynamicauth.Config{
		Store:        st,
		MasterSecret: make([]byte, 32), // secrets.LoadOrCreateFile in production
		Hooks: dynamicauth.Hooks{
			OnSignIn: func(ctx context.Context, s *signin.SignIn) error {
				s.Metadata["plan"] = "free" // stored with the sign-in, and in its tokens
				return nil
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ids, _, err := auth.Bootstrap(ctx) // safe on every start
	if err != nil {
		log.Fatal(err)
	}
	if err := auth.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	// The app's own code acts as the organization's owner, without a token.
	p := dynamicauth.System(ids.OrganizationID)
	list, err := auth.Users().ListUsers(ctx, p, ids.EnvironmentID, users.ListQuery{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("users:", list.Total)

	// Its routes trust the session JWTs this server issues.
	v, err := auth.Verifier(ids.EnvironmentID)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v0/", auth.Handler()) // what Dynamic's SDK talks to
	mux.Handle("GET /me", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := verifier.ClaimsFrom(r.Context())
		fmt.Fprintln(w, claims.Sub)
	})))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/me", nil))
	fmt.Println("GET /me without a token:", rec.Code)
	// Output:
	// users: 0
	// GET /me without a token: 401
}

// The README's Embedding section as it runs: the master secret and the
// SQLite file in the application's data directory, the API under /auth,
// the probes where an orchestrator looks for them, and the Go API acting
// as the organization's owner. Its snippets are these lines.
func ExampleNew() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "dynamicauth-example") // the application's data directory
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.DiscardHandler)

	secret, _, err := secrets.LoadOrCreateFile(filepath.Join(dir, "master.key")) // 32 random bytes, made once (0600)
	if err != nil {
		log.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "auth.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: secret, Logger: logger})
	if err != nil {
		log.Fatal(err)
	}
	ids, ownerToken, err := auth.Bootstrap(ctx) // seeds once; ownerToken is "" on later starts
	if err != nil {
		log.Fatal(err)
	}
	if err := auth.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer auth.Close()

	mux := http.NewServeMux()
	mux.Handle("/auth/", http.StripPrefix("/auth", auth.Handler())) // SDK apiBaseUrl: https://host/auth/api/v0
	mux.Handle("GET /healthz", auth.Handler())                      // the process is up
	mux.Handle("GET /readyz", auth.Handler())                       // the store answers

	get := func(path, token string) int {
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Code
	}
	fmt.Println("GET /healthz:", get("/healthz", ""))
	fmt.Println("GET /readyz:", get("/readyz", ""))
	fmt.Println("GET /auth/api/v0/environments/{id} as the owner:", get("/auth/api/v0/environments/"+ids.EnvironmentID, ownerToken))

	// The Go API: the application's own code acts as the owner.
	p := dynamicauth.System(ids.OrganizationID)
	const wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
	if _, err := auth.Users().CreateUser(ctx, p, ids.EnvironmentID, users.NewUser{Wallets: []users.NewWallet{
		{Address: wallet, Chain: "EVM", WalletName: "metamask", WalletProvider: "browserExtension"}}}); err != nil {
		log.Fatal(err)
	}
	u, err := auth.Users().FindByWallet(ctx, p, ids.EnvironmentID, wallet)
	if err != nil {
		log.Fatal(err)
	}
	list, err := auth.Users().ListUsers(ctx, p, ids.EnvironmentID, users.ListQuery{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err = auth.Users().UpdateUser(ctx, p, ids.EnvironmentID, u.ID, users.ProfilePatch{Metadata: json.RawMessage(`{"plan":"gold"}`)}); err != nil {
		log.Fatal(err)
	}
	sessions, err := auth.Sessions().List(ctx, p, ids.EnvironmentID, u.ID)
	if err != nil {
		log.Fatal(err)
	}
	if err = auth.Sessions().RevokeAll(ctx, p, ids.EnvironmentID, u.ID); err != nil {
		log.Fatal(err)
	}
	_, raw, err := auth.Tenants().CreateToken(ctx, p, ids.EnvironmentID, "reporting job", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("users:", list.Total, "sessions:", len(sessions), "reporting token:", strings.HasPrefix(raw, "dyn_"))

	// A later start finds the database seeded and mints no token.
	_, again, err := auth.Bootstrap(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("owner token on a later start:", again != "")
	// Output:
	// GET /healthz: 200
	// GET /readyz: 200
	// GET /auth/api/v0/environments/{id} as the owner: 200
	// users: 1 sessions: 0 reporting token: true
	// owner token on a later start: false
}
