package events

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// ErrNotFound is the store's answer for an event not in the environment.
var ErrNotFound = errs.NotFound("event_not_found", "Event not found")

// Event is one stored event, as the Events API shows it.
type Event struct {
	ID              string
	EnvironmentID   string
	EnvironmentName string // sandbox or live
	Name            string
	UserID          string // the actor; empty when an API token or a visitor caused it
	Data            json.RawMessage
	CreatedAt       time.Time
}

// Query selects a page of an environment's events, newest first.
type Query struct {
	ResourceType string     // "" for all
	Start        *time.Time // inclusive
	End          *time.Time // exclusive
	// After is the cursor the previous page returned (Page.Next; "" for
	// the first page); the page holds the events older than it.
	After string
	Limit int
}

// PageSize is how many events a page of the Events API holds.
const PageSize = 100

// Track is one analytics event the SDK publishes (POST /sdk/{env}/events):
// stored for analytics, never delivered to webhooks.
type Track struct {
	ID            string
	EnvironmentID string
	AnonymousID   string
	Event         string
	Type          string
	Properties    json.RawMessage
	CreatedAt     time.Time
}

// Limits on what the SDK may publish in one request: the route is public,
// so every size is bounded.
const (
	MaxTracksPerRequest = 50
	MaxTrackName        = 200
	MaxAnonymousID      = 200
	MaxTrackProperties  = 8 << 10 // bytes of JSON
)

// Store is what the Events API needs persisted.
type Store interface {
	// ListEvents pages an environment's events, newest first (created_at,
	// then id, descending), from an index on (environment_id[,
	// resource_type], created_at, id).
	// ListEvents pages from after, the position of the previous page's
	// last event (zero for the first page); q.After is the service's.
	ListEvents(ctx context.Context, envID string, q Query, after cursor.Position) ([]Event, error)
	// GetEvent returns ErrNotFound for an event of another environment.
	GetEvent(ctx context.Context, envID, id string) (*Event, error)
	// InsertTracks stores the SDK's analytics events in one transaction;
	// tenant.ErrEnvironmentNotFound for an unknown environment.
	InsertTracks(ctx context.Context, envID string, ts []Track) error
	// DeleteEventsBefore deletes up to limit events created before
	// before, with their webhook messages and deliveries, in one
	// transaction; events with a message still to deliver stay. It
	// reads each environment's events through its index, not the table.
	DeleteEventsBefore(ctx context.Context, before time.Time, limit int) (int64, error)
	// DeleteTracksBefore deletes up to limit SDK analytics events created
	// before before, each environment's through its index.
	DeleteTracksBefore(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Environments checks the caller's reach (tenant.Service does).
type Environments interface {
	GetEnvironment(ctx context.Context, p *tenant.Principal, id string, scope tenant.Scope) (*tenant.Environment, error)
}

// Deps wire a Service.
type Deps struct {
	Store        Store
	Environments Environments
	Now          func() time.Time
}

// Service is the admin Events API and the SDK's analytics ingestion.
type Service struct{ d Deps }

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// Page is a page of events and the cursor of the next ("" at the end).
type Page struct {
	Events []Event
	Next   string
}

// List pages an environment's events, newest first.
func (s *Service) List(ctx context.Context, p *tenant.Principal, envID string, q Query) (*Page, error) {
	if _, err := s.d.Environments.GetEnvironment(ctx, p, envID, tenant.ScopeEventsRead); err != nil {
		return nil, err
	}
	if q.Start != nil && q.End != nil && !q.Start.Before(*q.End) {
		return nil, errs.Invalid("startDate must be before endDate")
	}
	after, err := cursor.Parse(q.After)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > PageSize {
		q.Limit = PageSize
	}
	want := q.Limit
	q.Limit++ // one more tells whether a next page exists
	evs, err := s.d.Store.ListEvents(ctx, envID, q, after)
	if err != nil {
		return nil, err
	}
	page := &Page{Events: evs}
	if len(evs) > want {
		page.Events = evs[:want]
		last := evs[want-1]
		page.Next = cursor.Of(last.CreatedAt, last.ID)
	}
	return page, nil
}

// Get returns one event of the environment.
func (s *Service) Get(ctx context.Context, p *tenant.Principal, envID, id string) (*Event, error) {
	if _, err := s.d.Environments.GetEnvironment(ctx, p, envID, tenant.ScopeEventsRead); err != nil {
		return nil, err
	}
	if !tenant.ValidID(id) {
		return nil, ErrNotFound
	}
	return s.d.Store.GetEvent(ctx, envID, id)
}

// Publish stores the SDK's analytics events for envID, all or none.
func (s *Service) Publish(ctx context.Context, envID string, in []Track) error {
	if len(in) == 0 {
		return errs.Invalid("events: at least one event is required")
	}
	if len(in) > MaxTracksPerRequest {
		return errs.Invalid("events: at most %d events per request", MaxTracksPerRequest)
	}
	now := s.d.Now().UTC().Truncate(time.Millisecond)
	out := make([]Track, len(in))
	for i, t := range in {
		if err := validTrack(i, &t); err != nil {
			return err
		}
		if len(t.Properties) == 0 {
			t.Properties = json.RawMessage("{}")
		}
		t.ID, t.EnvironmentID, t.CreatedAt = ids.New(), envID, now
		out[i] = t
	}
	return s.d.Store.InsertTracks(ctx, envID, out)
}

func validTrack(i int, t *Track) error {
	switch {
	case t.Type != "track":
		return errs.Invalid("events[%d].type: must be \"track\"", i)
	case t.Event == "" || len(t.Event) > MaxTrackName || !utf8.ValidString(t.Event):
		return errs.Invalid("events[%d].event: 1 to %d characters", i, MaxTrackName)
	case t.AnonymousID == "" || len(t.AnonymousID) > MaxAnonymousID || !utf8.ValidString(t.AnonymousID):
		return errs.Invalid("events[%d].anonymousId: 1 to %d characters", i, MaxAnonymousID)
	case len(t.Properties) > MaxTrackProperties:
		return errs.Invalid("events[%d].properties: at most %d bytes of JSON", i, MaxTrackProperties)
	}
	if len(t.Properties) > 0 {
		var obj map[string]json.RawMessage
		if json.Unmarshal(t.Properties, &obj) != nil || obj == nil {
			return errs.Invalid("events[%d].properties: must be an object", i)
		}
	}
	return nil
}
