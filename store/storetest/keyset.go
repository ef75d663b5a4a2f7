package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// testUsersListKeyset: pages of the unfiltered users list in creation
// order (read from anchors under the hood, sqlstore/keyset.go) are
// exactly the pages an offset gives, in both directions, for sequential
// pages and jumps, with ties of creation time, after sign-ups (the
// anchors stay), after a deletion and after a user older than the newest
// is written (the anchors go).
func testUsersListKeyset(t *testing.T, s store.Store) {
	if sp, ok := s.(interface{ SetListAnchorSpacing(bucket, stride int) }); ok {
		sp.SetListAnchorSpacing(2, 5) // anchors and hops among a few dozen users
	}
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	type row struct {
		at time.Time
		id string
	}
	var all []row
	add := func(at time.Time) *users.User {
		u := saveUser(t, s, draftUser(t, env, at, "", ""), at)
		all = append(all, row{at, u.ID})
		return u
	}
	for i := range 30 {
		at := c.t
		if i%3 == 0 { // two of three users share a creation time with the one before
			at = c.next()
		}
		add(at)
	}
	want := func(desc bool) []string {
		s := slices.Clone(all)
		slices.SortFunc(s, func(a, b row) int {
			if n := a.at.Compare(b.at); n != 0 {
				return n
			}
			return bytes.Compare([]byte(a.id), []byte(b.id))
		})
		ids := make([]string, len(s))
		for i, r := range s {
			ids[i] = r.id
		}
		if desc {
			slices.Reverse(ids)
		}
		return ids
	}
	check := func(what string) {
		t.Helper()
		for _, desc := range []bool{true, false} {
			w := want(desc)
			// jumps first (far from any anchor: hops), then pages in turn
			var pages []users.Page
			for _, off := range []int{len(w) - 1, 3, len(w) - 8, 17, 16, 18, 1, len(w), 0, 11, len(w) - 2} {
				pages = append(pages, users.Page{Offset: off, Limit: 5})
			}
			for off := 0; off < len(w)+7; off += 7 {
				pages = append(pages, users.Page{Offset: off, Limit: 7})
			}
			for _, p := range pages {
				l, err := s.ListUsers(ctx(t), env, users.ListQuery{Order: users.Order{Field: "createdAt", Desc: desc}, Page: p})
				must(t, "ListUsers", err)
				var got []string
				for _, u := range l.Users {
					got = append(got, u.ID)
				}
				end := min(len(w), p.Offset+p.Limit)
				exp := w[min(p.Offset, end):end]
				if !slices.Equal(got, exp) {
					t.Fatalf("%s: desc %v, offset %d limit %d: got %q, want %q", what, desc, p.Offset, p.Limit, got, exp)
				}
				eq(t, what+": count", l.Total, len(w))
			}
		}
	}
	check("30 users")
	for range 4 {
		add(c.next())
	}
	check("after 4 sign-ups")
	gone := all[12]
	must(t, "DeleteUser", s.DeleteUser(ctx(t), gone.id, c.next()))
	all = slices.Delete(all, 12, 13)
	check("after a deletion")
	add(all[5].at.Add(time.Millisecond)) // older than the newest
	check("after a user older than the newest")
	add(c.next())
	add(all[20].at)
	check(fmt.Sprintf("after a sign-up and another older user (%d users)", len(all)))
}
