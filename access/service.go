package access

import (
	"context"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// Deps are what a Service is built from. Store is required; without
// Balances every gate evaluation fails (never allows); without Screener
// screening finds nobody.
type Deps struct {
	Store    Store
	Balances *Balances
	Screener Screener
	// Checks, if set, records each sanctions screening (chainalysisChecks).
	Checks CheckStore
	Log    *slog.Logger
	Now    func() time.Time
	// RulesTTL is how long an environment's enabled rules are reused by
	// decisions (0: DefaultRulesTTL; negative: read every time). Changes
	// made through this Service apply at once.
	RulesTTL time.Duration
}

// Service manages an environment's access rules and decides on them.
type Service struct {
	store    Store
	balances *Balances
	screener Screener
	checks   CheckStore
	log      *slog.Logger
	now      func() time.Time
	rules    *rulesCache
}

// NewService builds the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.RulesTTL == 0 {
		d.RulesTTL = DefaultRulesTTL
	}
	return &Service{store: d.Store, balances: d.Balances, screener: d.Screener, checks: d.Checks, log: d.Log, now: d.Now,
		rules: &rulesCache{ttl: d.RulesTTL, m: map[string]cachedRules{}}}
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// CreateAllowlist stores a new, disabled list.
func (s *Service) CreateAllowlist(ctx context.Context, envID, name, scope string, o Outcome) (*Allowlist, error) {
	if err := validateList(name, scope, o); err != nil {
		return nil, err
	}
	l := &Allowlist{ID: ids.New(), EnvironmentID: envID, Name: name, Scope: scope, Outcome: o, CreatedAt: s.stamp()}
	if err := s.changed(s.store.CreateAllowlist(ctx, l, MaxAllowlists)); err != nil {
		return nil, err
	}
	return l, nil
}

// ListPatch is an update of a list; nil fields stay.
type ListPatch struct {
	Name, Scope *string
	Outcome     *Outcome
}

// UpdateAllowlist changes a list's name, scope or outcome; whether it is
// enabled stays.
func (s *Service) UpdateAllowlist(ctx context.Context, id string, p ListPatch) (*Allowlist, error) {
	l, err := s.store.GetAllowlist(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		l.Name = *p.Name
	}
	if p.Scope != nil {
		l.Scope = *p.Scope
	}
	if p.Outcome != nil {
		l.Outcome = *p.Outcome
	}
	if err := validateList(l.Name, l.Scope, l.Outcome); err != nil {
		return nil, err
	}
	if err := s.changed(s.store.UpdateAllowlist(ctx, l)); err != nil {
		return nil, err
	}
	return l, nil
}

// Allowlist reads one list.
func (s *Service) Allowlist(ctx context.Context, id string) (*Allowlist, error) {
	return s.store.GetAllowlist(ctx, id)
}

// Allowlists lists an environment's lists.
func (s *Service) Allowlists(ctx context.Context, envID string) ([]Allowlist, error) {
	return s.store.ListAllowlists(ctx, envID)
}

// EnableAllowlist turns a list on (enabledAt: now) or off.
func (s *Service) EnableAllowlist(ctx context.Context, id string, on bool) (*Allowlist, error) {
	var at *time.Time
	if on {
		t := s.stamp()
		at = &t
	}
	v, err := s.store.SetAllowlistEnabled(ctx, id, at)
	return v, s.changed(err)
}

// DeleteAllowlist removes a list and its entries.
func (s *Service) DeleteAllowlist(ctx context.Context, id string) error {
	return s.changed(s.store.DeleteAllowlist(ctx, id))
}

// AddEntry puts one identity on a list.
func (s *Service) AddEntry(ctx context.Context, listID string, e Entry) (*Entry, error) {
	l, err := s.store.GetAllowlist(ctx, listID)
	if err != nil {
		return nil, err
	}
	if err := e.Normalize(); err != nil {
		return nil, err
	}
	e.ID, e.AllowlistID, e.EnvironmentID, e.CreatedAt = ids.New(), l.ID, l.EnvironmentID, s.stamp()
	if err := s.store.AddEntry(ctx, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Entry reads one entry.
func (s *Service) Entry(ctx context.Context, id string) (*Entry, error) {
	return s.store.GetEntry(ctx, id)
}

// MaxEntriesPage caps a page of entries.
const MaxEntriesPage = 500

// Entries pages a list's entries; the int is the total matching q.
func (s *Service) Entries(ctx context.Context, listID string, q EntryQuery) ([]Entry, int, error) {
	if _, err := s.store.GetAllowlist(ctx, listID); err != nil {
		return nil, 0, err
	}
	if q.Offset < 0 {
		return nil, 0, errs.Invalid("offset: must not be negative")
	}
	if q.Limit <= 0 || q.Limit > MaxEntriesPage {
		q.Limit = MaxEntriesPage
	}
	if len(q.Query) > maxIdentifier {
		return nil, 0, errs.Invalid("query: too long")
	}
	return s.store.ListEntries(ctx, listID, q)
}

// DeleteEntry removes an entry.
func (s *Service) DeleteEntry(ctx context.Context, id string) error {
	return s.store.DeleteEntry(ctx, id)
}
