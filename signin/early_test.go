package signin_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/users"
)

// commitStore is the SQLite store, counting the sign-ins it reported
// written before their commit (signin.Write.Written) and, when told to,
// answering a failed commit after them.
type commitStore struct {
	*sqlite.Store
	written atomic.Int32
	fail    atomic.Bool
}

var errCommitFailed = errors.New("the commit failed")

func (s *commitStore) CompleteSignIn(ctx context.Context, w *signin.Write) (*users.User, bool, error) {
	if next := w.Written; next != nil {
		w.Written = func(u *users.User, created bool) { s.written.Add(1); next(u, created) }
	}
	u, created, err := s.Store.CompleteSignIn(ctx, w)
	if err == nil && s.fail.Load() {
		return nil, false, errCommitFailed
	}
	return u, created, err
}

// TestTokensIssuedBeforeTheCommit: on SQLite the sign-in's tokens are
// issued while its commit is written (Write.Written), and they are the
// committed user's and session's; a sign-in whose commit fails answers
// the failure, not the tokens issued meanwhile.
func TestTokensIssuedBeforeTheCommit(t *testing.T) {
	var st *commitStore
	f := newFixtureWith(t, func(d *signin.Deps, s *sqlite.Store) {
		st = &commitStore{Store: s}
		d.Store = st
	})
	ctx := context.Background()
	signIn := func(t *testing.T) (*signin.Result, error) {
		t.Helper()
		key := newKey(t)
		m := f.message(key, f.nonce(t, f.ids.EnvironmentID))
		return f.svc.WalletSignIn(ctx, f.request(m.address, m.String(), personalSign(t, key, m.String())))
	}

	res, err := signIn(t)
	if err != nil {
		t.Fatal(err)
	}
	if st.written.Load() != 1 {
		t.Fatalf("the store reported %d sign-ins written before their commit, want 1", st.written.Load())
	}
	claims, _, err := f.sessions.Authenticate(ctx, f.ids.EnvironmentID, res.Tokens.MinifiedJWT)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Sub != res.User.ID || claims.Sid != res.Session.ID || !res.NewUser {
		t.Fatalf("claims sub %s sid %s, user %s session %s, new %v", claims.Sub, claims.Sid, res.User.ID, res.Session.ID, res.NewUser)
	}

	st.fail.Store(true)
	res, err = signIn(t)
	if !errors.Is(err, errCommitFailed) || res != nil {
		t.Fatalf("a sign-in whose commit failed answered %+v, %v; want the failure", res, err)
	}
	if st.written.Load() != 2 {
		t.Fatalf("the failed sign-in was not written before its commit (%d)", st.written.Load())
	}
}
