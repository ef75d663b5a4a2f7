package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/internal/netguard"
	"github.com/dynamicauth/dynamicauth/secrets"
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

func (q *memQueue) Load(_ context.Context, id string) (*Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, ok := q.msgs[id]
	if !ok {
		return nil, nil
	}
	j := m.job
	j.Status = m.status
	j.Webhook = *q.hooks[j.Webhook.ID]
	return &j, nil
}

func (q *memQueue) Record(_ context.Context, o Outcome) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.msgs[o.Job.MessageID]
	if m.job.Generation != o.Job.Generation {
		return false, nil
	}
	m.status, m.nextAt = o.Status, o.NextAt
	if o.Delivery != nil {
		q.deliveries = append(q.deliveries, *o.Delivery)
		m.job.Attempts++
		m.job.Tries++
	}
	h := q.hooks[o.Job.Webhook.ID]
	switch {
	case o.Failed && h.Enabled && h.Epoch == o.Job.Webhook.Epoch:
		h.Failures++
		if o.DisableAfter > 0 && h.Failures >= o.DisableAfter {
			h.Enabled, h.DisabledReason = false, o.DisableReason
			return true, nil
		}
	case !o.Failed && o.Delivery != nil:
		h.Failures = 0
	}
	return false, nil
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
		Sender:       &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true}), Now: clk.Now},
		Live:         Schedule{time.Second, time.Minute},
		Sandbox:      Schedule{time.Second},
		DisableAfter: disableAfter,
		Now:          clk.Now,
		Rand:         func() float64 { return 0.5 },
		Keys:         testKeys(t),
	})
	return w, q, rcv, clk, hook
}

func userCreated(env string) Event {
	return Event{ID: "ev1", Name: "user.created", EnvironmentID: "env1", EnvironmentName: env, UserID: "u1",
		Data: json.RawMessage(`{"userId":"u1"}`), CreatedAt: time.Date(2026, 12, 31, 23, 58, 0, 0, time.UTC)}
}

// attempt runs the message's job as River would when it is due: the
// message must be due at the clock's time (its next attempt not later),
// and the job's next run is when the worker says.
func attempt(t *testing.T, w *Worker, q *memQueue, clk *clock, id string) {
	t.Helper()
	q.mu.Lock()
	m := q.msgs[id]
	due, gen := m.nextAt, m.job.Generation
	q.mu.Unlock()
	if due.After(clk.now) {
		t.Fatalf("message %s attempted at %s, due at %s", id, clk.now, due)
	}
	next, err := w.Deliver(context.Background(), DeliveryArgs{MessageID: id, Generation: gen})
	if err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !next.Equal(m.nextAt) && m.status == StatusPending {
		t.Fatalf("Deliver says next at %s, the message %s", next, m.nextAt)
	}
}

func TestWorkerRetriesOnScheduleThenDelivers(t *testing.T) {
	w, q, rcv, clk, hook := setup(t, []int{500, 503}, 0)
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)

	attempt(t, w, q, clk, "m1")
	if s := q.status("m1"); s != StatusPending || !q.msgs["m1"].nextAt.Equal(clk.now.Add(time.Second)) {
		t.Fatalf("after a 500: status %s, next %s", s, q.msgs["m1"].nextAt)
	}
	clk.Advance(time.Second)
	attempt(t, w, q, clk, "m1")
	if next := q.msgs["m1"].nextAt; !next.Equal(clk.now.Add(time.Minute)) {
		t.Fatalf("the second wait ends at %s, want a minute from %s", next, clk.now)
	}
	clk.Advance(time.Minute)
	attempt(t, w, q, clk, "m1")
	if s := q.status("m1"); s != StatusDelivered {
		t.Fatalf("status %s after 500, 503, 200", s)
	}
	// Its job, run again (a duplicate run), sends nothing more.
	if next, err := w.Deliver(context.Background(), DeliveryArgs{MessageID: "m1"}); err != nil || !next.IsZero() {
		t.Fatalf("a delivered message's job: %s, %v", next, err)
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
	attempt(t, w, q, clk, "m1")
	clk.Advance(time.Second)
	attempt(t, w, q, clk, "m1")
	if s := q.status("m1"); s != StatusFailed {
		t.Fatalf("sandbox message after its 2 attempts: %s, want failed", s)
	}
	if !hook.Enabled || hook.Failures != 2 {
		t.Fatalf("after 2 failures: enabled %v, failures %d", hook.Enabled, hook.Failures)
	}
	q.enqueue("m2", userCreated("sandbox"), "wh1", clk.now)
	attempt(t, w, q, clk, "m2")
	if hook.Enabled || hook.DisabledReason == "" {
		t.Fatalf("after 3 consecutive failures: enabled %v, reason %q", hook.Enabled, hook.DisabledReason)
	}
	// A disabled webhook delivers nothing: m2's retry is not sent.
	clk.Advance(time.Minute)
	attempt(t, w, q, clk, "m2")
	if len(rcv.got) != 3 || q.status("m2") != StatusFailed {
		t.Fatalf("%d requests, m2 %s; want 3 and failed", len(rcv.got), q.status("m2"))
	}
}

