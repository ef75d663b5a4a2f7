package webhooks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// ErrNotFound is what the store returns for a webhook or message that is
// not in the environment.
var ErrNotFound = errs.NotFound("webhook_not_found", "Webhook not found")

// ErrMessageNotFound is the store's answer for an unknown message.
var ErrMessageNotFound = errs.NotFound("webhook_message_not_found", "Webhook message not found")

// ErrTooMany refuses a webhook past MaxPerEnvironment.
var ErrTooMany = errs.Unprocessable("", "This environment has the most webhooks allowed", nil)

// MaxPerEnvironment bounds an environment's webhooks (every event fans out
// to each subscribed one in the event's transaction).
const MaxPerEnvironment = 20

// Message is one row of the messages log: an attempt, with what it
// delivered.
type Message struct {
	Delivery
	EventID          string
	EnvironmentID    string
	MessageCreatedAt time.Time
	EventCreatedAt   time.Time
}

// Page is a cursor page of the messages log: the attempts after the
// position (AfterAt, AfterID) of the previous page's last one (AfterID ""
// for the first page), read from the position, not from that attempt's
// row, which the event retention may have deleted meanwhile.
type Page struct {
	AfterAt time.Time
	AfterID string
	Limit   int
}

// Store is what webhooks need persisted, beside the delivery Queue.
type Store interface {
	Queue
	// CreateWebhook stores w and, in the same transaction, the ping event
	// and its message to w alone. It refuses with ErrTooMany past max
	// webhooks in the environment.
	CreateWebhook(ctx context.Context, w Webhook, ping Event, max int) error
	ListWebhooks(ctx context.Context, envID string) ([]Webhook, error)
	GetWebhook(ctx context.Context, envID, id string) (*Webhook, error)
	// UpdateWebhook replaces url, events and enabled; enabling a webhook
	// clears its failures and DisabledReason and sets EnabledAt. Enabling
	// it or changing its url starts a new epoch: failures of attempts
	// loaded before count for nothing, and a new url's count starts at 0.
	UpdateWebhook(ctx context.Context, w Webhook) (*Webhook, error)
	DeleteWebhook(ctx context.Context, envID, id string) error
	// ListDeliveries pages a webhook's delivery log, newest first, or one
	// message's attempts (messageID set, oldest first).
	ListDeliveries(ctx context.Context, envID, webhookID, messageID string, page Page) ([]Message, error)
	// Redeliver makes a message due at now again, as a redelivery with a
	// fresh schedule.
	Redeliver(ctx context.Context, envID, webhookID, messageID string, now time.Time) error
}

// Environments checks the caller's reach (tenant.Service does).
type Environments interface {
	GetEnvironment(ctx context.Context, p *tenant.Principal, id string, scope tenant.Scope) (*tenant.Environment, error)
}

// Deps wire a Service.
type Deps struct {
	Store        Store
	Environments Environments
	AllowPrivate bool // accept endpoints on loopback and private networks
	// Keys seal the webhooks' signing secrets at rest.
	Keys *secrets.Keys
	Now  func() time.Time
}

// Service is the admin Webhooks API in Go.
type Service struct{ d Deps }

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) env(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) (*tenant.Environment, error) {
	return s.d.Environments.GetEnvironment(ctx, p, envID, acc.Webhooks())
}

// Create registers an endpoint and sends it a ping.
func (s *Service) Create(ctx context.Context, p *tenant.Principal, envID string, in Input) (*Webhook, error) {
	env, err := s.env(ctx, p, envID, tenant.Write)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(events.Selectable(), s.d.AllowPrivate); err != nil {
		return nil, err
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, errs.Internal("create webhook", err)
	}
	now := s.now()
	w := Webhook{ID: ids.New(), EnvironmentID: env.ID, URL: in.URL, Secret: secret, Events: dedupe(in.Events),
		Enabled: *in.IsEnabled, CreatedAt: now, UpdatedAt: now}
	if w.Enabled {
		w.EnabledAt = &now
	}
	data, _ := json.Marshal(map[string]string{"webhookId": w.ID, "message": "ping"})
	ping := Event{ID: ids.New(), Name: events.Ping, EnvironmentID: env.ID, EnvironmentName: env.Name, Data: data, CreatedAt: now}
	stored, err := sealSecret(s.d.Keys, w)
	if err != nil {
		return nil, err
	}
	if err := s.d.Store.CreateWebhook(ctx, stored, ping, MaxPerEnvironment); err != nil {
		return nil, err
	}
	return &w, nil
}

