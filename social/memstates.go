package social

import (
	"context"
	"sync"
	"time"
)

// sweepAt is the size at which saving first drops expired states.
const sweepAt = 1024

// MemoryStates is a StateStore in process memory: for one-node servers
// and tests. Several nodes behind a load balancer need a shared store.
type MemoryStates struct {
	mu sync.Mutex
	m  map[string]*State
}

// NewMemoryStates builds an empty MemoryStates.
func NewMemoryStates() *MemoryStates { return &MemoryStates{m: map[string]*State{}} }

// SaveState keeps a copy of st.
func (s *MemoryStates) SaveState(_ context.Context, st *State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= sweepAt {
		now := time.Now()
		for id, old := range s.m {
			if !now.Before(old.ExpiresAt) {
				delete(s.m, id)
			}
		}
	}
	c := *st
	s.m[st.ID] = &c
	return nil
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
