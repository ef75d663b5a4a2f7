package webhooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// memQueue is the Queue contract in memory, enough to drive the Worker's
// decisions; the SQL stores implement the same contract, tested in
// store/storetest.
type memQueue struct {
	mu         sync.Mutex
	msgs       map[string]*memMsg
	hooks      map[string]*Webhook
	deliveries []Delivery
}

type memMsg struct {
	job    Job
	status string
	nextAt time.Time
	lease  time.Time
}

func newMemQueue(hooks ...*Webhook) *memQueue {
	q := &memQueue{msgs: map[string]*memMsg{}, hooks: map[string]*Webhook{}}
	for _, h := range hooks {
		q.hooks[h.ID] = h
	}
	return q
}

func (q *memQueue) enqueue(id string, ev Event, hookID string, at time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs[id] = &memMsg{job: Job{MessageID: id, Event: ev, Webhook: Webhook{ID: hookID}}, status: StatusPending, nextAt: at}
}

func (q *memQueue) Claim(_ context.Context, now time.Time, lease time.Duration, limit int) ([]Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var jobs []Job
	for _, m := range q.msgs {
		if len(jobs) == limit || m.status != StatusPending || m.nextAt.After(now) || m.lease.After(now) {
			continue
		}
		m.lease = now.Add(lease)
		j := m.job
		j.Webhook = *q.hooks[j.Webhook.ID]
		j.Lease = m.lease
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func (q *memQueue) Record(_ context.Context, o Outcome) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.msgs[o.Job.MessageID]
	if !m.lease.Equal(o.Job.Lease) {
		return nil
	}
	m.lease, m.status, m.nextAt = time.Time{}, o.Status, o.NextAt
	if o.Delivery != nil {
		q.deliveries = append(q.deliveries, *o.Delivery)
		m.job.Attempts++
		m.job.Tries++
	}
	h := q.hooks[o.Job.Webhook.ID]
	if o.Failed {
		h.Failures++
	} else if o.Delivery != nil {
		h.Failures = 0
	}
	if o.Disable != "" {
		h.Enabled, h.DisabledReason = false, o.Disable
	}
	return nil
}

func (q *memQueue) status(id string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.msgs[id].status
}

// receiver is an endpoint that checks every signature and answers with the
// statuses it is given in turn (200 once they run out).
type receiver struct {
	t        *testing.T
	secret   string
	mu       sync.Mutex
	statuses []int
	got      []Envelope
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !Verify(r.secret, body, req.Header.Get(SignatureHeader)) {
		r.t.Errorf("bad signature %q on %s", req.Header.Get(SignatureHeader), body)
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		r.t.Errorf("envelope: %v", err)
	}
	r.mu.Lock()
	r.got = append(r.got, env)
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(status)
	w.Write([]byte(`{"seen":true}`))
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func setup(t *testing.T, statuses []int, disableAfter int) (*Worker, *memQueue, *receiver, *clock, *Webhook) {
	t.Helper()
	rcv := &receiver{t: t, secret: "s3cret", statuses: statuses}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	hook := &Webhook{ID: "wh1", URL: srv.URL + "/hook", Secret: rcv.secret, Enabled: true, Events: []string{"user.created"}}
	q := newMemQueue(hook)
	clk := &clock{now: time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)}
	w := NewWorker(WorkerDeps{
		Queue:        q,
		Sender:       &Sender{Client: NewClient(ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true}), Now: clk.Now},
		Live:         Schedule{time.Second, time.Minute},
		Sandbox:      Schedule{time.Second},
		DisableAfter: disableAfter,
		Now:          clk.Now,
		Rand:         func() float64 { return 0.5 },
	})
	return w, q, rcv, clk, hook
}

func userCreated(env string) Event {
	return Event{ID: "ev1", Name: "user.created", EnvironmentID: "env1", EnvironmentName: env, UserID: "u1",
		Data: json.RawMessage(`{"userId":"u1"}`), CreatedAt: time.Date(2026, 12, 31, 23, 58, 0, 0, time.UTC)}
}

