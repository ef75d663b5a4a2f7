package dynamicauth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// The application's hooks: one refuses a wallet before anything is
// written, the other gives each new user a plan inside the sign-in's
// transaction, so the plan is already in the JWT that sign-in returns,
// and adds a custom top-level claim to the session's tokens.
func ExampleHooks() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	banned, _ := crypto.GenerateKey()
	bannedAddress := crypto.PubkeyToAddress(banned.PublicKey).Hex()
	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: make([]byte, 32),
		Hooks: dynamicauth.Hooks{
			BeforeSignIn: func(ctx context.Context, a *signin.Attempt) error {
				if strings.EqualFold(a.Credential.Address, bannedAddress) {
					return signin.Refuse("this wallet may not sign in")
				}
				return nil
			},
			OnSignIn: func(ctx context.Context, s *signin.SignIn) error {
				if s.NewUser {
					s.Metadata["plan"] = "free"
				}
				s.Claims["tier"] = "beta"
				return nil
			},
		}})
	if err != nil {
		log.Fatal(err)
	}
	ids, _, err := auth.Bootstrap(ctx)
	if err != nil {
		log.Fatal(err)
	}

	status, _ := signInWallet(auth.Handler(), ids.EnvironmentID, banned)
	fmt.Println("banned wallet:", status)

	key, _ := crypto.GenerateKey()
	status, jwt := signInWallet(auth.Handler(), ids.EnvironmentID, key)
	v, err := auth.Verifier(ids.EnvironmentID)
	if err != nil {
		log.Fatal(err)
	}
	claims, err := v.Verify(ctx, jwt)
	if err != nil {
		log.Fatal(err)
	}
	var tier string
	claims.Custom("tier", &tier)
	fmt.Println("new wallet:", status, "metadata in its JWT:", claims.Metadata, "tier claim:", tier)
	// Output:
	// banned wallet: 403
	// new wallet: 200 metadata in its JWT: map[plan:free] tier claim: beta
}

// signInWallet does what Dynamic's SDK does for a wallet: fetch a nonce,
// sign a Sign-In with Ethereum message, post it to /verify. It returns the
// status and the full JWT.
func signInWallet(h http.Handler, envID string, key *ecdsa.PrivateKey) (int, string) {
	call := func(method, path string, body any) *httptest.ResponseRecorder {
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(method, "/api/v0/sdk/"+envID+path, bytes.NewReader(b))
		req.Header.Set("Origin", "http://localhost:3000")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	var n struct{ Nonce string }
	json.Unmarshal(call("GET", "/nonce", nil).Body.Bytes(), &n)
	address := crypto.PubkeyToAddress(key.PublicKey).Hex()
	msg := fmt.Sprintf("localhost:3000 wants you to sign in with your Ethereum account:\n%s\n\nSign in.\n\n"+
		"URI: http://localhost:3000/\nVersion: 1\nChain ID: 1\nNonce: %s\nIssued At: %s",
		address, n.Nonce, time.Now().UTC().Format(time.RFC3339))
	sig, _ := crypto.Sign(accounts.TextHash([]byte(msg)), key)
	sig[64] += 27
	rec := call("POST", "/verify", map[string]string{"chain": "EVM", "walletName": "metamask",
		"walletProvider": "browserExtension", "publicWalletAddress": address,
		"messageToSign": msg, "signedMessage": fmt.Sprintf("0x%x", sig)})
	var res struct{ JWT string }
	json.Unmarshal(rec.Body.Bytes(), &res)
	return rec.Code, res.JWT
}
