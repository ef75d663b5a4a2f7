package tenant

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Access says whether an admin call only reads what it reaches or changes
// it; the area the call belongs to turns it into a scope (Users,
// Settings, Webhooks). Not a bool, so that a call site reads
// tenant.Write, never true.
type Access int

const (
	Read Access = iota
	Write
)

// Users is the users scope of this access.
func (a Access) Users() Scope {
	if a == Write {
		return ScopeUsersWrite
	}
	return ScopeUsersRead
}

// Settings is the environment settings scope of this access.
func (a Access) Settings() Scope {
	if a == Write {
		return ScopeSettingsWrite
	}
	return ScopeSettingsRead
}

// Webhooks is the webhooks scope of this access.
func (a Access) Webhooks() Scope {
	if a == Write {
		return ScopeWebhooksWrite
	}
	return ScopeWebhooksRead
}

// EnvironmentReader reads an environment by id; the domain packages'
// stores have this method.
type EnvironmentReader interface {
	GetEnvironment(ctx context.Context, id string) (*Environment, error)
}

// UseEnvironment loads envID, named by the route's path, and checks that
// p may use it with scope s.
func UseEnvironment(ctx context.Context, envs EnvironmentReader, p *Principal, envID string, s Scope) (*Environment, error) {
	env, err := envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	if err := p.CanUseEnvironment(env, s); err != nil {
		return nil, err
	}
	return env, nil
}

// ReachRecord checks that p may use envID, the environment of a record
// found by its id alone, with scope s. An environment p does not see
// (or one that is gone) makes the record notFound, as if it did not
// exist, rather than telling another tenant's ids from missing ones.
func ReachRecord(ctx context.Context, envs EnvironmentReader, p *Principal, envID string, s Scope, notFound error) error {
	env, err := envs.GetEnvironment(ctx, envID)
	if errs.Is(err, errs.KindNotFound) || err == nil && !p.SeesEnvironment(env) {
		return notFound
	}
	if err != nil {
		return err
	}
	return p.CanUseEnvironment(env, s)
}
