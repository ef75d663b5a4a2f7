// Command embed shows dynamicauth mounted inside an existing net/http
// server: the app keeps its own routes and serves Dynamic's API under
// /auth/api/v0 from the same process and port.
//
//	go run ./examples/embed -addr 127.0.0.1:8081
//
// It keeps its master secret in <dir>/master.key and its database in
// <dir>/embed.db, so a restart keeps users, keys and tokens. The owner API
// token is printed on the first start only: later starts find the
// database seeded and mint nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "dynamicauth-embed"), "where the example keeps its database and master secret (created if missing)")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	app, err := start(ctx, *dir, os.Stdout, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		log.Fatal(err)
	}
	defer app.close()
	srv := &http.Server{Addr: *addr, Handler: app.handler}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("listening on http://%s (auth API under /auth/api/v0)", *addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// app is the running example: the auth library and the app's own mux.
type app struct {
	auth    *dynamicauth.Auth
	ids     *dynamicauth.IDs
	handler http.Handler
	close   func()
}

// start opens the store and the secret in dir, seeds on the first start
// only, starts the background work and builds the mux.
func start(ctx context.Context, dir string, out io.Writer, log *slog.Logger) (*app, error) {
	secret, _, err := secrets.LoadOrCreateFile(filepath.Join(dir, "master.key"))
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "embed.db"), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: secret, Logger: log})
	if err != nil {
		st.Close()
		return nil, err
	}
	ids, ownerToken, err := auth.Bootstrap(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if ownerToken != "" {
		fmt.Fprintf(out, "seeded: sandbox environment %s\nowner API token (shown once): %s\n", ids.EnvironmentID, ownerToken)
	} else {
		fmt.Fprintf(out, "sandbox environment %s\n", ids.EnvironmentID)
	}
	if err := auth.Start(ctx); err != nil {
		st.Close()
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "my app; the auth API is under /auth/api/v0")
	})
	// Under a prefix: the SDK's apiBaseUrl is then https://host/auth/api/v0.
	mux.Handle("/auth/", http.StripPrefix("/auth", auth.Handler()))
	// The probes, where the orchestrator looks for them.
	mux.Handle("GET /healthz", auth.Handler())
	mux.Handle("GET /readyz", auth.Handler())

	return &app{auth: auth, ids: ids, handler: mux, close: func() {
		auth.Close()
		st.Close()
	}}, nil
}
