// Command embed shows dynamicauth mounted inside an existing net/http
// server: the app keeps its own routes and serves Dynamic's API under
// /api/v0 from the same process and port.
//
//	go run ./examples/embed -addr 127.0.0.1:8081
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	dir := flag.String("dir", os.TempDir(), "where the example keeps its database")
	flag.Parse()
	ctx := context.Background()

	st, err := sqlite.Open(ctx, filepath.Join(*dir, "embed-example.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	// A real app loads its master secret from its secret store; this example
	// makes a throwaway one, so tokens do not survive a restart.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		log.Fatal(err)
	}
	auth, err := dynamicauth.New(dynamicauth.Config{
		Store:        st,
		MasterSecret: secret,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	ids, token, _, err := auth.Init(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sandbox environment %s, admin token %s\n", ids.EnvironmentID, token)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "my app; the auth API is under /api/v0")
	})
	mux.Handle("/api/v0/", auth.Handler())
	mux.Handle("/healthz", auth.Handler())

	log.Printf("listening on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
