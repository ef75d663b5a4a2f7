package otp

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// memStore is the service tests' Store; the SQL one passes the contract
// suite (store/storetest/otp.go), brute force included.
type memStore struct {
	mu sync.Mutex
	vs map[string]*Verification
}

func newMemStore() *memStore { return &memStore{vs: map[string]*Verification{}} }

func (m *memStore) CreateVerification(_ context.Context, v *Verification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *v
	m.vs[v.ID] = &c
	return nil
}

func (m *memStore) CheckVerificationCode(_ context.Context, c Check) (Outcome, *Verification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.vs[c.ID]
	switch {
	case v == nil || v.EnvironmentID != c.EnvironmentID || v.Channel != c.Channel:
		return NotFound, nil, nil
	case v.ConsumedAt != nil:
		return Used, nil, nil
	case v.Attempts >= c.MaxAttempts:
		return Locked, nil, nil
	case !v.ExpiresAt.After(c.Now):
		return Expired, nil, nil
	}
	v.Attempts++
	if !slices.Contains(c.CodeHashes, v.CodeHash) {
		return WrongCode, nil, nil
	}
	if !c.Keep {
		now := c.Now
		v.ConsumedAt = &now
	}
	out := *v
	return Accepted, &out, nil
}

func (m *memStore) ConsumeVerification(_ context.Context, c *Verification, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.vs[c.ID]
	if v == nil || v.EnvironmentID != c.EnvironmentID || v.ConsumedAt != nil {
		return UsedError(c.Channel)
	}
	v.ConsumedAt = &now
	return nil
}

func (m *memStore) ReadVerification(_ context.Context, envID, channel, id string) (*Verification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.vs[id]
	if v == nil || v.EnvironmentID != envID || v.Channel != channel {
		return nil, nil
	}
	out := *v
	return &out, nil
}

func (m *memStore) ReplaceVerificationCode(_ context.Context, r Replace) (Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.vs[r.ID]
	switch {
	case v == nil || v.EnvironmentID != r.EnvironmentID || v.Channel != r.Channel || v.Address != r.Address:
		return NotFound, nil
	case v.ConsumedAt != nil:
		return Used, nil
	case v.Attempts >= r.MaxAttempts:
		return Locked, nil
	}
	v.CodeHash, v.ExpiresAt = r.CodeHash, r.ExpiresAt
	return Accepted, nil
}

func (m *memStore) DeleteExpiredVerifications(_ context.Context, before time.Time) (int64, error) {
	return 0, nil
}

type memEnvs map[string]*tenant.Environment

func (e memEnvs) GetEnvironment(_ context.Context, id string) (*tenant.Environment, error) {
	if env, ok := e[id]; ok {
		return env, nil
	}
	return nil, tenant.ErrEnvironmentNotFound
}

func (e memEnvs) GetProject(_ context.Context, id string) (*tenant.Project, error) {
	return nil, errs.NotFound("project_not_found", "no project")
}
