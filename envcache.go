package dynamicauth

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
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
//
// Every request reads it, so reads take no lock (a mutex here was the
// contended one of a sign-in under load): entries are immutable values in
// sync.Maps, and a change bumps gen instead of locking out readers. An
// entry is used only if it was read in the current generation.
type envCachedStore struct {
	store.Store
	ttl time.Duration

	gen     atomic.Uint64 // bumped by every change; entries of older generations are misses
	envs    cacheMap[*tenant.Environment]
	origins cacheMap[[]tenant.Origin]
	fields  cacheMap[[]users.CustomField]
}

// cacheMap is one kind of cached value by environment id, at most
// maxCachedEnvironments of them (past it the map starts over).
type cacheMap[T any] struct {
	m sync.Map // string -> *cached[T], never changed once stored
	n atomic.Int64
}

type cached[T any] struct {
	v   T
	exp time.Time
	gen uint64
}

// maxCachedEnvironments bounds each map; past it it starts over.
const maxCachedEnvironments = 10_000

func withEnvironmentCache(st store.Store, ttl time.Duration) store.Store {
	if ttl < 0 {
		return st
	}
	if ttl == 0 {
		ttl = DefaultEnvironmentCacheTTL
	}
	return &envCachedStore{Store: st, ttl: ttl}
}

// changed forgets everything after a change and passes its error on. The
// generation is bumped first, so a read that started before the change
// and stores after the Clear below is never used.
func (c *envCachedStore) changed(err error) error {
	c.gen.Add(1)
	c.envs.clear()
	c.origins.clear()
	c.fields.clear()
	return err
}

func (m *cacheMap[T]) clear() {
	m.m.Clear()
	m.n.Store(0)
}

// load returns the cached value of key if it is fresh and of the current
// generation, else reads it and keeps it. Errors are not kept.
func load[T any](c *envCachedStore, m *cacheMap[T], key string, read func() (T, error)) (T, error) {
	now := time.Now()
	gen := c.gen.Load()
	if e, ok := m.m.Load(key); ok {
		if e := e.(*cached[T]); e.gen == gen && now.Before(e.exp) {
			return e.v, nil
		}
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	if _, existed := m.m.Swap(key, &cached[T]{v: v, exp: now.Add(c.ttl), gen: gen}); !existed &&
		m.n.Add(1) > maxCachedEnvironments {
		m.clear()
	}
	return v, nil
}

func (c *envCachedStore) GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error) {
	e, err := load(c, &c.envs, id, func() (*tenant.Environment, error) {
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
	o, err := load(c, &c.origins, envID, func() ([]tenant.Origin, error) {
		return c.Store.ListOrigins(ctx, envID)
	})
	return slices.Clone(o), err
}

func (c *envCachedStore) ListCustomFields(ctx context.Context, envID string) ([]users.CustomField, error) {
	f, err := load(c, &c.fields, envID, func() ([]users.CustomField, error) {
		return c.Store.ListCustomFields(ctx, envID)
	})
	return slices.Clone(f), err
}

// The changes to what is cached.

func (c *envCachedStore) UpdateEnvironmentSettings(ctx context.Context, id string, settings []byte, at time.Time) error {
	return c.changed(c.Store.UpdateEnvironmentSettings(ctx, id, settings, at))
}

func (c *envCachedStore) AddOrigin(ctx context.Context, o *tenant.Origin, max int) error {
	return c.changed(c.Store.AddOrigin(ctx, o, max))
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

func (c *envCachedStore) CreateProject(ctx context.Context, p *tenant.Project, envs []*tenant.Environment, max int) error {
	return c.changed(c.Store.CreateProject(ctx, p, envs, max))
}

func (c *envCachedStore) UpdateProject(ctx context.Context, p *tenant.Project) error {
	return c.changed(c.Store.UpdateProject(ctx, p))
}
