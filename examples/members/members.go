// Command members is an app that uses dynamicauth from Go, without
// calling its HTTP API itself: its users sign in with a wallet through
// Dynamic's SDK (the API is mounted under /api/v0), and the app
//
//   - refuses wallets on its block list with a BeforeSignIn hook,
//   - gives every new member the free plan with an OnSignIn hook, inside
//     the sign-in, so the plan is already in the JWT that sign-in returns,
//     and puts the member's plan in a custom "plan" claim of the tokens,
//     which a backend reads without a database,
//   - keeps each member's plan in their metadata, found by wallet,
//   - signs a member out everywhere by listing and revoking sessions,
//   - makes the API token of its reporting job at start-up (once),
//   - protects its own GET /me with an in-process Verifier, which refuses
//     a revoked session at once.
//
// Run it with
//
//	go run ./examples/members -block 0xBad…
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/dynamicauth/dynamicauth/verifier"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "listen address")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "dynamicauth-members"), "where the app keeps its database and master secret (created if missing)")
	block := flag.String("block", "", "comma-separated wallet addresses refused at sign-in")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	secret, _, err := secrets.LoadOrCreateFile(filepath.Join(*dir, "master.key"))
	if err != nil {
		log.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(*dir, "members.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	app, err := New(ctx, st, secret, strings.Split(*block, ","), slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		log.Fatal(err)
	}
	defer app.Auth.Close()
	log.Printf("sandbox environment %s; listening on http://%s", app.IDs.EnvironmentID, *addr)
	log.Fatal(http.ListenAndServe(*addr, app.Routes()))
}

// App is the members app around its dynamicauth.
type App struct {
	Auth     *dynamicauth.Auth
	IDs      *dynamicauth.IDs
	system   *dynamicauth.Principal
	verifier *verifier.Verifier
	blocked  map[string]bool // lower-case addresses
}

// reportingNote names the API token the app makes for its reporting job.
const reportingNote = "members: reporting job"

// New wires dynamicauth with the app's hooks on st, seeds the database on
// the first start and makes the reporting job's token if it is missing.
func New(ctx context.Context, st store.Store, secret []byte, blocked []string, log *slog.Logger) (*App, error) {
	a := &App{blocked: map[string]bool{}}
	for _, b := range blocked {
		if b = strings.TrimSpace(b); b != "" {
			a.blocked[strings.ToLower(b)] = true
		}
	}
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: secret, Logger: log,
		Hooks: dynamicauth.Hooks{BeforeSignIn: a.refuseBlocked, OnSignIn: a.defaultPlan}})
	if err != nil {
		return nil, err
	}
	a.Auth = auth
	if a.IDs, _, err = auth.Bootstrap(ctx); err != nil {
		return nil, err
	}
	a.system = dynamicauth.System(a.IDs.OrganizationID)
	if a.verifier, err = auth.Verifier(a.IDs.EnvironmentID); err != nil {
		return nil, err
	}
	if _, err := a.ensureReportingToken(ctx); err != nil {
		return nil, err
	}
	return a, auth.Start(ctx)
}

// refuseBlocked is the BeforeSignIn hook: nothing is written for a
// blocked wallet, and the SDK shows the message.
func (a *App) refuseBlocked(ctx context.Context, at *signin.Attempt) error {
	if a.blocked[strings.ToLower(at.Credential.Address)] {
		return signin.Refuse("this wallet may not sign in to members")
	}
	return nil
}

// defaultPlan is the OnSignIn hook: a member without a plan gets the free
// one, stored with the sign-in and carried by its tokens; the plan at
// sign-in is also a custom top-level claim ("plan") of the session's
// tokens, refreshed ones included.
func (a *App) defaultPlan(ctx context.Context, s *signin.SignIn) error {
	if _, ok := s.Metadata["plan"]; !ok {
		s.Metadata["plan"] = "free"
	}
	s.Claims["plan"] = s.Metadata["plan"]
	return nil
}

// ensureReportingToken makes the reporting job's environment token unless
// an earlier start made it; raw is empty then (it was shown once).
func (a *App) ensureReportingToken(ctx context.Context) (raw string, err error) {
	toks, err := a.Auth.Tenants().ListTokens(ctx, a.system, a.IDs.EnvironmentID)
	if err != nil {
		return "", err
	}
	for _, t := range toks {
		if t.Note == reportingNote {
			return "", nil
		}
	}
	_, raw, err = a.Auth.Tenants().CreateToken(ctx, a.system, a.IDs.EnvironmentID, reportingNote, nil)
	return raw, err
}

// SetPlan records a member's plan in their metadata, keeping the rest.
func (a *App) SetPlan(ctx context.Context, wallet, plan string) error {
	u, err := a.Auth.Users().FindByWallet(ctx, a.system, a.IDs.EnvironmentID, wallet)
	if err != nil {
		return err
	}
	meta := map[string]any{}
	if len(u.Metadata) > 0 {
		if err := json.Unmarshal(u.Metadata, &meta); err != nil {
			return err
		}
	}
	meta["plan"] = plan
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	_, err = a.Auth.Users().UpdateUser(ctx, a.system, a.IDs.EnvironmentID, u.ID, users.ProfilePatch{Metadata: b})
	return err
}

// SignOutEverywhere revokes every live session of the member with this
// wallet and says how many there were.
func (a *App) SignOutEverywhere(ctx context.Context, wallet string) (int, error) {
	u, err := a.Auth.Users().FindByWallet(ctx, a.system, a.IDs.EnvironmentID, wallet)
	if err != nil {
		return 0, err
	}
	sessions, err := a.Auth.Sessions().List(ctx, a.system, a.IDs.EnvironmentID, u.ID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range sessions {
		if s.RevokedAt == nil {
			if err := a.Auth.Sessions().Revoke(ctx, a.system, s.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// Routes serves the auth API for the SDK and the app's own GET /me.
func (a *App) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v0/", a.Auth.Handler())
	mux.Handle("GET /me", a.verifier.Middleware(http.HandlerFunc(a.me)))
	return mux
}

// me answers who the session's user is, with their wallet (the token does
// not carry it), their plan and the plan their token was signed with.
func (a *App) me(w http.ResponseWriter, r *http.Request) {
	claims, _ := verifier.ClaimsFrom(r.Context())
	u, err := a.Auth.UserOf(r.Context(), claims)
	if err != nil {
		http.Error(w, "no such member", http.StatusNotFound)
		return
	}
	var meta struct{ Plan string }
	json.Unmarshal(u.Metadata, &meta)
	var tokenPlan string
	claims.Custom("plan", &tokenPlan)
	out := map[string]string{"id": u.ID, "plan": meta.Plan, "tokenPlan": tokenPlan}
	if wlt := u.PrimaryWallet(); wlt != nil {
		out["wallet"] = wlt.PublicIdentifier
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
