package webhooks

import (
	"slices"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/internal/netguard"
)

// Webhook is an endpoint subscribed to some of an environment's events.
type Webhook struct {
	ID            string
	EnvironmentID string
	URL           string
	Secret        string
	Events        []string
	Enabled       bool
	EnabledAt     *time.Time
	// DisabledReason says why delivery stopped when the server, not the
	// operator, disabled the webhook (too many failed attempts).
	DisabledReason string
	// Failures counts consecutive failed attempts; a success resets it.
	Failures int
	// Epoch grows each time the webhook is enabled again: the failure of
	// an attempt loaded before (in flight meanwhile) does not count
	// against the fresh start.
	Epoch     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Subscribed tells whether the webhook wants event name.
func (w Webhook) Subscribed(name string) bool { return slices.Contains(w.Events, name) }

// Input is the body of WebhookCreateRequest and WebhookUpdateRequest: all
// three fields are required by the contract.
type Input struct {
	URL       string
	IsEnabled *bool
	Events    []string
}

// MaxEvents bounds a webhook's subscription list.
const MaxEvents = 100

// Validate checks in against the event names a webhook may select
// (selectable) and the address policy.
func (in Input) Validate(selectable []string, allowPrivate bool) error {
	if in.URL == "" {
		return errs.Invalid("url is required")
	}
	if err := netguard.CheckURL(in.URL, allowPrivate); err != nil {
		return errs.Invalid("%s", err.Error())
	}
	if in.IsEnabled == nil {
		return errs.Invalid("isEnabled is required")
	}
	if len(in.Events) == 0 {
		return errs.Invalid("events must name at least one event type")
	}
	if len(in.Events) > MaxEvents {
		return errs.Invalid("events may name at most %d event types", MaxEvents)
	}
	for _, e := range in.Events {
		if !slices.Contains(selectable, e) {
			return errs.Invalid("unknown event type %q", e)
		}
	}
	return nil
}

// Message states.
const (
	StatusPending   = "pending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Delivery is one attempt of a message, as the messages endpoints list it.
type Delivery struct {
	ID          string
	MessageID   string
	WebhookID   string
	Attempt     int    // 1-based, counted per message across redeliveries
	Status      string // delivered or failed: this attempt's outcome
	Request     []byte // the body sent
	HTTPStatus  int
	Response    string // the start of the response body
	Error       string // why the attempt failed, when no response said so
	DurationMS  int64
	AttemptedAt time.Time
}
