package storetest

import (
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
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	var ids []string
	for range 40 {
		at := c.next()
		ids = append(ids, saveUser(t, s, draftUser(t, env, at, "", ""), at).ID)
	}
	page := func(s anchorsStore, what string, offset int) {
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
	for _, off := range []int{30, 12, 21, 6} { // hops, leaving anchors
		page(s, "before the restart", off)
	}
	if s.ListHops() == 0 {
		t.Fatal("no hop before the restart: the test does not exercise the anchors")
	}
	must(t, "Close", s.Close())

	s = reopen()
	for _, off := range []int{30, 12, 21, 6} {
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
	for _, off := range []int{30, 12, 21, 6} {
		page(s, "after a deletion and a restart", off)
	}
	if s.ListHops() == 0 {
		t.Error("after a deletion the saved anchors were used: a page could be off by one")
	}
	must(t, "Close", s.Close())
}
