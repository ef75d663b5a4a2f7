package dynamicauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/verifier"
	"github.com/ethereum/go-ethereum/crypto"
)

// A route of the application's own, protected by the in-process
// verifier: signing the user out everywhere from Go closes it at once,
// without waiting for the token to expire.
func ExampleAuth_Verifier() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32)})
	if err != nil {
		log.Fatal(err)
	}
	ids, _, err := auth.Bootstrap(ctx)
	if err != nil {
		log.Fatal(err)
	}
	v, err := auth.Verifier(ids.EnvironmentID)
	if err != nil {
		log.Fatal(err)
	}
	me := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := verifier.ClaimsFrom(r.Context())
		u, err := auth.UserOf(r.Context(), claims) // the user, with their wallets
		if err != nil {
			http.Error(w, "no such user", http.StatusNotFound)
			return
		}
		fmt.Fprintln(w, u.PrimaryWallet().PublicIdentifier)
	}))
	get := func(jwt string) int {
		req := httptest.NewRequest("GET", "/me", nil)
		req.Header.Set("Authorization", "Bearer "+jwt)
		rec := httptest.NewRecorder()
		me.ServeHTTP(rec, req)
		return rec.Code
	}

	key, _ := crypto.GenerateKey()
	address := crypto.PubkeyToAddress(key.PublicKey).Hex()
	_, jwt := signInWallet(auth.Handler(), ids.EnvironmentID, key) // what the SDK does
	fmt.Println("GET /me signed in:", get(jwt))

	// The application's own code acts as the organization's owner.
	p := dynamicauth.System(ids.OrganizationID)
	u, err := auth.Users().FindByWallet(ctx, p, ids.EnvironmentID, address)
	if err != nil {
		log.Fatal(err)
	}
	if err := auth.Sessions().RevokeAll(ctx, p, ids.EnvironmentID, u.ID); err != nil {
		log.Fatal(err)
	}
	fmt.Println("GET /me after RevokeAll:", get(jwt))
	// Output:
	// GET /me signed in: 200
	// GET /me after RevokeAll: 401
}
