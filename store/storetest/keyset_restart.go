package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// anchorsStore is a store whose users-list anchors can be set small and
// counted (sqlstore/keyset.go, keyset_persist.go).
type anchorsStore interface {
	store.Store
	SetListAnchorSpacing(bucket, stride int)
	SetListAnchorPersistAt(n int)
	ListHops() int64
	WarmListAnchorsNow(ctx context.Context, atLeast int) error
	Close() error
}

// ListAnchorsAcrossRestart: where the users list's pages start is kept
// across a restart (open opens the same database each time). Deep pages
// after the restart read from the saved anchors (no hop) and equal the
// pages an offset gives; once a user is deleted after the save, the saved
// anchors are refused and the pages are still right.
func ListAnchorsAcrossRestart(t *testing.T, open func(t *testing.T) store.Store) {
	reopen := func() anchorsStore {
		s := open(t).(anchorsStore)
		s.SetListAnchorSpacing(2, 5)
		s.SetListAnchorPersistAt(20)
		return s
	}
	s := reopen()
	c := newClock()
	env, ids := envOfUsers(t, s, c, 40)
	page := func(s anchorsStore, what string, offset int) {
		t.Helper()
		checkPage(t, s, env, ids, what, offset)
	}
	for _, off := range deepOffsets { // hops, leaving anchors
		page(s, "before the restart", off)
	}
	if s.ListHops() == 0 {
		t.Fatal("no hop before the restart: the test does not exercise the anchors")
	}
	must(t, "Close", s.Close())

	s = reopen()
	for _, off := range deepOffsets {
		page(s, "after the restart", off)
	}
	if n := s.ListHops(); n != 0 {
		t.Errorf("after the restart the pages took %d hops: the saved anchors were not used", n)
	}
	gone := ids[3]
	must(t, "DeleteUser", s.DeleteUser(ctx(t), gone, time.Now()))
	ids = slices.DeleteFunc(ids, func(id string) bool { return id == gone })
	must(t, "Close", s.Close())

	s = reopen()
	for _, off := range deepOffsets {
		page(s, "after a deletion and a restart", off)
	}
	if s.ListHops() == 0 {
		t.Error("after a deletion the saved anchors were used: a page could be off by one")
	}
	must(t, "Close", s.Close())
}

// envOfUsers is a new environment of n users and their ids, oldest first.
func envOfUsers(t *testing.T, s store.Store, c *clock, n int) (string, []string) {
	t.Helper()
	env := newEndEnv(t, s, c).sandbox.ID
	ids := make([]string, n)
	for i := range ids {
		at := c.next()
		ids[i] = saveUser(t, s, draftUser(t, env, at, "", ""), at).ID
	}
	return env, ids
}

// deepOffsets are pages of a 40-user environment far from its ends for
// anchors 5 apart.
var deepOffsets = []int{30, 12, 21, 6}

// checkPage checks the users list's page at offset (3 users, oldest
// first) is that of ids, the environment's users in creation order.
func checkPage(t *testing.T, s store.Store, env string, ids []string, what string, offset int) {
	t.Helper()
	l, err := s.ListUsers(ctx(t), env, users.ListQuery{Order: users.Order{Field: "createdAt"}, Page: users.Page{Offset: offset, Limit: 3}})
	must(t, what, err)
	var got []string
	for _, u := range l.Users {
		got = append(got, u.ID)
	}
	if want := ids[offset:min(len(ids), offset+3)]; !slices.Equal(got, want) {
		t.Fatalf("%s: offset %d: got %q, want %q", what, offset, got, want)
	}
}

// ListAnchorsWarmed: with nothing saved (a new deployment, a crash), the
// anchors of a large environment are made in the background at a start
// (here at once, the environment being large from 20 users), so its
// first deep pages take no hop; a smaller environment is left alone.
// The caller closes the store open returns.
func ListAnchorsWarmed(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t).(anchorsStore)
	s.SetListAnchorSpacing(2, 5)
	c := newClock()
	env, ids := envOfUsers(t, s, c, 40)
	envOfUsers(t, s, c, 19)
	must(t, "WarmListAnchorsNow", s.WarmListAnchorsNow(context.Background(), 20))
	warmed := s.ListHops()
	if warmed == 0 {
		t.Fatal("warming took no hop: no anchors made")
	}
	for _, off := range deepOffsets {
		checkPage(t, s, env, ids, "after warming", off)
	}
	if n := s.ListHops() - warmed; n != 0 {
		t.Errorf("the deep pages after warming took %d hops: the warmed anchors were not used", n)
	}
	// 40 users from the newest to the oldest, hops 5 apart, and no more:
	// the environment of 19 users was not walked
	if warmed > 8 {
		t.Errorf("warming took %d hops, the 40-user environment needs 7: the small one was walked too", warmed)
	}
}
