package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/internal/netguard"
	"github.com/dynamicauth/dynamicauth/jobs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/riverqueue/river"
)

// Job is a message as the worker loads it for an attempt.
type Job struct {
	MessageID  string
	Event      Event
	Webhook    Webhook
	Status     string // the message's state
	Generation int    // bumped by each redelivery
	Attempts   int    // attempts made so far, across redeliveries
	Tries      int    // attempts made since the message was (re)enqueued
	Redelivery bool   // enqueued by a manual redelivery
}

// DeliveryArgs is the River job of one message: inserted in the
// transaction of its event (or of its redelivery), it names the message
// and the generation it was enqueued for. A job of an older generation
// (the message was redelivered meanwhile) does nothing.
type DeliveryArgs struct {
	MessageID  string `json:"messageId"`
	Generation int    `json:"generation"`
}

// Kind is the River job kind.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

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
	// DisableAfter is the threshold of consecutive failures (zero: never):
	// the failure that brings the webhook's Failures to it disables the
	// webhook with DisableReason. The store decides on the webhook's row
	// as committed, in the statement that counts the failure: the count
	// the job loaded is stale once another attempt or a re-enable wrote.
	DisableAfter  int
	DisableReason string
}

// Queue is the store side of delivery: the messages written in the
// events' transactions, each with its River job.
type Queue interface {
	// Load returns a message with its event and webhook as they are now,
	// or nil when it is gone (its webhook was deleted).
	Load(ctx context.Context, messageID string) (*Job, error)
	// Record stores an outcome, only if the message is still of the job's
	// generation (a redelivery meanwhile makes the older job's outcome
	// moot). A failure counts against the webhook only while it is enabled
	// and of the job's Webhook.Epoch (a re-enable since started the count
	// afresh). disabled tells this outcome disabled the webhook.
	Record(ctx context.Context, o Outcome) (disabled bool, err error)
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
	// Timeout bounds one job run (longer than the Sender's timeout); a job
	// whose process died is run again this long after it started. 1 min
	// when zero.
	Timeout     time.Duration
	Concurrency int           // attempts in flight; 8 when zero
	Poll        time.Duration // how often to look for due jobs; 1 s when zero
	Now         func() time.Time
	Rand        func() float64 // in [0, 1): the retry jitter
	Log         *slog.Logger
	// Keys open the webhooks' sealed signing secrets.
	Keys *secrets.Keys
}

// Worker delivers messages: River runs it for each DeliveryArgs job.
type Worker struct {
	river.WorkerDefaults[DeliveryArgs]
	d WorkerDeps
}

// NewWorker returns a Worker with d's defaults filled in.
func NewWorker(d WorkerDeps) *Worker {
	if d.Timeout <= 0 {
		d.Timeout = time.Minute
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
	return &Worker{d: d}
}

// Jobs is the River configuration that runs w (a store's RunJobs takes it).
func (w *Worker) Jobs() jobs.Config {
	ws := river.NewWorkers()
	river.AddWorker(ws, w)
	return jobs.Config{Workers: ws, Concurrency: w.d.Concurrency, Poll: w.d.Poll, JobTimeout: w.d.Timeout, Log: w.d.Log}
}

// Timeout is River's limit on one run of a job.
func (w *Worker) Timeout(*river.Job[DeliveryArgs]) time.Duration { return w.d.Timeout }

// Work is one River run of a message's job: an attempt, then a snooze
// until the next attempt when the schedule has one. The retry schedule is
// the webhook's, not River's: a snooze does not use up River's attempts,
// which count only runs that failed inside the store.
func (w *Worker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	next, err := w.Deliver(ctx, job.Args)
	if err != nil {
		return err
	}
	if next.IsZero() {
		return nil
	}
	return river.JobSnooze(max(next.Sub(w.d.Now()), time.Millisecond))
}

// Deliver attempts the message of a job and records the outcome; next is
// when to try again (zero: the message is done, delivered or given up).
func (w *Worker) Deliver(ctx context.Context, a DeliveryArgs) (next time.Time, err error) {
	j, err := w.d.Queue.Load(ctx, a.MessageID)
	if err != nil {
		return time.Time{}, fmt.Errorf("load webhook message %s: %w", a.MessageID, err)
	}
	if j == nil || j.Generation != a.Generation || j.Status != StatusPending {
		return time.Time{}, nil // deleted, redelivered since, or done
	}
	o := w.attempt(ctx, *j)
	disabled, err := w.d.Queue.Record(ctx, o)
	if err != nil {
		return time.Time{}, fmt.Errorf("record webhook message %s: %w", a.MessageID, err)
	}
	if disabled {
		w.logDisabled(o)
	}
	if o.Status == StatusPending {
		return o.NextAt, nil
	}
	return time.Time{}, nil
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
	if err := openSecret(w.d.Keys, &j.Webhook); err != nil {
		w.d.Log.Error("webhook secret does not open under the master secrets", "webhook", j.Webhook.ID, "err", err)
		return Outcome{Job: j, Status: StatusFailed}
	}
	at := w.d.Now()
	res := w.d.Sender.Send(ctx, j.Webhook.URL, j.Webhook.Secret, body)
	d := &Delivery{
		ID: ids.New(), MessageID: j.MessageID, WebhookID: j.Webhook.ID, Attempt: j.Attempts + 1,
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
	if w.d.DisableAfter > 0 {
		o.DisableAfter = w.d.DisableAfter
		o.DisableReason = fmt.Sprintf("disabled after %d consecutive failed deliveries", w.d.DisableAfter)
	}
	return o
}

// logDisabled tells the operator's log that o's failure disabled its
// webhook.
func (w *Worker) logDisabled(o Outcome) {
	endpoint := loggedEndpoint(o.Job.Webhook.URL)
	w.d.Log.Warn("webhook disabled", "webhook", o.Job.Webhook.ID, "environment", o.Job.Event.EnvironmentID,
		"url", endpoint, "failures", o.DisableAfter,
		"last_error", strings.ReplaceAll(o.Delivery.Error, o.Job.Webhook.URL, endpoint))
}

func (w *Worker) schedule(envName string) Schedule {
	if envName == "sandbox" {
		return w.d.Sandbox
	}
	return w.d.Live
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
	// Poll is how often the worker looks for due jobs (1 s when zero).
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
		Timeout: timeout + 10*time.Second,
		Sender:  &Sender{Client: netguard.NewClient(netguard.ClientOptions{Timeout: timeout, AllowPrivate: c.AllowPrivate}), Now: now, UserAgent: userAgent}}
}

// loggedEndpoint is a receiver URL as the server's log names it: without
// its userinfo, query and fragment, where receivers' tokens travel.
func loggedEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.RawQuery != "" {
		clean.RawQuery = "…"
	}
	return clean.String()
}
