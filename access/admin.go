package access

import (
	"context"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// Environments finds the environment an object belongs to.
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
}

// Admin is the operators' API over a Service: every call checks the
// principal against the environment (settings read or write); an object
// out of the principal's reach is not found.
type Admin struct {
	svc  *Service
	envs Environments
}

// NewAdmin wraps svc.
func NewAdmin(svc *Service, envs Environments) *Admin { return &Admin{svc: svc, envs: envs} }

// Service is the unchecked service (for the facade's trusted Go API).
func (a *Admin) Service() *Service { return a.svc }

// Env checks the principal may use envID.
func (a *Admin) Env(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) error {
	_, err := a.Environment(ctx, p, envID, acc)
	return err
}

// Environment is envID, if the principal may use it.
func (a *Admin) Environment(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) (*tenant.Environment, error) {
	return tenant.UseEnvironment(ctx, a.envs, p, envID, acc.Settings())
}

// List reads a list the principal reaches.
func (a *Admin) List(ctx context.Context, p *tenant.Principal, id string, acc tenant.Access) (*Allowlist, error) {
	l, err := a.svc.store.GetAllowlist(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := tenant.ReachRecord(ctx, a.envs, p, l.EnvironmentID, acc.Settings(), ErrListNotFound); err != nil {
		return nil, err
	}
	return l, nil
}

// EntryOf reads an entry the principal reaches.
func (a *Admin) EntryOf(ctx context.Context, p *tenant.Principal, id string, acc tenant.Access) (*Entry, error) {
	e, err := a.svc.store.GetEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := tenant.ReachRecord(ctx, a.envs, p, e.EnvironmentID, acc.Settings(), ErrEntryNotFound); err != nil {
		return nil, err
	}
	return e, nil
}

// GateOf reads a gate of envID the principal reaches.
func (a *Admin) GateOf(ctx context.Context, p *tenant.Principal, envID, id string, acc tenant.Access) (*Gate, error) {
	if err := a.Env(ctx, p, envID, acc); err != nil {
		return nil, err
	}
	g, err := a.svc.store.GetGate(ctx, id)
	if err != nil {
		return nil, err
	}
	if g.EnvironmentID != envID {
		return nil, ErrGateNotFound
	}
	return g, nil
}
