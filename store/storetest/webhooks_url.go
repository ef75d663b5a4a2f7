package storetest

import (
	"testing"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// testWebhookURLChange: a webhook given a new URL starts its failure
// count over, and an attempt to the old URL, in flight across the change,
// counts for nothing: failures of the old endpoint must not disable the
// new one. An update keeping the URL keeps the count.
func testWebhookURLChange(t *testing.T, s store.Store) {
	const threshold = 3
	f := newHookedSignIns(t, s, 4)
	c, e, h, jobs := f.c, f.e, f.h, f.jobs
	fail := func(what string, j webhooks.Job, want bool) {
		t.Helper()
		got, err := s.Load(ctx(t), j.MessageID)
		must(t, what+": Load", err)
		disabled, err := s.Record(ctx(t), failedAttempt(*got, c.next(), threshold))
		must(t, what, err)
		if disabled != want {
			t.Fatalf("%s: disabled %v, want %v", what, disabled, want)
		}
	}
	failures := func(what string, want int) {
		t.Helper()
		got, err := s.GetWebhook(ctx(t), e.sandbox.ID, h.ID)
		must(t, what+": GetWebhook", err)
		if !got.Enabled || got.Failures != want {
			t.Fatalf("%s: enabled %v, failures %d; want enabled, %d", what, got.Enabled, got.Failures, want)
		}
	}
	update := func(url string) {
		t.Helper()
		_, err := s.UpdateWebhook(ctx(t), webhooks.Webhook{ID: h.ID, EnvironmentID: e.sandbox.ID, URL: url, Events: h.Events,
			Enabled: true, UpdatedAt: c.next()})
		must(t, "UpdateWebhook", err)
	}

	fail("a failure", jobs[0], false)
	update(h.URL) // the same URL: the count stays
	failures("an update keeping the URL", 1)
	fail("a second failure", jobs[1], false)
	late, err := s.Load(ctx(t), jobs[2].MessageID) // in flight, to the old URL, while …
	must(t, "Load", err)
	update(h.URL + "/new") // … the operator points the webhook elsewhere
	failures("the URL changed", 0)
	disabled, err := s.Record(ctx(t), failedAttempt(*late, c.next(), threshold))
	must(t, "a failure of the old URL", err)
	if disabled {
		t.Fatal("a failure of the old URL disabled the webhook")
	}
	failures("a failure of the old URL after the change", 0)
	fail("the new URL's first failure", jobs[3], false)
	failures("the new URL's first failure", 1)
}

// hookedSignIns is an environment with an enabled webhook on
// user.created and n wallet sign-ins: the jobs enqueued, the ping's first.
type hookedSignIns struct {
	c    *clock
	e    endEnv
	h    webhooks.Webhook
	ping webhooks.Event
	jobs []webhooks.Job
	q    *jobQueue // lists the jobs enqueued after these
}

func newHookedSignIns(t *testing.T, s store.Store, n int) hookedSignIns {
	t.Helper()
	f := hookedSignIns{c: newClock()}
	f.e = newEndEnv(t, s, f.c)
	f.q = &jobQueue{s: s}
	f.q.list(t)
	f.h, f.ping = newHook(f.c, f.e.sandbox.ID, true, events.UserCreated)
	must(t, "CreateWebhook", s.CreateWebhook(ctx(t), f.h, f.ping, 5))
	for range n {
		signIn(t, s, f.c, f.e.sandbox.ID, newWallet(t, f.e.sandbox.ID))
	}
	f.jobs = f.q.list(t)
	if len(f.jobs) != n+1 || f.jobs[0].Event.ID != f.ping.ID {
		t.Fatalf("jobs %+v, want the ping and %d user.created", f.jobs, n)
	}
	return f
}
