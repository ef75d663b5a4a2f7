package social

import (
	"context"
	"sync"
	"time"
)

// sweepAt is the size at which saving first drops expired states.
const sweepAt = 1024

// MemoryStates is a StateStore in process memory: for one-node servers
// and tests. Several nodes behind a load balancer need a shared store
// (the SQL store implements StateStore too).
type MemoryStates struct {
	mu   sync.Mutex
	m    map[string]*State
	used map[string]time.Time // telegram payloads' hashes, until they are stale
}

// NewMemoryStates builds an empty MemoryStates.
func NewMemoryStates() *MemoryStates {
	return &MemoryStates{m: map[string]*State{}, used: map[string]time.Time{}}
}

// UseTelegramLogin records a Telegram payload used (TelegramReplays).
func (s *MemoryStates) UseTelegramLogin(_ context.Context, hash string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if len(s.used) >= sweepAt {
		for k, exp := range s.used {
			if !exp.After(now) {
				delete(s.used, k)
			}
		}
	}
	if exp, ok := s.used[hash]; ok && exp.After(now) {
		return ErrTelegramReplay
	}
	s.used[hash] = expiresAt
	return nil
}

// TelegramLoginUsed reports whether UseTelegramLogin would refuse hash
// (TelegramReplays).
func (s *MemoryStates) TelegramLoginUsed(_ context.Context, hash string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.used[hash]
	return ok && exp.After(time.Now()), nil
}

// SaveState keeps a copy of st.
func (s *MemoryStates) SaveState(_ context.Context, st *State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= sweepAt {
		s.sweep(time.Now())
	}
	if _, ok := s.m[st.ID]; ok {
		return ErrStateExists
	}
	c := *st
	s.m[st.ID] = &c
	return nil
}

func (s *MemoryStates) sweep(before time.Time) int64 {
	var n int64
	for id, old := range s.m {
		if !before.Before(old.ExpiresAt) {
			delete(s.m, id)
			n++
		}
	}
	return n
}

// GetState returns a copy of the state with id.
func (s *MemoryStates) GetState(_ context.Context, id string) (*State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if !ok {
		return nil, ErrStateNotFound
	}
	c := *st
	return &c, nil
}

// DeliverCode records the provider's code on a live state without one.
func (s *MemoryStates) DeliverCode(_ context.Context, id, code, userName string, now time.Time) (*State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if !ok || st.Code != "" || st.Error != "" || !now.Before(st.ExpiresAt) {
		return nil, ErrStateNotFound
	}
	st.Code, st.UserName = code, userName
	c := *st
	return &c, nil
}

// DeliverError records the provider's error on a live state with no code
// nor error.
func (s *MemoryStates) DeliverError(_ context.Context, id, providerError string, now time.Time) (*State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if !ok || st.Code != "" || st.Error != "" || !now.Before(st.ExpiresAt) {
		return nil, ErrStateNotFound
	}
	st.Error = providerError
	c := *st
	return &c, nil
}

// TakeState returns and forgets the state with id.
func (s *MemoryStates) TakeState(_ context.Context, id string) (*State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[id]
	if !ok {
		return nil, ErrStateNotFound
	}
	delete(s.m, id)
	return st, nil
}

// DeleteExpiredStates forgets states expired by before.
func (s *MemoryStates) DeleteExpiredStates(_ context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweep(before), nil
}