// A job of an older generation (the message was redelivered since) and a
// job whose message is gone (its webhook was deleted) send nothing.
func TestWorkerSkipsStaleAndDeletedJobs(t *testing.T) {
	w, q, rcv, clk, _ := setup(t, nil, 0)
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	q.msgs["m1"].job.Generation = 1
	for _, a := range []DeliveryArgs{{MessageID: "m1", Generation: 0}, {MessageID: "gone"}} {
		if next, err := w.Deliver(context.Background(), a); err != nil || !next.IsZero() {
			t.Fatalf("%+v: %s, %v", a, next, err)
		}
	}
	if len(rcv.got) != 0 || q.status("m1") != StatusPending {
		t.Fatalf("%d requests, m1 %s", len(rcv.got), q.status("m1"))
	}
	attempt(t, w, q, clk, "m1")
	if len(rcv.got) != 1 || q.status("m1") != StatusDelivered {
		t.Fatalf("the current generation: %d requests, m1 %s", len(rcv.got), q.status("m1"))
	}
}

func TestWorkerRefusesLoopbackWithoutFlag(t *testing.T) {
	w, q, rcv, clk, hook := setup(t, nil, 0)
	w.d.Sender = &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: time.Second})}
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	attempt(t, w, q, clk, "m1")
	if len(rcv.got) != 0 || len(q.deliveries) != 1 || q.deliveries[0].HTTPStatus != 0 || hook.Failures != 1 {
		t.Fatalf("requests %d, log %+v", len(rcv.got), q.deliveries)
	}
}

func testKeys(t *testing.T) *secrets.Keys {
	t.Helper()
	k, err := secrets.New(bytes.Repeat([]byte{9}, secrets.MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestWorkerSignsWithTheSealedSecret: the worker opens the secret the
// store keeps sealed and signs with the plaintext; a secret that opens
// under no master secret sends nothing.
func TestWorkerSignsWithTheSealedSecret(t *testing.T) {
	w, q, rcv, clk, hook := setup(t, nil, 0)
	stored, err := sealSecret(testKeys(t), *hook)
	if err != nil || stored.Secret == rcv.secret {
		t.Fatalf("sealSecret: %q, %v", stored.Secret, err)
	}
	hook.Secret = stored.Secret
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	attempt(t, w, q, clk, "m1")
	if s := q.status("m1"); s != StatusDelivered || len(rcv.got) != 1 {
		t.Fatalf("a sealed secret: status %s, %d requests", s, len(rcv.got))
	}

	other, err := secrets.New(bytes.Repeat([]byte{8}, secrets.MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := sealSecret(other, Webhook{ID: hook.ID, Secret: rcv.secret})
	hook.Secret = foreign.Secret
	q.enqueue("m2", userCreated("live"), "wh1", clk.now)
	attempt(t, w, q, clk, "m2")
	if s := q.status("m2"); s != StatusFailed || len(rcv.got) != 1 {
		t.Fatalf("a secret of another master secret: status %s, %d requests", s, len(rcv.got))
	}
}

// TestDisableLogKeepsURLSecrets: a receiver URL may carry a token (in its
// query, or as userinfo); the operator's log line for a disabled webhook
// names the endpoint without it, also in the delivery error it quotes.
func TestDisableLogKeepsURLSecrets(t *testing.T) {
	w, q, _, clk, hook := setup(t, nil, 1)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens: the client's error quotes the URL
	hook.URL = strings.Replace(closed.URL, "http://", "http://user:pa55word@", 1) + "/hook?token=t0psecret"
	var buf bytes.Buffer
	w.d.Log = slog.New(slog.NewTextHandler(&buf, nil))
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	attempt(t, w, q, clk, "m1")
	if hook.Enabled {
		t.Fatal("the webhook was not disabled")
	}
	out := buf.String()
	if !strings.Contains(out, "webhook disabled") || !strings.Contains(out, "/hook") {
		t.Fatalf("no disable line naming the endpoint: %s", out)
	}
	for _, secret := range []string{"t0psecret", "pa55word"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds the URL's secret %q: %s", secret, out)
		}
	}
}

// reenabling is a memQueue whose operator re-enables the webhook while the
// loaded attempt is in flight.
type reenabling struct{ *memQueue }

func (q reenabling) Load(ctx context.Context, id string) (*Job, error) {
	j, err := q.memQueue.Load(ctx, id)
	q.mu.Lock()
	defer q.mu.Unlock()
	h := q.hooks[j.Webhook.ID]
	h.Epoch, h.Failures = h.Epoch+1, 0
	return j, err
}

// TestDisableIsTheStoresDecision: the worker does not judge from the
// failure count its job loaded before the attempt (a re-enable may have
// reset it since); it tells the store the threshold, and logs the webhook
// disabled only when the store's Record did disable it.
func TestDisableIsTheStoresDecision(t *testing.T) {
	w, q, _, clk, hook := setup(t, []int{500}, 3)
	hook.Failures = 2 // one failure from the threshold, as loaded
	w.d.Queue = reenabling{q}
	var buf bytes.Buffer
	w.d.Log = slog.New(slog.NewTextHandler(&buf, nil))
	q.enqueue("m1", userCreated("live"), "wh1", clk.now)
	attempt(t, w, q, clk, "m1")
	if !hook.Enabled || hook.Failures != 0 || strings.Contains(buf.String(), "webhook disabled") {
		t.Fatalf("a failure loaded before the re-enable: enabled %v, failures %d, log %s", hook.Enabled, hook.Failures, buf.String())
	}
}
