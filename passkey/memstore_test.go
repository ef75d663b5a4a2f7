package passkey

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// memStore is an in-memory Store for the domain tests; the SQL store is
// covered by store/storetest.
type memStore struct {
	mu         sync.Mutex
	challenges map[string]*Challenge
	passkeys   []*Passkey
	creds      map[string]*users.Credential // by passkey id
}

func newMemStore() *memStore {
	return &memStore{challenges: map[string]*Challenge{}, creds: map[string]*users.Credential{}}
}

func (m *memStore) InsertPasskeyChallenge(_ context.Context, c *Challenge) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cc := *c
	m.challenges[c.EnvironmentID+"/"+c.Challenge] = &cc
	return nil
}

func (m *memStore) TakePasskeyChallenge(_ context.Context, envID, ch string, now time.Time) (*Challenge, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.challenges[envID+"/"+ch]
	delete(m.challenges, envID+"/"+ch)
	if !ok || !now.Before(c.ExpiresAt) {
		return nil, errs.NotFound("", "no challenge")
	}
	return c, nil
}

func (m *memStore) DeleteExpiredPasskeyChallenges(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for k, c := range m.challenges {
		if !before.Before(c.ExpiresAt) {
			delete(m.challenges, k)
			n++
		}
	}
	return n, nil
}

func (m *memStore) InsertPasskey(_ context.Context, p *Passkey, cred *users.Credential, max int, _ *mfa.TokenUse) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, x := range m.passkeys {
		if x.UserID == p.UserID {
			n++
		}
		if x.EnvironmentID == p.EnvironmentID && bytes.Equal(x.CredentialID, p.CredentialID) {
			return errs.Conflict("", "credential registered")
		}
	}
	if n >= max {
		return ErrTooMany
	}
	pp := *p
	m.passkeys = append(m.passkeys, &pp)
	m.creds[p.ID] = cred
	return nil
}

func (m *memStore) ListPasskeys(_ context.Context, userID string) ([]Passkey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Passkey
	for _, p := range m.passkeys {
		if p.UserID == userID {
			out = append(out, *p)
		}
	}
	return out, nil
}

func (m *memStore) GetPasskey(_ context.Context, userID, id string) (*Passkey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.passkeys {
		if p.UserID == userID && p.ID == id {
			pp := *p
			return &pp, nil
		}
	}
	return nil, errs.NotFound("", "no passkey")
}

func (m *memStore) PasskeyByCredentialID(_ context.Context, envID string, id []byte) (*Passkey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.passkeys {
		if p.EnvironmentID == envID && bytes.Equal(p.CredentialID, id) {
			pp := *p
			return &pp, nil
		}
	}
	return nil, errs.NotFound("", "no passkey")
}

func (m *memStore) UsePasskey(_ context.Context, id string, prev, next uint32, cred []byte, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.passkeys {
		if p.ID == id && p.SignCount == prev {
			p.SignCount, p.Credential = next, cred
			return true, nil
		}
	}
	return false, nil
}

func (m *memStore) UpdatePasskeyAlias(_ context.Context, userID, id, alias string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.passkeys {
		if p.UserID == userID && p.ID == id {
			p.Alias, p.UpdatedAt = alias, &now
		}
	}
	return nil
}

func (m *memStore) DeletePasskey(_ context.Context, userID, id string, _ time.Time, _ *mfa.TokenUse) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.passkeys)
	m.passkeys = slices.DeleteFunc(m.passkeys, func(p *Passkey) bool { return p.UserID == userID && p.ID == id })
	if len(m.passkeys) == n {
		return ErrNotFound
	}
	delete(m.creds, id)
	return nil
}

// envs is one environment with its allowed origins.
type envs struct {
	env     tenant.Environment
	origins []string
}

func (e *envs) GetEnvironment(_ context.Context, id string) (*tenant.Environment, error) {
	if id != e.env.ID {
		return nil, errs.NotFound("", "no env")
	}
	env := e.env
	return &env, nil
}

func (e *envs) ListOrigins(_ context.Context, envID string) ([]tenant.Origin, error) {
	var out []tenant.Origin
	for _, o := range e.origins {
		out = append(out, tenant.Origin{EnvironmentID: envID, Origin: o})
	}
	return out, nil
}

func (e *envs) GetProject(_ context.Context, id string) (*tenant.Project, error) {
	return &tenant.Project{ID: id, Name: "Acme Shop"}, nil
}
