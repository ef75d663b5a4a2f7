package access

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// CreateGate stores a new gate; it starts disabled.
func (s *Service) CreateGate(ctx context.Context, g Gate) (*Gate, error) {
	if err := validateGate(&g); err != nil {
		return nil, err
	}
	g.ID, g.EnabledAt, g.CreatedAt = ids.New(), nil, s.stamp()
	if err := s.changed(s.store.CreateGate(ctx, &g, MaxGates)); err != nil {
		return nil, err
	}
	return &g, nil
}

// GatePatch is an update of a gate; nil fields stay.
type GatePatch struct {
	Name, Scope *string
	Outcome     *Outcome
	Rules       []Rule // nil: unchanged
}

// UpdateGate changes a gate; whether it is enabled stays.
func (s *Service) UpdateGate(ctx context.Context, id string, p GatePatch) (*Gate, error) {
	g, err := s.store.GetGate(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		g.Name = *p.Name
	}
	if p.Scope != nil {
		g.Scope = *p.Scope
	}
	if p.Outcome != nil {
		g.Outcome = *p.Outcome
	}
	if p.Rules != nil {
		g.Rules = p.Rules
	}
	if err := validateGate(g); err != nil {
		return nil, err
	}
	if err := s.changed(s.store.UpdateGate(ctx, g)); err != nil {
		return nil, err
	}
	return g, nil
}

// Gate reads one gate.
func (s *Service) Gate(ctx context.Context, id string) (*Gate, error) {
	return s.store.GetGate(ctx, id)
}

// Gates lists an environment's gates.
func (s *Service) Gates(ctx context.Context, envID string) ([]Gate, error) {
	return s.store.ListGates(ctx, envID)
}

// EnableGate turns a gate on (enabledAt: now) or off.
func (s *Service) EnableGate(ctx context.Context, id string, on bool) (*Gate, error) {
	var at *time.Time
	if on {
		t := s.stamp()
		at = &t
	}
	v, err := s.store.SetGateEnabled(ctx, id, at)
	return v, s.changed(err)
}

// DeleteGate removes a gate.
func (s *Service) DeleteGate(ctx context.Context, id string) error {
	return s.changed(s.store.DeleteGate(ctx, id))
}

// SetScreening turns sanctions screening on or off for an environment.
func (s *Service) SetScreening(ctx context.Context, envID string, on bool) error {
	if on && s.screener == nil {
		return errs.Unprocessable("", "this server has no sanctions list to screen wallets against; start it with --sanctions-list (from Go: Config.Access.Screener)", nil)
	}
	return s.changed(s.store.SetScreening(ctx, envID, on, s.stamp()))
}

// Screening reads an environment's screening switch.
func (s *Service) Screening(ctx context.Context, envID string) (*Screening, error) {
	return s.store.GetScreening(ctx, envID)
}
