package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
)

// testEvents: a visit writes visit.created in its transaction; the events
// read back newest first, a page at a time, filtered by resource type and
// time, never across environments; the SDK's analytics events go in all
// or none.
func testEvents(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	var visits []signin.Visit
	for i := range 5 {
		v := signin.Visit{ID: id(), EnvironmentID: e.sandbox.ID, Address: fmt.Sprintf("0x%040d", i), Chain: "EVM",
			WalletName: "metamask", CreatedAt: c.next()}
		must(t, "InsertVisit", s.InsertVisit(ctx(t), v))
		visits = append(visits, v)
	}
	hook, ping := newHook(c, e.sandbox.ID, false, events.UserCreated)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), hook, ping, 10))
	must(t, "InsertVisit", s.InsertVisit(ctx(t), signin.Visit{ID: id(), EnvironmentID: e.live.ID, Address: "0xlive",
		WalletName: "w", CreatedAt: c.next()}))

	all, err := s.ListEvents(ctx(t), e.sandbox.ID, events.Query{Limit: 100}, cursor.Position{})
	must(t, "ListEvents", err)
	if len(all) != 6 || all[0].ID != ping.ID || all[0].Name != events.Ping {
		t.Fatalf("events: %+v, want the ping then 5 visits", all)
	}
	for i, ev := range all[1:] {
		v := visits[len(visits)-1-i]
		var data map[string]string
		if err := json.Unmarshal(ev.Data, &data); err != nil || ev.Name != events.VisitCreated || data["visitId"] != v.ID ||
			data["walletPublicKey"] != v.Address || !ev.CreatedAt.Equal(v.CreatedAt) || ev.EnvironmentName != "sandbox" ||
			ev.UserID != "" {
			t.Fatalf("event %d: %+v (%s), want the visit %+v", i+1, ev, ev.Data, v)
		}
	}

	// Pages of two follow one another with no gap and no repeat.
	var paged []string
	var after cursor.Position
	for range 4 {
		page, err := s.ListEvents(ctx(t), e.sandbox.ID, events.Query{Limit: 2}, after)
		must(t, "ListEvents page", err)
		for _, ev := range page {
			paged = append(paged, ev.ID)
		}
		if len(page) == 0 {
			break
		}
		last := page[len(page)-1]
		after = cursor.Position{At: last.CreatedAt, ID: last.ID}
	}
	if len(paged) != len(all) {
		t.Fatalf("paged %d events, want %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i] != all[i].ID {
			t.Fatalf("page order differs at %d: %v vs %+v", i, paged, all)
		}
	}
	// A position from another environment's list pages this one's: its
	// events older than that time, never the other's.
	live, err := s.ListEvents(ctx(t), e.live.ID, events.Query{Limit: 10}, cursor.Position{At: all[0].CreatedAt, ID: all[0].ID})
	must(t, "ListEvents with a foreign cursor", err)
	for _, ev := range live {
		if ev.EnvironmentID != e.live.ID {
			t.Fatalf("a foreign cursor served %+v", ev)
		}
	}

	from, to := visits[1].CreatedAt, visits[3].CreatedAt
	for _, tc := range []struct {
		what string
		q    events.Query
		n    int
	}{
		{"resourceType visit", events.Query{ResourceType: "visit"}, 5},
		{"resourceType ping", events.Query{ResourceType: "ping"}, 1},
		{"resourceType user", events.Query{ResourceType: "user"}, 0},
		{"from the second visit", events.Query{Start: &from}, 5},
		{"before the fourth visit", events.Query{End: &to}, 3},
		{"visits in [second, fourth)", events.Query{ResourceType: "visit", Start: &from, End: &to}, 2},
	} {
		tc.q.Limit = 100
		got, err := s.ListEvents(ctx(t), e.sandbox.ID, tc.q, cursor.Position{})
		must(t, tc.what, err)
		if len(got) != tc.n {
			t.Errorf("%s: %d events, want %d", tc.what, len(got), tc.n)
		}
	}

	got, err := s.GetEvent(ctx(t), e.sandbox.ID, ping.ID)
	must(t, "GetEvent", err)
	if got.Name != events.Ping || string(got.Data) == "" {
		t.Fatalf("GetEvent: %+v", got)
	}
	_, err = s.GetEvent(ctx(t), e.live.ID, ping.ID)
	wantKind(t, "an event through another environment", err, errs.KindNotFound)

	tr := func(name string) events.Track {
		return events.Track{ID: id(), EnvironmentID: e.sandbox.ID, AnonymousID: "anon", Event: name, Type: "track",
			Properties: json.RawMessage(`{"a":{"b":1}}`), CreatedAt: c.next()}
	}
	must(t, "InsertTracks", s.InsertTracks(ctx(t), e.sandbox.ID, []events.Track{tr("a"), tr("b")}))
	dup := tr("c")
	err = s.InsertTracks(ctx(t), e.sandbox.ID, []events.Track{tr("d"), dup, dup})
	if err == nil {
		t.Fatal("InsertTracks with a repeated id succeeded")
	}
	wantKind(t, "InsertTracks in a missing environment", s.InsertTracks(ctx(t), id(), []events.Track{tr("x")}),
		errs.KindNotFound)
	// The outbox holds no analytics: they are not events.
	after6, err := s.ListEvents(ctx(t), e.sandbox.ID, events.Query{Limit: 100}, cursor.Position{})
	must(t, "ListEvents", err)
	if len(after6) != 6 {
		t.Fatalf("analytics events reached the outbox: %d events", len(after6))
	}
}

