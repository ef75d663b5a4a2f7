package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

func newHook(c *clock, envID string, enabled bool, names ...string) (webhooks.Webhook, webhooks.Event) {
	now := c.next()
	w := webhooks.Webhook{ID: id(), EnvironmentID: envID, URL: "https://hooks.example.com/" + id(), Secret: "secret-" + id(),
		Events: names, Enabled: enabled, CreatedAt: now, UpdatedAt: now}
	if enabled {
		w.EnabledAt = &now
	}
	return w, webhooks.Event{ID: id(), Name: events.Ping, EnvironmentID: envID, Data: json.RawMessage(`{"ping":true}`), CreatedAt: now}
}

// deliveryJobs loads the message of every delivery job enqueued (those
// whose message is gone left out).
func deliveryJobs(t *testing.T, s store.Store) []webhooks.Job {
	t.Helper()
	rows, err := s.Jobs(ctx(t), webhooks.DeliveryArgs{}.Kind(), 0)
	must(t, "Jobs", err)
	var out []webhooks.Job
	for _, r := range rows {
		var a webhooks.DeliveryArgs
		must(t, "job args", json.Unmarshal(r.EncodedArgs, &a))
		j, err := s.Load(ctx(t), a.MessageID)
		must(t, "Load", err)
		if j != nil {
			out = append(out, *j)
		}
	}
	return out
}

// jobQueue follows the River jobs that transactions enqueue.
type jobQueue struct {
	s     store.Store
	after int64
}

// enqueued loads the messages of the delivery jobs inserted since the
// last call, by webhook and event name; every job must name a message of
// its generation.
func (q *jobQueue) enqueued(t *testing.T) map[string]webhooks.Job {
	t.Helper()
	out := map[string]webhooks.Job{}
	for _, j := range q.list(t) {
		key := j.Webhook.ID + " " + j.Event.Name
		if _, dup := out[key]; dup {
			t.Fatalf("two jobs for %s", key)
		}
		out[key] = j
	}
	return out
}

func (q *jobQueue) list(t *testing.T) []webhooks.Job {
	t.Helper()
	rows, err := q.s.Jobs(ctx(t), webhooks.DeliveryArgs{}.Kind(), q.after)
	must(t, "Jobs", err)
	var out []webhooks.Job
	for _, r := range rows {
		q.after = r.ID
		var a webhooks.DeliveryArgs
		must(t, "job args", json.Unmarshal(r.EncodedArgs, &a))
		j, err := q.s.Load(ctx(t), a.MessageID)
		must(t, "Load", err)
		if j == nil || j.Generation != a.Generation || j.Status != webhooks.StatusPending {
			t.Fatalf("job %d (%+v) for message %+v", r.ID, a, j)
		}
		out = append(out, *j)
	}
	return out
}

