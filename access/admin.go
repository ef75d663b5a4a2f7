package access

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
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

func scopeFor(write bool) tenant.Scope {
	if write {
		return tenant.ScopeSettingsWrite
	}
	return tenant.ScopeSettingsRead
}

// Env checks the principal may use envID.
func (a *Admin) Env(ctx context.Context, p *tenant.Principal, envID string, write bool) error {
	_, err := a.Environment(ctx, p, envID, write)
	return err
}

// Environment is envID, if the principal may use it.
func (a *Admin) Environment(ctx context.Context, p *tenant.Principal, envID string, write bool) (*tenant.Environment, error) {
	env, err := a.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	if err := p.CanUseEnvironment(env, scopeFor(write)); err != nil {
		return nil, err
	}
	return env, nil
}

// reach checks an object's environment, hiding it as notFound when out
// of the principal's sight.
func (a *Admin) reach(ctx context.Context, p *tenant.Principal, envID string, write bool, notFound error) error {
	env, err := a.envs.GetEnvironment(ctx, envID)
	if errs.Is(err, errs.KindNotFound) || err == nil && !p.SeesEnvironment(env) {
		return notFound
	}
	if err != nil {
		return err
	}
	return p.CanUseEnvironment(env, scopeFor(write))
}

// List reads a list the principal reaches.
func (a *Admin) List(ctx context.Context, p *tenant.Principal, id string, write bool) (*Allowlist, error) {
	l, err := a.svc.store.GetAllowlist(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.reach(ctx, p, l.EnvironmentID, write, ErrListNotFound); err != nil {
		return nil, err
	}
	return l, nil
}

// EntryOf reads an entry the principal reaches.
func (a *Admin) EntryOf(ctx context.Context, p *tenant.Principal, id string, write bool) (*Entry, error) {
	e, err := a.svc.store.GetEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.reach(ctx, p, e.EnvironmentID, write, ErrEntryNotFound); err != nil {
		return nil, err
	}
	return e, nil
}

// GateOf reads a gate of envID the principal reaches.
func (a *Admin) GateOf(ctx context.Context, p *tenant.Principal, envID, id string, write bool) (*Gate, error) {
	if err := a.Env(ctx, p, envID, write); err != nil {
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
