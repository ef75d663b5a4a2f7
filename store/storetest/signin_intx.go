package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testCompleteSignInInTx: Write.InTx runs inside the sign-in with the
// user as stored; metadata it returns is written with the sign-in, and
// its error undoes the whole sign-in, nonce included.
func testCompleteSignInInTx(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	wallet := newWallet(t, env)

	nonce := issueNonce(t, s, c, env)
	w := newWrite(t, env, wallet, c.next(), nonce)
	w.InTx = func(ctx context.Context, u *users.User, created bool) (json.RawMessage, error) {
		return nil, errors.New("the hook refuses")
	}
	if _, _, err := s.CompleteSignIn(ctx(t), w); err == nil {
		t.Fatal("CompleteSignIn succeeded although InTx failed")
	}
	eq(t, "users after a failed InTx", userCount(t, s, env), 0)

	w = newWrite(t, env, sameWallet(wallet), c.next(), nonce) // the nonce is still live
	var seen *users.User
	var seenCreated bool
	w.InTx = func(ctx context.Context, u *users.User, created bool) (json.RawMessage, error) {
		seen, seenCreated = u, created
		return json.RawMessage(`{"plan":"gold","n":1}`), nil
	}
	u, created, err := s.CompleteSignIn(ctx(t), w)
	must(t, "CompleteSignIn with InTx", err)
	if seen == nil || seen.ID != u.ID || !seenCreated || seen.Credential(w.Credential.ID) == nil {
		t.Fatalf("InTx saw user %+v created=%v, want the new user with its credential", seen, seenCreated)
	}
	eq(t, "created", created, true)
	eqJSON(t, "returned metadata", u.Metadata, []byte(`{"plan":"gold","n":1}`))
	eqJSON(t, "stored metadata", getUser(t, s, u.ID).Metadata, []byte(`{"plan":"gold","n":1}`))

	// nil metadata leaves it as it is.
	w = newWrite(t, env, sameWallet(wallet), c.next(), issueNonce(t, s, c, env))
	w.InTx = func(ctx context.Context, u *users.User, created bool) (json.RawMessage, error) {
		seenCreated = created
		return nil, nil
	}
	u, _, err = s.CompleteSignIn(ctx(t), w)
	must(t, "CompleteSignIn with InTx returning nil", err)
	eq(t, "second sign-in seen as created", seenCreated, false)
	eqJSON(t, "metadata kept", getUser(t, s, u.ID).Metadata, []byte(`{"plan":"gold","n":1}`))
}