func testWebhooks(t *testing.T, s store.Store) {
	c := newClock()
	q := &jobQueue{s: s}
	q.enqueued(t) // jobs of the other tests
	e := newEndEnv(t, s, c)
	a, aPing := newHook(c, e.sandbox.ID, true, events.UserCreated, events.SessionCreated)
	b, bPing := newHook(c, e.sandbox.ID, false, events.UserCreated)
	l, lPing := newHook(c, e.live.ID, true, events.UserCreated)
	for _, h := range []struct {
		w    webhooks.Webhook
		ping webhooks.Event
	}{{a, aPing}, {b, bPing}, {l, lPing}} {
		must(t, "CreateWebhook", s.CreateWebhook(ctx(t), h.w, h.ping, 2))
	}
	extra, extraPing := newHook(c, e.sandbox.ID, true, events.UserCreated)
	if err := s.CreateWebhook(ctx(t), extra, extraPing, 2); !errors.Is(err, webhooks.ErrTooMany) {
		t.Fatalf("a third webhook past the limit: %v, want webhooks.ErrTooMany", err)
	}

	got, err := s.GetWebhook(ctx(t), e.sandbox.ID, a.ID)
	must(t, "GetWebhook", err)
	if got.URL != a.URL || got.Secret != a.Secret || !slices.Equal(got.Events, a.Events) || !got.Enabled ||
		got.EnabledAt == nil || !got.EnabledAt.Equal(*a.EnabledAt) || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("webhook read back as %+v, want %+v", got, a)
	}
	_, err = s.GetWebhook(ctx(t), e.live.ID, a.ID)
	wantKind(t, "a webhook through another environment", err, errs.KindNotFound)
	list, err := s.ListWebhooks(ctx(t), e.sandbox.ID)
	must(t, "ListWebhooks", err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListWebhooks: %+v", list)
	}

	// The pings are enqueued with their webhooks, each to its own webhook
	// only; the refused webhook's ping is not.
	now := c.next()
	jobs := q.enqueued(t)
	if len(jobs) != 3 {
		t.Fatalf("%d jobs enqueued, want the 3 pings: %v", len(jobs), jobs)
	}
	ping := jobs[a.ID+" ping"]
	if ping.Event.ID != aPing.ID || ping.Event.EnvironmentName != "sandbox" || !sameJSON(ping.Event.Data, `{"ping":true}`) ||
		ping.Webhook.URL != a.URL || ping.Webhook.Secret != a.Secret || !ping.Webhook.Enabled || ping.Attempts != 0 || ping.Redelivery {
		t.Fatalf("a's ping job: %+v", ping)
	}
	if jobs[b.ID+" ping"].Webhook.Enabled {
		t.Fatal("b is disabled, its job says enabled")
	}
	// A job of an older generation (the message was redelivered since)
	// records nothing.
	stale := ping
	stale.Generation--
	must(t, "Record of an older generation", record(t, s, webhooks.Outcome{Job: stale, At: now, Status: webhooks.StatusDelivered,
		Delivery: &webhooks.Delivery{ID: id(), MessageID: ping.MessageID, WebhookID: a.ID, Attempt: 1, Status: webhooks.StatusDelivered,
			Request: []byte(`{}`), AttemptedAt: now}}))
	for _, j := range jobs {
		var d *webhooks.Delivery
		if j.Webhook.Enabled {
			d = &webhooks.Delivery{ID: id(), MessageID: j.MessageID, WebhookID: j.Webhook.ID, Attempt: 1, Status: webhooks.StatusDelivered,
				Request: []byte(`{"eventName":"ping"}`), HTTPStatus: 200, Response: "ok", DurationMS: 12, AttemptedAt: now}
		}
		must(t, "Record", record(t, s, webhooks.Outcome{Job: j, At: now, Status: webhooks.StatusDelivered, Delivery: d}))
	}
	ms, err := s.ListDeliveries(ctx(t), e.sandbox.ID, a.ID, "", webhooks.Page{Limit: 10})
	must(t, "ListDeliveries", err)
	if len(ms) != 1 || ms[0].MessageID != ping.MessageID || ms[0].EventID != aPing.ID || ms[0].HTTPStatus != 200 ||
		ms[0].Response != "ok" || string(ms[0].Request) != `{"eventName":"ping"}` || ms[0].DurationMS != 12 || !ms[0].AttemptedAt.Equal(now) {
		t.Fatalf("a's log after the ping (the stale record must not be there): %+v", ms)
	}

	// A sign-in's events fan out in its transaction to the enabled,
	// subscribed webhooks of its environment only.
	u, _ := signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	signIn(t, s, c, e.live.ID, newWallet(t, e.live.ID))
	now = c.next()
	jobs = q.enqueued(t)
	if len(jobs) != 3 || jobs[a.ID+" "+events.UserCreated].Event.UserID != u.ID || jobs[a.ID+" "+events.SessionCreated].MessageID == "" ||
		jobs[l.ID+" "+events.UserCreated].Event.EnvironmentName != "live" {
		t.Fatalf("after two sign-ins: %v", jobs)
	}
	uc := jobs[a.ID+" "+events.UserCreated]
	var data map[string]any
	if err := json.Unmarshal(uc.Event.Data, &data); err != nil {
		t.Fatalf("event data %s: %v", uc.Event.Data, err)
	}

	// A failed attempt: pending again at NextAt, the webhook's failures
	// counted; the next failure disables it.
	next := now.Add(10 * time.Second)
	must(t, "Record failure", record(t, s, webhooks.Outcome{Job: uc, At: now, Status: webhooks.StatusPending, NextAt: next, Failed: true,
		Delivery: &webhooks.Delivery{ID: id(), MessageID: uc.MessageID, WebhookID: a.ID, Attempt: 1, Status: webhooks.StatusFailed,
			Request: []byte(`{}`), HTTPStatus: 500, Error: "endpoint answered 500", AttemptedAt: now}}))
	for _, j := range jobs {
		if j.MessageID != uc.MessageID {
			must(t, "Record", record(t, s, webhooks.Outcome{Job: j, At: now, Status: webhooks.StatusDelivered}))
		}
	}
	if got := q.enqueued(t); len(got) != 0 {
		t.Fatalf("recording outcomes enqueued jobs: %v", got)
	}
	retry, err := s.Load(ctx(t), uc.MessageID)
	must(t, "Load", err)
	if retry.Status != webhooks.StatusPending || retry.Attempts != 1 || retry.Tries != 1 || retry.Webhook.Failures != 1 {
		t.Fatalf("the retry: %+v", retry)
	}
	must(t, "Record failure and disable", record(t, s, webhooks.Outcome{Job: *retry, At: next, Status: webhooks.StatusFailed, Failed: true,
		DisableAfter: 2, DisableReason: "too many failures", Delivery: &webhooks.Delivery{ID: id(), MessageID: uc.MessageID, WebhookID: a.ID, Attempt: 2,
			Status: webhooks.StatusFailed, Request: []byte(`{}`), Error: "timeout", AttemptedAt: next}}))
	got, _ = s.GetWebhook(ctx(t), e.sandbox.ID, a.ID)
	if got.Enabled || got.DisabledReason != "too many failures" || got.Failures != 2 || got.EnabledAt != nil {
		t.Fatalf("after the disabling failure: %+v", got)
	}
	if m, _ := s.Load(ctx(t), uc.MessageID); m.Status != webhooks.StatusFailed {
		t.Fatalf("message after its last attempt: %+v", m)
	}
	signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	if got := q.enqueued(t); len(got) != 0 {
		t.Fatalf("a disabled webhook got messages: %v", got)
	}

	// The message log: newest first, paged; one message's attempts in order.
	all, err := s.ListDeliveries(ctx(t), e.sandbox.ID, a.ID, "", webhooks.Page{Limit: 10})
	must(t, "ListDeliveries", err)
	if len(all) != 3 || all[0].Attempt != 2 || all[1].Attempt != 1 || all[2].MessageID != ping.MessageID {
		t.Fatalf("log: %+v", all)
	}
	page, err := s.ListDeliveries(ctx(t), e.sandbox.ID, a.ID, "", webhooks.Page{AfterAt: all[0].AttemptedAt, AfterID: all[0].ID, Limit: 1})
	must(t, "ListDeliveries page 2", err)
	if len(page) != 1 || page[0].ID != all[1].ID {
		t.Fatalf("page after %s: %+v", all[0].ID, page)
	}
	tries, err := s.ListDeliveries(ctx(t), e.sandbox.ID, a.ID, uc.MessageID, webhooks.Page{Limit: 10})
	must(t, "ListDeliveries of a message", err)
	if len(tries) != 2 || tries[0].Attempt != 1 || tries[0].HTTPStatus != 500 || tries[1].Error != "timeout" {
		t.Fatalf("the message's attempts: %+v", tries)
	}
	_, err = s.ListDeliveries(ctx(t), e.live.ID, a.ID, uc.MessageID, webhooks.Page{Limit: 10})
	wantKind(t, "a message through another environment", err, errs.KindNotFound)

	// Re-enabling clears the failures; a redelivery is due at once, flagged.
	enabled, err := s.UpdateWebhook(ctx(t), webhooks.Webhook{ID: a.ID, EnvironmentID: e.sandbox.ID, URL: a.URL + "/v2",
		Events: []string{events.UserCreated}, Enabled: true, UpdatedAt: c.next()})
	must(t, "UpdateWebhook", err)
	if !enabled.Enabled || enabled.Failures != 0 || enabled.DisabledReason != "" || enabled.EnabledAt == nil || enabled.URL != a.URL+"/v2" {
		t.Fatalf("re-enabled: %+v", enabled)
	}
	must(t, "Redeliver", s.Redeliver(ctx(t), e.sandbox.ID, a.ID, uc.MessageID, c.next()))
	wantKind(t, "redeliver through another environment", s.Redeliver(ctx(t), e.live.ID, a.ID, uc.MessageID, c.t), errs.KindNotFound)
	red := q.enqueued(t)[a.ID+" "+events.UserCreated]
	if !red.Redelivery || red.Tries != 0 || red.Attempts != 2 || red.Webhook.URL != a.URL+"/v2" || red.Generation != uc.Generation+1 {
		t.Fatalf("the redelivery: %+v", red)
	}
	// The first job's outcome, late, changes nothing now.
	must(t, "Record of the first generation", record(t, s, webhooks.Outcome{Job: *retry, At: c.t, Status: webhooks.StatusFailed}))
	if m, _ := s.Load(ctx(t), uc.MessageID); m.Status != webhooks.StatusPending {
		t.Fatalf("the redelivered message after an older job's outcome: %+v", m)
	}
	must(t, "Record", record(t, s, webhooks.Outcome{Job: red, At: c.t, Status: webhooks.StatusDelivered}))
	// The new subscription list holds: no session events any more.
	signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	after := q.enqueued(t)
	if len(after) != 1 || after[a.ID+" "+events.UserCreated].MessageID == "" {
		t.Fatalf("after narrowing the subscription: %v", after)
	}

	wantKind(t, "delete through another environment", s.DeleteWebhook(ctx(t), e.live.ID, a.ID), errs.KindNotFound)
	must(t, "DeleteWebhook", s.DeleteWebhook(ctx(t), e.sandbox.ID, a.ID))
	if m, err := s.Load(ctx(t), red.MessageID); m != nil || err != nil {
		t.Fatalf("a deleted webhook's message loads as %+v, %v", m, err)
	}
	_, err = s.GetWebhook(ctx(t), e.sandbox.ID, a.ID)
	wantKind(t, "a deleted webhook", err, errs.KindNotFound)
	_, err = s.UpdateWebhook(ctx(t), webhooks.Webhook{ID: a.ID, EnvironmentID: e.sandbox.ID, URL: a.URL, Enabled: true, UpdatedAt: c.next()})
	wantKind(t, "update a deleted webhook", err, errs.KindNotFound)
}

