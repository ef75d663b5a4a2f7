package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testCompleteSignInWalletRaceLost forces the race a first sign-in can
// lose: the winner holds its transaction open (in its InTx hook) after
// writing the wallet's credential, and a second first sign-in of the same
// wallet starts meanwhile, so it does not see that credential. When the
// winner commits, the loser must sign in to the winner's user (a repeat
// sign-in: created false, its own nonce and session), not fail and not
// create a second user.
func testCompleteSignInWalletRaceLost(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	wallet := newWallet(t, env)
	nonces := issueNonces(t, s, c, env, 2)
	now := c.next()
	winner := newWrite(t, env, sameWallet(wallet), now, nonces[0])
	loser := newWrite(t, env, sameWallet(wallet), now, nonces[1])
	inTx := make(chan struct{})
	winner.InTx = func(context.Context, *users.User, bool) (json.RawMessage, error) {
		close(inTx)
		time.Sleep(300 * time.Millisecond) // the loser reads and queues its inserts meanwhile
		return nil, nil
	}
	type result struct {
		u       *users.User
		created bool
		err     error
	}
	won := make(chan result, 1)
	go func() {
		u, created, err := s.CompleteSignIn(ctx(t), winner)
		won <- result{u, created, err}
	}()
	<-inTx
	u, created, err := s.CompleteSignIn(ctx(t), loser)
	w := <-won
	must(t, "winner's sign-in", w.err)
	if err != nil {
		t.Fatalf("the second first sign-in of the wallet failed instead of signing in to the winner's user: %v", err)
	}
	eq(t, "winner created the user", w.created, true)
	eq(t, "loser created a user", created, false)
	eq(t, "loser's user", u.ID, w.u.ID)
	eq(t, "users", userCount(t, s, env), 1)
	sessions, err := s.UserSessions(ctx(t), w.u.ID)
	must(t, "UserSessions", err)
	eq(t, "sessions", len(sessions), 2)
	wantEvents(t, s, "after the race", env, map[string]int{"user.created": 1, "wallet.linked": 1, "user.session.created": 2})
}
