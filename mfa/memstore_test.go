package mfa

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// memStore is an in-memory Store for the domain tests; the SQL store is
// covered by store/storetest. One mutex makes every method atomic.
type memStore struct {
	mu       sync.Mutex
	devices  []*memDevice
	codes    map[string][]memCode
	attempts map[string]*memAttempt
	tokens   []*Token
	acks     map[string]string
}

type memDevice struct {
	Device
	lastStep *int64
}

type memCode struct {
	hash []byte
	used bool
}

type memAttempt struct {
	n     int
	start time.Time
}

func newMemStore() *memStore {
	return &memStore{codes: map[string][]memCode{}, attempts: map[string]*memAttempt{}, acks: map[string]string{}}
}

func (m *memStore) InsertMFADevice(_ context.Context, d *Device, _ *TokenUse) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.devices = slices.DeleteFunc(m.devices, func(x *memDevice) bool {
		return x.UserID == d.UserID && x.Type == d.Type && !x.Verified()
	})
	m.devices = append(m.devices, &memDevice{Device: *d})
	return nil
}

func (m *memStore) find(userID, id string) *memDevice {
	for _, d := range m.devices {
		if d.UserID == userID && d.ID == id {
			return d
		}
	}
	return nil
}

func (m *memStore) GetMFADevice(_ context.Context, userID, id string) (*Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d := m.find(userID, id); d != nil {
		c := d.Device
		return &c, nil
	}
	return nil, errs.NotFound("", "no device")
}

func (m *memStore) ListMFADevices(_ context.Context, userID string) ([]Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Device
	for _, d := range m.devices {
		if d.UserID == userID {
			out = append(out, d.Device)
		}
	}
	return out, nil
}

func (m *memStore) AcceptMFAStep(_ context.Context, userID, id string, step int64, now time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.find(userID, id)
	if d == nil {
		return false, errs.NotFound("", "no device")
	}
	if d.lastStep != nil && *d.lastStep >= step {
		return false, nil
	}
	d.lastStep = &step
	if d.VerifiedAt == nil {
		d.VerifiedAt = &now
		hasDefault := false
		for _, x := range m.devices {
			hasDefault = hasDefault || (x.UserID == userID && x.Default)
		}
		d.Default = !hasDefault
	}
	return true, nil
}

func (m *memStore) SetDefaultMFADevice(_ context.Context, userID, id string, isDefault bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.devices {
		if d.UserID == userID {
			d.Default = d.ID == id && isDefault || (d.ID != id && d.Default && !isDefault)
		}
	}
	return nil
}

func (m *memStore) DeleteMFADevice(_ context.Context, userID, id string, _ time.Time, _ *TokenUse) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.devices)
	m.devices = slices.DeleteFunc(m.devices, func(x *memDevice) bool { return x.UserID == userID && x.ID == id })
	if len(m.devices) == n {
		return ErrDeviceNotFound
	}
	return nil
}

func (m *memStore) ResetMFA(_ context.Context, userID string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.devices = slices.DeleteFunc(m.devices, func(x *memDevice) bool { return x.UserID == userID })
	delete(m.codes, userID)
	delete(m.attempts, userID)
	return nil
}

func (m *memStore) SetBackupCodeAck(_ context.Context, userID, ack string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acks[userID] = ack
	return nil
}

func (m *memStore) ReplaceRecoveryCodes(_ context.Context, userID string, hashes [][]byte, ack string, _ time.Time) error {
	m.mu.Lock()
	m.acks[userID] = ack
	m.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[userID] = nil
	for _, h := range hashes {
		m.codes[userID] = append(m.codes[userID], memCode{hash: h})
	}
	return nil
}

func (m *memStore) CreateRecoveryCodes(_ context.Context, userID string, hashes [][]byte, ack string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.codes[userID]) > 0 {
		return false, nil
	}
	m.acks[userID] = ack
	for _, h := range hashes {
		m.codes[userID] = append(m.codes[userID], memCode{hash: h})
	}
	return true, nil
}

func (m *memStore) UseRecoveryCode(_ context.Context, userID string, hash []byte, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, c := range m.codes[userID] {
		if !c.used && bytes.Equal(c.hash, hash) {
			m.codes[userID][i].used = true
			return true, nil
		}
	}
	return false, nil
}

func (m *memStore) CountRecoveryCodes(_ context.Context, userID string) (int, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	unused := 0
	for _, c := range m.codes[userID] {
		if !c.used {
			unused++
		}
	}
	return len(m.codes[userID]), unused, nil
}

func (m *memStore) TakeMFAAttempt(_ context.Context, userID string, now time.Time, window time.Duration) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.attempts[userID]
	if a == nil || !a.start.After(now.Add(-window)) {
		a = &memAttempt{start: now}
		m.attempts[userID] = a
	}
	a.n++
	return a.n, a.start, nil
}

func (m *memStore) ClearMFAAttempts(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.attempts, userID)
	return nil
}

func (m *memStore) InsertMFAToken(_ context.Context, t *Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tt := *t
	m.tokens = append(m.tokens, &tt)
	return nil
}

func (m *memStore) DeleteExpiredMFATokens(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.tokens)
	m.tokens = slices.DeleteFunc(m.tokens, func(t *Token) bool { return !t.ExpiresAt.After(before) })
	return int64(n - len(m.tokens)), nil
}

func (m *memStore) UseMFAToken(_ context.Context, userID string, hash []byte, now time.Time, accept func(*Token) bool) (*Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, t := range m.tokens {
		if t.UserID == userID && bytes.Equal(t.Hash, hash) && now.Before(t.ExpiresAt) {
			if accept != nil && !accept(t) {
				return nil, nil
			}
			if t.SingleUse {
				m.tokens = slices.Delete(m.tokens, i, i+1)
			}
			return t, nil
		}
	}
	return nil, nil
}