func runOnce(t *testing.T, w *Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWorkerRetriesOnScheduleThenDelivers(t *testing.T) {
	w, q, rcv, clk, hook := setup(t, []int{500, 503}, 0)
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)

	if runOnce(t, w) != 1 || q.status("m1") != StatusPending {
		t.Fatalf("after a 500: status %s", q.status("m1"))
	}
	if runOnce(t, w) != 0 {
		t.Fatal("retried before the schedule's first wait")
	}
	clk.Advance(time.Second)
	runOnce(t, w)
	clk.Advance(59 * time.Second)
	if runOnce(t, w) != 0 {
		t.Fatal("retried before the schedule's second wait")
	}
	clk.Advance(time.Second)
	runOnce(t, w)
	if s := q.status("m1"); s != StatusDelivered {
		t.Fatalf("status %s after 500, 503, 200", s)
	}
	if len(rcv.got) != 3 || len(q.deliveries) != 3 {
		t.Fatalf("%d requests, %d log rows; want 3", len(rcv.got), len(q.deliveries))
	}
	for i, env := range rcv.got {
		if env.MessageID != "m1" || env.EventID != "ev1" || env.WebhookID != "wh1" || env.EventName != "user.created" ||
			env.EnvironmentID != "env1" || env.EnvironmentName != "live" || env.UserID != "u1" || env.Redelivery ||
			env.Timestamp != "2026-12-31T23:58:00.000Z" || string(env.Data) != `{"userId":"u1"}` {
			t.Errorf("envelope %d: %+v", i, env)
		}
	}
	for i, d := range q.deliveries {
		wantStatus, wantHTTP := StatusFailed, []int{500, 503, 200}[i]
		if i == 2 {
			wantStatus = StatusDelivered
		}
		if d.Attempt != i+1 || d.Status != wantStatus || d.HTTPStatus != wantHTTP || d.Response != `{"seen":true}` || len(d.Request) == 0 {
			t.Errorf("log row %d: %+v", i, d)
		}
	}
	if hook.Failures != 0 {
		t.Fatalf("failures %d after a success, want 0", hook.Failures)
	}
}

func TestWorkerGivesUpAndDisables(t *testing.T) {
	w, q, rcv, clk, hook := setup(t, []int{500, 500, 500, 500, 500}, 3)
	q.enqueue("m1", userCreated("sandbox"), "wh1", clk.now)
	runOnce(t, w)
	clk.Advance(time.Second)
	runOnce(t, w)
	if s := q.status("m1"); s != StatusFailed {
		t.Fatalf("sandbox message after its 2 attempts: %s, want failed", s)
	}
	if !hook.Enabled || hook.Failures != 2 {
		t.Fatalf("after 2 failures: enabled %v, failures %d", hook.Enabled, hook.Failures)
	}
	q.enqueue("m2", userCreated("sandbox"), "wh1", clk.now)
	runOnce(t, w)
	if hook.Enabled || hook.DisabledReason == "" {
		t.Fatalf("after 3 consecutive failures: enabled %v, reason %q", hook.Enabled, hook.DisabledReason)
	}
	// A disabled webhook delivers nothing: m2's retry is not sent.
	clk.Advance(time.Minute)
	runOnce(t, w)
	if len(rcv.got) != 3 || q.status("m2") != StatusFailed {
		t.Fatalf("%d requests, m2 %s; want 3 and failed", len(rcv.got), q.status("m2"))
	}
}

// A worker that dies mid-attempt leaves its lease behind: nobody takes the
// message until the lease ends, then it goes out again with the same
// messageId.
func TestLeaseExpiryRedelivers(t *testing.T) {
	w, q, rcv, clk, _ := setup(t, nil, 0)
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	if jobs, _ := q.Claim(context.Background(), clk.now, time.Minute, 10); len(jobs) != 1 {
		t.Fatal("the crashed worker's claim")
	}
	if runOnce(t, w) != 0 {
		t.Fatal("claimed a leased message")
	}
	clk.Advance(time.Minute + time.Second)
	runOnce(t, w)
	if q.status("m1") != StatusDelivered || len(rcv.got) != 1 || rcv.got[0].MessageID != "m1" {
		t.Fatalf("status %s, %d requests", q.status("m1"), len(rcv.got))
	}
}

func TestWorkerRefusesLoopbackWithoutFlag(t *testing.T) {
	w, q, rcv, clk, hook := setup(t, nil, 0)
	w.d.Sender = &Sender{Client: NewClient(ClientOptions{Timeout: time.Second})}
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	runOnce(t, w)
	if len(rcv.got) != 0 || len(q.deliveries) != 1 || q.deliveries[0].HTTPStatus != 0 || hook.Failures != 1 {
		t.Fatalf("requests %d, log %+v", len(rcv.got), q.deliveries)
	}
}
