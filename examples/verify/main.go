// Command verify is a tiny app backend that trusts dynamicauth (or
// Dynamic) session JWTs: GET /api/private answers only with a valid token
// for the environment, and echoes who the caller is.
//
//	go run ./examples/verify -env <environmentId> \
//	    -jwks http://127.0.0.1:8080/api/v0/sdk/<environmentId>/.well-known/jwks
//	curl -H "Authorization: Bearer $MINIFIED_JWT" http://127.0.0.1:8082/api/private
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dynamicauth/dynamicauth/verifier"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		slog.Error("verify example", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	jwks := fs.String("jwks", "", "JWKS URL, e.g. http://127.0.0.1:8080/api/v0/sdk/<env>/.well-known/jwks")
	env := fs.String("env", "", "environment id the tokens must belong to")
	addr := fs.String("addr", "127.0.0.1:8082", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	v, err := verifier.New(verifier.Config{JWKSURL: *jwks, EnvironmentID: *env})
	if err != nil {
		return err
	}
	return serve(ctx, *addr, newHandler(v))
}

// newHandler is the app: its private routes sit behind the middleware.
func newHandler(v *verifier.Verifier) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/private", v.Middleware(http.HandlerFunc(private)))
	return mux
}

// private can rely on the claims: the middleware let the request through.
func private(w http.ResponseWriter, r *http.Request) {
	c, ok := verifier.ClaimsFrom(r.Context())
	if !ok {
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"userId":        c.Sub,
		"sessionId":     c.Sid,
		"environmentId": c.EnvironmentID,
		"email":         c.Email,
		"expiresAt":     c.ExpiresAt().UTC().Format(time.RFC3339),
	})
}

// serve runs until ctx ends, then drains in-flight requests.
func serve(ctx context.Context, addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("verify example listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", addr, err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
