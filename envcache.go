package dynamicauth

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// DefaultEnvironmentCacheTTL is how long an environment's settings,
// origins and custom fields are reused between reads.
const DefaultEnvironmentCacheTTL = 2 * time.Second

// envCachedStore reuses what nearly every SDK request reads, the
// environment, its origins and its custom fields, for a short TTL:
// without it a sign-in re-reads the environment four times. Changes made
// through this store clear the cache when they return; another replica's
// changes apply here within the TTL. Copies are handed out, so callers
// cannot change what the next request sees.
type envCachedStore struct {
	store.Store
	ttl time.Duration

	mu      sync.Mutex
	gen     uint64 // bumped by every change; a read that spans one is not kept
	envs    map[string]cached[*tenant.Environment]
	origins map[string]cached[[]tenant.Origin]
	fields  map[string]cached[[]users.CustomField]
}

type cached[T any] struct {
	v   T
	exp time.Time
}

// maxCachedEnvironments bounds the maps; past it they start over.
const maxCachedEnvironments = 10_000

func withEnvironmentCache(st store.Store, ttl time.Duration) store.Store {
	if ttl < 0 {
		return st
	}
	if ttl == 0 {
		ttl = DefaultEnvironmentCacheTTL
	}
	c := &envCachedStore{Store: st, ttl: ttl}
	c.reset()
	return c
}

func (c *envCachedStore) reset() {
	c.envs = map[string]cached[*tenant.Environment]{}
	c.origins = map[string]cached[[]tenant.Origin]{}
	c.fields = map[string]cached[[]users.CustomField]{}
}

// changed forgets everything after a change and passes its error on.
func (c *envCachedStore) changed(err error) error {
	c.mu.Lock()
	c.gen++
	c.reset()
	c.mu.Unlock()
	return err
}

// load returns m[key] if fresh, else reads it and keeps it unless a change
// happened meanwhile. Errors are not kept.
func load[T any](c *envCachedStore, m func() map[string]cached[T], key string, read func() (T, error)) (T, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := m()[key]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		return e.v, nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if len(m()) >= maxCachedEnvironments {
			c.reset()
		}
		m()[key] = cached[T]{v: v, exp: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return v, nil
}

func (c *envCachedStore) GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error) {
	e, err := load(c, func() map[string]cached[*tenant.Environment] { return c.envs }, id, func() (*tenant.Environment, error) {
		return c.Store.GetEnvironment(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	cp := *e
	cp.Settings = slices.Clone(e.Settings)
	return &cp, nil
}

func (c *envCachedStore) ListOrigins(ctx context.Context, envID string) ([]tenant.Origin, error) {
	o, err := load(c, func() map[string]cached[[]tenant.Origin] { return c.origins }, envID, func() ([]tenant.Origin, error) {
		return c.Store.ListOrigins(ctx, envID)
	})
	return slices.Clone(o), err
}

func (c *envCachedStore) ListCustomFields(ctx context.Context, envID string) ([]users.CustomField, error) {
	f, err := load(c, func() map[string]cached[[]users.CustomField] { return c.fields }, envID, func() ([]users.CustomField, error) {
		return c.Store.ListCustomFields(ctx, envID)
	})
	return slices.Clone(f), err
}

// The changes to what is cached.

func (c *envCachedStore) UpdateEnvironmentSettings(ctx context.Context, id string, settings []byte, at time.Time) error {
	return c.changed(c.Store.UpdateEnvironmentSettings(ctx, id, settings, at))
}

func (c *envCachedStore) AddOrigin(ctx context.Context, o *tenant.Origin) error {
	return c.changed(c.Store.AddOrigin(ctx, o))
}

func (c *envCachedStore) DeleteOrigin(ctx context.Context, id string) error {
	return c.changed(c.Store.DeleteOrigin(ctx, id))
}

func (c *envCachedStore) ChangeCustomFields(ctx context.Context, envID string, change func([]users.CustomField) (*users.FieldsChange, error)) error {
	return c.changed(c.Store.ChangeCustomFields(ctx, envID, change))
}

func (c *envCachedStore) DeleteProject(ctx context.Context, id string) error {
	return c.changed(c.Store.DeleteProject(ctx, id))
}

func (c *envCachedStore) CreateProject(ctx context.Context, p *tenant.Project, envs []*tenant.Environment) error {
	return c.changed(c.Store.CreateProject(ctx, p, envs))
}

func (c *envCachedStore) UpdateProject(ctx context.Context, p *tenant.Project) error {
	return c.changed(c.Store.UpdateProject(ctx, p))
}