// List returns the environment's webhooks, oldest first.
func (s *Service) List(ctx context.Context, p *tenant.Principal, envID string) ([]Webhook, error) {
	if _, err := s.env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	list, err := s.d.Store.ListWebhooks(ctx, envID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if err := openSecret(s.d.Keys, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// Get returns one webhook.
func (s *Service) Get(ctx context.Context, p *tenant.Principal, envID, id string) (*Webhook, error) {
	return s.get(ctx, p, envID, id, tenant.Read)
}

// GetWithSecret is Get for a caller who is shown the signing secret
// (includeSecret): whoever holds it can sign deliveries the endpoint
// trusts, so it takes the webhooks write scope, as creating one does.
func (s *Service) GetWithSecret(ctx context.Context, p *tenant.Principal, envID, id string) (*Webhook, error) {
	return s.get(ctx, p, envID, id, tenant.Write)
}

// get reads a webhook for a caller with acc on the environment's webhooks.
func (s *Service) get(ctx context.Context, p *tenant.Principal, envID, id string, acc tenant.Access) (*Webhook, error) {
	if _, err := s.env(ctx, p, envID, acc); err != nil {
		return nil, err
	}
	return s.opened(s.d.Store.GetWebhook(ctx, envID, id))
}

// opened is a webhook the store returned with its secret opened.
func (s *Service) opened(w *Webhook, err error) (*Webhook, error) {
	if err != nil {
		return nil, err
	}
	if err := openSecret(s.d.Keys, w); err != nil {
		return nil, err
	}
	return w, nil
}

// Update replaces a webhook's url, events and enabled flag.
func (s *Service) Update(ctx context.Context, p *tenant.Principal, envID, id string, in Input) (*Webhook, error) {
	if _, err := s.env(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	if err := in.Validate(events.Selectable(), s.d.AllowPrivate); err != nil {
		return nil, err
	}
	return s.opened(s.d.Store.UpdateWebhook(ctx, Webhook{ID: id, EnvironmentID: envID, URL: in.URL, Events: dedupe(in.Events),
		Enabled: *in.IsEnabled, UpdatedAt: s.now()}))
}

// Delete removes a webhook, its pending messages and its log.
func (s *Service) Delete(ctx context.Context, p *tenant.Principal, envID, id string) error {
	if _, err := s.env(ctx, p, envID, tenant.Write); err != nil {
		return err
	}
	return s.d.Store.DeleteWebhook(ctx, envID, id)
}

// MaxPage is the largest page of the messages log.
const MaxPage = 100

// Messages pages a webhook's delivery log, newest first, from after's
// position ("" for the newest); next is the cursor of the page's last
// attempt ("" when there is no next page).
func (s *Service) Messages(ctx context.Context, p *tenant.Principal, envID, id, after string) (ms []Message, next string, err error) {
	if _, err := s.env(ctx, p, envID, tenant.Read); err != nil {
		return nil, "", err
	}
	pos, err := cursor.Parse(after)
	if err != nil {
		return nil, "", err
	}
	page := Page{AfterAt: pos.At, AfterID: pos.ID, Limit: MaxPage + 1}
	if _, err := s.d.Store.GetWebhook(ctx, envID, id); err != nil {
		return nil, "", err
	}
	ms, err = s.d.Store.ListDeliveries(ctx, envID, id, "", page)
	if err != nil {
		return nil, "", err
	}
	if len(ms) > MaxPage {
		ms = ms[:MaxPage]
		last := ms[MaxPage-1]
		next = cursor.Of(last.AttemptedAt, last.ID)
	}
	return ms, next, nil
}

// MessageDeliveries returns every attempt of one message.
func (s *Service) MessageDeliveries(ctx context.Context, p *tenant.Principal, envID, id, messageID string) ([]Message, error) {
	if _, err := s.env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	if _, err := s.d.Store.GetWebhook(ctx, envID, id); err != nil {
		return nil, err
	}
	return s.d.Store.ListDeliveries(ctx, envID, id, messageID, Page{Limit: 1000})
}

// Redeliver sends a message again now (with redelivery: true), whatever
// its state; a disabled webhook still delivers nothing.
func (s *Service) Redeliver(ctx context.Context, p *tenant.Principal, envID, id, messageID string) error {
	if _, err := s.env(ctx, p, envID, tenant.Write); err != nil {
		return err
	}
	if err := s.d.Store.Redeliver(ctx, envID, id, messageID, s.now()); err != nil {
		return err
	}
	return nil
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
