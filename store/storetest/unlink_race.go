package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
)

// race runs fns at once and returns their errors, in order.
func race(fns ...func() error) []error {
	results := make([]error, len(fns))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, fn := range fns {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			results[i] = fn()
		}()
	}
	start.Done()
	done.Wait()
	return results
}

// oneWins checks that exactly one of errors is nil and the others are
// the contract's 422 with one of codes; it returns the winner's index.
func oneWins(t *testing.T, what string, results []error, codes ...string) int {
	t.Helper()
	winner := -1
	for i, err := range results {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("%s: #%d and #%d both went through", what, winner, i)
			}
			winner = i
			continue
		}
		var e *errs.E
		if !errors.As(err, &e) || e.Kind != errs.KindUnprocessable || !slices.Contains(codes, e.Code) {
			t.Fatalf("%s: loser #%d: %v, want 422 %q", what, i, err, codes)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: none went through: %v", what, results)
	}
	return winner
}

// testUnlinkRace: a user's last two sign-in credentials unlinked at once,
// and one of them unlinked while another user transfers the other (no
// skipEmptyAccountCheck), a few rounds: exactly one of each pair goes
// through, so the user keeps a way to sign in (their row lock orders the
// "not the last one" counts).
func testUnlinkRace(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	alice, _ := signIn(t, s, c, env, newWallet(t, env))
	for round := range 4 {
		w1, w2 := newWallet(t, env), newWallet(t, env)
		bob, _ := signIn(t, s, c, env, w1)
		_, err := s.LinkCredential(ctx(t), newLink(t, s, c, env, bob.ID, w2, c.next()))
		must(t, "LinkCredential(w2)", err)
		at := c.next()
		oneWins(t, fmt.Sprintf("round %d: two unlinks", round), race(
			func() error { _, err := s.UnlinkCredential(context.Background(), bob.ID, w1.ID, at); return err },
			func() error { _, err := s.UnlinkCredential(context.Background(), bob.ID, w2.ID, at); return err },
		), "cannot_delete_last_sign_in_verified_credential")
		eq(t, fmt.Sprintf("round %d: bob's credentials after the unlinks", round), len(getUser(t, s, bob.ID).Credentials), 1)

		// bob again with two wallets: he unlinks one while alice takes the other
		w3 := newWallet(t, env)
		_, err = s.LinkCredential(ctx(t), newLink(t, s, c, env, bob.ID, w3, c.next()))
		must(t, "LinkCredential(w3)", err)
		left := getUser(t, s, bob.ID).Credentials
		mine, taken := left[0], left[1]
		transfer := newLink(t, s, c, env, alice.ID, sameWallet(taken), c.next())
		transfer.Transfer = true
		at = c.next()
		oneWins(t, fmt.Sprintf("round %d: unlink and transfer", round), race(
			func() error { _, err := s.UnlinkCredential(context.Background(), bob.ID, mine.ID, at); return err },
			func() error { _, err := s.LinkCredential(context.Background(), transfer); return err },
		), "cannot_delete_last_sign_in_verified_credential", "reassign_wallet_error")
		eq(t, fmt.Sprintf("round %d: bob's credentials after unlink and transfer", round), len(getUser(t, s, bob.ID).Credentials), 1)
	}
}
