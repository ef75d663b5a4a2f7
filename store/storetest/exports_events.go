package storetest

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
)

// testExportEventsPastPurge: an events export pages oldest first, and
// the event retention forgets the oldest events: the last event of a
// page, gone by the next page, must not end the export there (its
// position was read back from its row, so the next page was empty and
// the export completed without the rest).
func testExportEventsPastPurge(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	env := e.sandbox.ID
	for range 4 {
		must(t, "InsertVisit", s.InsertVisit(ctx(t), signin.Visit{ID: id(), EnvironmentID: env, Address: "0x" + id(),
			Chain: "EVM", WalletName: "metamask", CreatedAt: c.next()}))
	}
	all, err := s.ListEvents(ctx(t), env, events.Query{Limit: 100}, cursor.Position{})
	must(t, "ListEvents", err)
	first, err := s.ExportEvents(ctx(t), env, nil, 1)
	must(t, "ExportEvents", err)
	if len(first) != 1 || len(all) < 4 {
		t.Fatalf("ExportEvents: %d events of %d", len(first), len(all))
	}
	n, err := s.DeleteEventsBefore(ctx(t), first[0].CreatedAt.Add(time.Millisecond), 100)
	if err != nil || n != 1 {
		t.Fatalf("DeleteEventsBefore: %d, %v; want the first event purged", n, err)
	}
	rest, err := s.ExportEvents(ctx(t), env, &first[0], 100)
	must(t, "ExportEvents after the purge", err)
	if len(rest) != len(all)-1 {
		t.Fatalf("ExportEvents after the page's last event was purged: %d events, want the other %d", len(rest), len(all)-1)
	}
}
