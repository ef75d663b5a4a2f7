package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// testEventPurge: DeleteEventsBefore forgets the events older than its
// cut-off in every environment, at most limit at a time, with their
// delivered webhook messages and delivery logs, and keeps the events a
// message still waits to deliver and every newer one; DeleteTracksBefore
// does the same with the SDK's analytics events.
func testEventPurge(t *testing.T, s store.Store) {
	// Long before the other tests' events, which the purge must not reach.
	c := &clock{t: time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := newEndEnv(t, s, c)
	visit := func(envID string) string {
		v := signin.Visit{ID: id(), EnvironmentID: envID, Address: "0x" + id(), Chain: "EVM", WalletName: "metamask", CreatedAt: c.next()}
		must(t, "InsertVisit", s.InsertVisit(ctx(t), v))
		return v.ID
	}
	track := func(envID string) {
		must(t, "InsertTracks", s.InsertTracks(ctx(t), envID, []events.Track{{ID: id(), AnonymousID: "anon", Event: "page",
			Type: "track", Properties: json.RawMessage(`{}`), CreatedAt: c.next()}}))
	}
	visit(e.sandbox.ID)
	visit(e.sandbox.ID)
	visit(e.live.ID)
	track(e.sandbox.ID)
	track(e.sandbox.ID)
	track(e.live.ID)
	hook, ping := newHook(c, e.sandbox.ID, true, events.VisitCreated)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), hook, ping, 10))
	waiting, delivered := visit(e.sandbox.ID), visit(e.sandbox.ID)
	j := jobOfVisit(t, s, hook.ID, delivered)
	now := c.next()
	must(t, "Record", record(t, s, webhooks.Outcome{Job: j, At: now, Status: webhooks.StatusDelivered,
		Delivery: &webhooks.Delivery{ID: id(), MessageID: j.MessageID, WebhookID: hook.ID, Attempt: 1,
			Status: webhooks.StatusDelivered, Request: []byte(`{}`), HTTPStatus: 200, AttemptedAt: now}}))
	cut := c.next()
	newer, newerLive := visit(e.sandbox.ID), visit(e.live.ID)
	track(e.live.ID)

	n, err := s.DeleteEventsBefore(ctx(t), cut, 1)
	if err != nil || n != 1 {
		t.Fatalf("DeleteEventsBefore with a limit of 1: %d, %v", n, err)
	}
	n, err = s.DeleteEventsBefore(ctx(t), cut, 100)
	if err != nil || n != 3 { // the sandbox's other early visit, the live one and the delivered one
		t.Fatalf("DeleteEventsBefore: %d, %v; want the 3 left to purge", n, err)
	}
	if n, err := s.DeleteEventsBefore(ctx(t), cut, 100); err != nil || n != 0 {
		t.Fatalf("DeleteEventsBefore again: %d, %v", n, err)
	}
	if got, want := eventKeys(t, s, e.sandbox.ID), []string{newer, waiting, ping.ID}; !slices.Equal(got, want) {
		t.Fatalf("the sandbox's events after the purge: %v, want the newer visit, the one waiting for its delivery and the waiting ping %v", got, want)
	}
	if got := eventKeys(t, s, e.live.ID); !slices.Equal(got, []string{newerLive}) {
		t.Fatalf("the live events after the purge: %v, want the newer visit %s", got, newerLive)
	}

	// The SDK's analytics events: the three before the cut-off, a batch
	// at a time; the newer one stays (a later cut-off finds it).
	for _, b := range []struct{ limit, want int64 }{{1, 1}, {5, 2}, {5, 0}} {
		if n, err := s.DeleteTracksBefore(ctx(t), cut, int(b.limit)); err != nil || n != b.want {
			t.Fatalf("DeleteTracksBefore, at most %d: %d, %v; want %d", b.limit, n, err, b.want)
		}
	}
	if n, err := s.DeleteTracksBefore(ctx(t), c.next(), 100); err != nil || n != 1 {
		t.Fatalf("DeleteTracksBefore past the newer analytics event: %d, %v", n, err)
	}
	if ms, err := s.ListDeliveries(ctx(t), e.sandbox.ID, hook.ID, "", webhooks.Page{Limit: 10}); err != nil || len(ms) != 0 {
		t.Fatalf("the purged event's delivery log: %+v, %v", ms, err)
	}
}

// eventKeys lists an environment's events, newest first, each by the
// visit it records or, for another event, its id.
func eventKeys(t *testing.T, s store.Store, envID string) []string {
	t.Helper()
	evs, err := s.ListEvents(ctx(t), envID, events.Query{Limit: 100}, cursor.Position{})
	must(t, "ListEvents", err)
	var out []string
	for _, ev := range evs {
		var data map[string]any
		if json.Unmarshal(ev.Data, &data) == nil && data["visitId"] != nil {
			out = append(out, data["visitId"].(string))
		} else {
			out = append(out, ev.ID)
		}
	}
	return out
}

// jobOfVisit finds the delivery job of webhook hookID for the event of
// visit visitID, among every job enqueued.
func jobOfVisit(t *testing.T, s store.Store, hookID, visitID string) webhooks.Job {
	t.Helper()
	for _, j := range deliveryJobs(t, s) {
		var data map[string]any
		if j.Webhook.ID == hookID && json.Unmarshal(j.Event.Data, &data) == nil && data["visitId"] == visitID {
			return j
		}
	}
	t.Fatalf("no delivery job of webhook %s for visit %s", hookID, visitID)
	return webhooks.Job{}
}