// Concurrent sign-ins (SQLite commits them as one group, each in its
// savepoint; PostgreSQL pipelines each) enqueue one job per message, and
// the ones that fail (a nonce used twice) enqueue nothing: the jobs are in
// the events' transactions.
func testWebhookJobsInTransaction(t *testing.T, s store.Store) {
	c := newClock()
	e := newEndEnv(t, s, c)
	q := &jobQueue{s: s}
	h, ping := newHook(c, e.sandbox.ID, true, events.UserCreated)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), h, ping, 5))
	q.list(t)
	used := issueNonce(t, s, c, e.sandbox.ID)
	_, _, err := s.CompleteSignIn(ctx(t), newWrite(t, e.sandbox.ID, newWallet(t, e.sandbox.ID), c.next(), used))
	must(t, "first sign-in", err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[string]bool{}
	for i := range 8 {
		nonce := used
		if i%4 != 0 {
			nonce = issueNonce(t, s, c, e.sandbox.ID)
		}
		w := newWrite(t, e.sandbox.ID, newWallet(t, e.sandbox.ID), c.next(), nonce)
		wg.Go(func() {
			if u, _, err := s.CompleteSignIn(ctx(t), w); err == nil {
				mu.Lock()
				ok[u.ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(ok) != 6 {
		t.Fatalf("%d sign-ins succeeded, want the 6 with fresh nonces", len(ok))
	}
	got := map[string]bool{}
	for _, j := range q.list(t) {
		if j.Event.Name != events.UserCreated || j.Webhook.ID != h.ID || got[j.Event.UserID] {
			t.Fatalf("job %+v", j)
		}
		got[j.Event.UserID] = true
	}
	if len(got) != 7 || !reflect.DeepEqual(got, merge(ok, got)) {
		t.Fatalf("jobs for users %v, want the first and %v", got, ok)
	}
}

func merge(sub, all map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range all {
		out[k] = true
	}
	for k := range sub {
		out[k] = true
	}
	return out
}

// record is s.Record for a test that does not ask whether the outcome
// disabled the webhook.
func record(t *testing.T, s store.Store, o webhooks.Outcome) error {
	t.Helper()
	_, err := s.Record(ctx(t), o)
	return err
}

// failedAttempt is the outcome of j's next attempt failing at at, the
// webhook disabled after disableAfter consecutive failures.
func failedAttempt(j webhooks.Job, at time.Time, disableAfter int) webhooks.Outcome {
	return webhooks.Outcome{Job: j, At: at, Status: webhooks.StatusFailed, Failed: true, DisableAfter: disableAfter,
		DisableReason: "too many failures", Delivery: &webhooks.Delivery{ID: id(), MessageID: j.MessageID, WebhookID: j.Webhook.ID,
			Attempt: j.Attempts + 1, Status: webhooks.StatusFailed, Request: []byte(`{}`), HTTPStatus: 500,
			Error: "endpoint answered 500", AttemptedAt: at}}
}

// A failed attempt disables its webhook on the failure count as
// committed, not as its job loaded it before the attempt: concurrent
// failures cross the threshold once, and a failure of an attempt loaded
// before an operator re-enabled the webhook counts for nothing.
func testWebhookDisable(t *testing.T, s store.Store) {
	const threshold = 3
	f := newHookedSignIns(t, s, 3)
	c, e, h, jobs, q := f.c, f.e, f.h, f.jobs, f.q
	reload := func(j webhooks.Job) webhooks.Job {
		t.Helper()
		got, err := s.Load(ctx(t), j.MessageID)
		must(t, "Load", err)
		return *got
	}
	fail := func(what string, j webhooks.Job, want bool) {
		t.Helper()
		disabled, err := s.Record(ctx(t), failedAttempt(j, c.next(), threshold))
		must(t, what, err)
		if disabled != want {
			t.Fatalf("%s: disabled %v, want %v", what, disabled, want)
		}
	}
	fail("first failure", jobs[0], false)
	fail("second failure", reload(jobs[1]), false)
	late := reload(jobs[2]) // in flight, at two failures, while …
	fail("third failure", reload(jobs[3]), true)
	got, err := s.GetWebhook(ctx(t), e.sandbox.ID, h.ID)
	must(t, "GetWebhook", err)
	if got.Enabled || got.Failures != threshold || got.DisabledReason != "too many failures" || got.EnabledAt != nil {
		t.Fatalf("after %d failures: %+v", threshold, got)
	}
	// … the operator re-enables the webhook; then the attempt fails.
	_, err = s.UpdateWebhook(ctx(t), webhooks.Webhook{ID: h.ID, EnvironmentID: e.sandbox.ID, URL: h.URL, Events: h.Events,
		Enabled: true, UpdatedAt: c.next()})
	must(t, "UpdateWebhook", err)
	fail("a failure loaded before the re-enable", late, false)
	got, err = s.GetWebhook(ctx(t), e.sandbox.ID, h.ID)
	must(t, "GetWebhook", err)
	if !got.Enabled || got.Failures != 0 || got.DisabledReason != "" {
		t.Fatalf("re-enabled, after a failure loaded before: %+v", got)
	}

	// Many attempts loaded at no failures fail together: the one that
	// counts to the threshold disables the webhook, the later ones count
	// no further.
	for range 8 {
		signIn(t, s, c, e.sandbox.ID, newWallet(t, e.sandbox.ID))
	}
	var outcomes []webhooks.Outcome
	for _, j := range q.list(t) {
		outcomes = append(outcomes, failedAttempt(j, c.next(), threshold))
	}
	if len(outcomes) != 8 {
		t.Fatalf("%d jobs, want 8", len(outcomes))
	}
	var wg sync.WaitGroup
	var disabled atomic.Int32
	for _, o := range outcomes {
		wg.Go(func() {
			d, err := s.Record(ctx(t), o)
			if err != nil {
				t.Errorf("Record: %v", err)
			}
			if d {
				disabled.Add(1)
			}
		})
	}
	wg.Wait()
	got, err = s.GetWebhook(ctx(t), e.sandbox.ID, h.ID)
	must(t, "GetWebhook", err)
	if n := disabled.Load(); n != 1 || got.Enabled || got.Failures != threshold {
		t.Fatalf("8 concurrent failures: %d disabled the webhook, want 1; webhook %+v", n, got)
	}
}

// sameJSON compares JSON by value: PostgreSQL stores event data as jsonb,
// which re-encodes it.
func sameJSON(got []byte, want string) bool {
	var a, b any
	return json.Unmarshal(got, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && reflect.DeepEqual(a, b)
}

// testWebhookLogPastPurge: the messages log pages newest attempt first,
// and the event retention deletes old events with their messages and
// attempts; an event's attempt can be newer than a younger event's (a
// retry a day later). The last attempt of a page, gone by the next page,
// must not end the log there.
func testWebhookLogPastPurge(t *testing.T, s store.Store) {
	f := newHookedSignIns(t, s, 2)
	c, e, h, ping, jobs := f.c, f.e, f.h, f.ping, f.jobs
	// The sign-ins' messages delivered first, the ping's last.
	for _, j := range append(jobs[1:], jobs[0]) {
		at := c.next()
		must(t, "Record", record(t, s, webhooks.Outcome{Job: j, At: at, Status: webhooks.StatusDelivered,
			Delivery: &webhooks.Delivery{ID: id(), MessageID: j.MessageID, WebhookID: h.ID, Attempt: 1,
				Status: webhooks.StatusDelivered, Request: []byte(`{}`), HTTPStatus: 200, AttemptedAt: at}}))
	}
	first, err := s.ListDeliveries(ctx(t), e.sandbox.ID, h.ID, "", webhooks.Page{Limit: 1})
	must(t, "ListDeliveries", err)
	if len(first) != 1 || first[0].EventID != ping.ID {
		t.Fatalf("first page %+v, want the ping's attempt", first)
	}
	n, err := s.DeleteEventsBefore(ctx(t), ping.CreatedAt.Add(time.Millisecond), 100)
	if err != nil || n < 1 {
		t.Fatalf("DeleteEventsBefore: %d, %v; want the ping purged", n, err)
	}
	rest, err := s.ListDeliveries(ctx(t), e.sandbox.ID, h.ID, "", webhooks.Page{AfterAt: first[0].AttemptedAt, AfterID: first[0].ID, Limit: 10})
	must(t, "ListDeliveries after the purge", err)
	if len(rest) != 2 || rest[0].MessageID != jobs[2].MessageID || rest[1].MessageID != jobs[1].MessageID {
		t.Fatalf("the page after an attempt the retention deleted: %+v, want the sign-ins' 2", rest)
	}
}
