package dynamicauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/dynamicauth/dynamicauth"
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
