package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Job is a message due for an attempt, as the Queue hands it out.
type Job struct {
	MessageID  string
	Event      Event
	Webhook    Webhook
	Attempts   int  // attempts made so far, across redeliveries
	Tries      int  // attempts made since the message was (re)enqueued
	Redelivery bool // enqueued by a manual redelivery
	Lease      time.Time
}

// Outcome is what the Worker asks the Queue to record for a job, in one
// transaction: the attempt's log row (none when nothing was sent), the
// message's new state, and the webhook's failure count and state.
type Outcome struct {
	Job      Job
	At       time.Time // when the outcome was decided
	Delivery *Delivery
	// Status is the message's new state; NextAt is set when it stays
	// pending for another attempt.
	Status string
	NextAt time.Time
	// Failed tells the attempt failed (the webhook's Failures grows by one);
	// a delivered attempt resets Failures.
	Failed bool
	// Disable, when set, disables the webhook with this reason.
	Disable string
}

// Queue is the store side of delivery: an outbox of messages written in
// the events' transactions.
type Queue interface {
	// Claim leases up to limit messages whose next attempt is due at now
	// (and whose lease, if any, ran out), until now+lease, so that no other
	// worker takes them meanwhile.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// Record stores an outcome, only if the job's lease is still the one
	// claimed (a worker that overran its lease records nothing).
	Record(ctx context.Context, o Outcome) error
}

// WorkerDeps configure a Worker.
type WorkerDeps struct {
	Queue  Queue
	Sender *Sender
	// Live and Sandbox are the retry schedules per environment kind.
	Live, Sandbox Schedule
	// DisableAfter is how many consecutive failed attempts disable a
	// webhook; zero never disables.
	DisableAfter int
	Lease        time.Duration // longer than the Sender's timeout; 1 min when zero
	Batch        int           // messages claimed at once; 32 when zero
	Concurrency  int           // attempts in flight; 8 when zero
	Poll         time.Duration // how often to look for due messages; 1 s when zero
	Now          func() time.Time
	Rand         func() float64 // in [0, 1): the retry jitter
	Log          *slog.Logger
}

// Worker delivers due messages.
type Worker struct {
	d    WorkerDeps
	wake chan struct{}
}

// NewWorker returns a Worker with d's defaults filled in.
func NewWorker(d WorkerDeps) *Worker {
	if d.Lease <= 0 {
		d.Lease = time.Minute
	}
	if d.Batch <= 0 {
		d.Batch = 32
	}
	if d.Concurrency <= 0 {
		d.Concurrency = 8
	}
	if d.Poll <= 0 {
		d.Poll = time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Float64
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Live == nil {
		d.Live = LiveSchedule
	}
	if d.Sandbox == nil {
		d.Sandbox = SandboxSchedule
	}
	return &Worker{d: d, wake: make(chan struct{}, 1)}
}

// Notify wakes the worker after messages were enqueued, so a fresh event
// goes out without waiting for the next poll.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.d.Poll)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.d.Log.Error("webhook delivery", "err", err)
			}
			if err != nil || n < w.d.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// RunOnce claims one batch of due messages and attempts each, returning
// how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	jobs, err := w.d.Queue.Claim(ctx, w.d.Now(), w.d.Lease, w.d.Batch)
	if err != nil {
		return 0, fmt.Errorf("claim webhook messages: %w", err)
	}
	sem := make(chan struct{}, w.d.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := w.d.Queue.Record(ctx, w.attempt(ctx, j)); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("record webhook message %s: %w", j.MessageID, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(jobs), first
}

// attempt sends one job and decides what follows.
func (w *Worker) attempt(ctx context.Context, j Job) Outcome {
	o := w.decide(ctx, j)
	o.At = w.d.Now()
	return o
}

func (w *Worker) decide(ctx context.Context, j Job) Outcome {
	if !j.Webhook.Enabled {
		// A disabled webhook delivers nothing; the message stays in the log,
		// failed, for a redelivery once the endpoint is fixed.
		return Outcome{Job: j, Status: StatusFailed}
	}
	body, err := Body(j.Event, j.MessageID, j.Webhook.ID, j.Redelivery)
	if err != nil {
		w.d.Log.Error("webhook envelope", "message", j.MessageID, "err", err)
		return Outcome{Job: j, Status: StatusFailed}
	}
	at := w.d.Now()
	res := w.d.Sender.Send(ctx, j.Webhook.URL, j.Webhook.Secret, body)
	d := &Delivery{
		ID: newID(), MessageID: j.MessageID, WebhookID: j.Webhook.ID, Attempt: j.Attempts + 1,
		Request: body, HTTPStatus: res.Status, Response: res.Body,
		DurationMS: res.Duration.Milliseconds(), AttemptedAt: at,
	}
	if res.OK() {
		d.Status = StatusDelivered
		return Outcome{Job: j, Delivery: d, Status: StatusDelivered}
	}
	d.Status = StatusFailed
	if res.Err != nil {
		d.Error = res.Err.Error()
	} else {
		d.Error = fmt.Sprintf("endpoint answered %d", res.Status)
	}
	o := Outcome{Job: j, Delivery: d, Status: StatusFailed, Failed: true}
	if next, ok := w.schedule(j.Event.EnvironmentName).Next(j.Tries+1, w.d.Now(), w.d.Rand); ok {
		o.Status, o.NextAt = StatusPending, next
	}
	if w.d.DisableAfter > 0 && j.Webhook.Failures+1 >= w.d.DisableAfter {
		o.Disable = fmt.Sprintf("disabled after %d consecutive failed deliveries", j.Webhook.Failures+1)
		w.d.Log.Warn("webhook disabled", "webhook", j.Webhook.ID, "environment", j.Event.EnvironmentID,
			"url", j.Webhook.URL, "failures", j.Webhook.Failures+1, "last_error", d.Error)
	}
	return o
}

func (w *Worker) schedule(envName string) Schedule {
	if envName == "sandbox" {
		return w.d.Sandbox
	}
	return w.d.Live
}

func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// Config is what an operator tunes about delivery.
type Config struct {
	// AllowPrivate lets endpoints be on loopback, link-local and private
	// addresses (tests, a receiver on the same network). Off by default:
	// a webhook URL must not become a way into the server's network.
	AllowPrivate bool
	// Live and Sandbox replace the retry schedules (LiveSchedule,
	// SandboxSchedule) when set.
	Live, Sandbox Schedule
	// DisableAfter consecutive failed attempts disable an endpoint
	// (DefaultDisableAfter when zero; negative: never).
	DisableAfter int
	// Timeout bounds one attempt (10 s when zero).
	Timeout time.Duration
	// Poll is how often the worker looks for due messages (1 s when zero).
	Poll time.Duration
}

// DefaultDisableAfter is Dynamic's documented threshold: about six failed
// attempts in a row.
const DefaultDisableAfter = 6

// WorkerDeps fills a Worker's dependencies from c.
func (c Config) WorkerDeps(q Queue, now func() time.Time, log *slog.Logger, userAgent string) WorkerDeps {
	disable := c.DisableAfter
	switch {
	case disable == 0:
		disable = DefaultDisableAfter
	case disable < 0:
		disable = 0
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return WorkerDeps{Queue: q, Live: c.Live, Sandbox: c.Sandbox, DisableAfter: disable, Poll: c.Poll, Now: now, Log: log,
		Lease:  2*timeout + 30*time.Second,
		Sender: &Sender{Client: NewClient(ClientOptions{Timeout: timeout, AllowPrivate: c.AllowPrivate}), Now: now, UserAgent: userAgent}}
}