// testEventsPastPurge: the events read newest first, and the retention
// deletes old events but keeps those a webhook message still waits to
// deliver; the last event of a page, deleted before the next page is
// asked for, must not end the list there while older events remain.
func testEventsPastPurge(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	base := c.next()
	visit := func(sec int) signin.Visit {
		v := signin.Visit{ID: id(), EnvironmentID: e.sandbox.ID, Address: fmt.Sprintf("0x%040d", sec), Chain: "EVM",
			WalletName: "metamask", CreatedAt: base.Add(time.Duration(sec) * time.Second)}
		must(t, "InsertVisit", s.InsertVisit(ctx(t), v))
		return v
	}
	// The two newest visits come before any webhook: nothing keeps them.
	v5, v4 := visit(5), visit(4)
	for range 10 {
		c.next() // the webhook's ping newer than every visit
	}
	hook, ping := newHook(c, e.sandbox.ID, true, events.VisitCreated)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), hook, ping, 10))
	// Three older ones wait for their delivery: the retention keeps them.
	older := []signin.Visit{visit(3), visit(2), visit(1)}

	first, err := s.ListEvents(ctx(t), e.sandbox.ID, events.Query{Limit: 3}, cursor.Position{})
	must(t, "ListEvents", err)
	if len(first) != 3 || first[0].ID != ping.ID || first[2].CreatedAt != v4.CreatedAt {
		t.Fatalf("first page %+v, want the ping and the visits at 5 and 4 s", first)
	}
	if n, err := s.DeleteEventsBefore(ctx(t), v5.CreatedAt, 100); err != nil || n != 1 {
		t.Fatalf("DeleteEventsBefore: %d, %v; want the visit at 4 s alone deleted", n, err)
	}
	last := first[2]
	next, err := s.ListEvents(ctx(t), e.sandbox.ID, events.Query{Limit: 10},
		cursor.Position{At: last.CreatedAt, ID: last.ID})
	must(t, "ListEvents after a purged event", err)
	if len(next) != len(older) {
		t.Fatalf("the page after the purged event holds %d events, want the %d older ones", len(next), len(older))
	}
	for i, ev := range next {
		var data map[string]string
		if err := json.Unmarshal(ev.Data, &data); err != nil || data["visitId"] != older[i].ID {
			t.Fatalf("event %d: %s, want the visit %s", i, ev.Data, older[i].ID)
		}
	}
}
