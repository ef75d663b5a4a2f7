package storetest

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testSessionPurge: DeleteSessionsBefore forgets, in every environment
// and at most limit at a time, the sessions created before its first
// cut-off whose refresh ended before its second, and keeps their users,
// newer sessions and old ones still live.
func testSessionPurge(t *testing.T, s store.Store) {
	// Long before the other tests' sessions, which the purge must not reach.
	t0 := time.Date(2002, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &clock{t: t0}
	e := newEndEnv(t, s, c)
	w := newWallet(t, e.sandbox.ID)
	var userID string
	signInWith := func(envID string, cred users.Credential, at time.Time, refresh time.Duration) string {
		t.Helper()
		write := newWrite(t, envID, cred, at, mintNonce(t, envID, at.Add(time.Hour)))
		write.Session.RefreshExpiresAt = at.Add(refresh)
		u, _, err := s.CompleteSignIn(ctx(t), write)
		must(t, "CompleteSignIn", err)
		if userID == "" {
			userID = u.ID
		}
		return write.Session.ID
	}
	month := 30 * 24 * time.Hour
	old := signInWith(e.sandbox.ID, w, t0.Add(time.Hour), month)
	short := signInWith(e.sandbox.ID, sameWallet(w), t0.Add(2*time.Hour), time.Hour)
	live := signInWith(e.sandbox.ID, sameWallet(w), t0.Add(3*time.Hour), 400*24*time.Hour)
	otherEnv := signInWith(e.live.ID, newWallet(t, e.live.ID), t0.Add(4*time.Hour), month)
	newer := signInWith(e.sandbox.ID, sameWallet(w), t0.Add(10*24*time.Hour), month)

	created, ended := t0.Add(5*24*time.Hour), t0.Add(35*24*time.Hour)
	for _, b := range []struct{ limit, want int64 }{{1, 1}, {5, 2}, {5, 0}} {
		if n, err := s.DeleteSessionsBefore(ctx(t), created, ended, int(b.limit)); err != nil || n != b.want {
			t.Fatalf("DeleteSessionsBefore, at most %d: %d, %v; want %d", b.limit, n, err, b.want)
		}
	}
	for _, gone := range []string{old, short, otherEnv} {
		_, err := s.GetSession(ctx(t), gone)
		wantKind(t, "a purged session", err, errs.KindNotFound)
	}
	for what, kept := range map[string]string{"the old session still live": live, "the newer session": newer} {
		if ss, err := s.GetSession(ctx(t), kept); err != nil || ss.ID != kept {
			t.Fatalf("%s after the purge: %+v, %v", what, ss, err)
		}
	}
	getUser(t, s, userID) // the user stays
}
