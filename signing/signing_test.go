package signing_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/signing"
)

// memStore keeps keys in memory. Its first lookups of an environment's
// active key wait (up to a bound) until `gather` callers have asked, so
// that concurrent first uses really overlap whatever the scheduler does.
type memStore struct {
	mu       sync.Mutex
	keys     map[string]*signing.Key // active, by environment
	inserts  int
	gather   int
	arrived  int
	released chan struct{}
}

func newMemStore(gather int) *memStore {
	return &memStore{keys: map[string]*signing.Key{}, gather: gather, released: make(chan struct{})}
}

func (m *memStore) ActiveSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	m.mu.Lock()
	m.arrived++
	if m.arrived == m.gather {
		close(m.released)
	}
	m.mu.Unlock()
	select {
	case <-m.released:
	case <-time.After(300 * time.Millisecond): // a single caller goes on alone
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[envID]; ok {
		return k, nil
	}
	return nil, errs.NotFound("signing_key_not_found", "no signing key")
}

func (m *memStore) InsertSigningKey(ctx context.Context, k *signing.Key) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inserts++
	if _, ok := m.keys[k.EnvironmentID]; ok {
		return false, nil
	}
	m.keys[k.EnvironmentID] = k
	return true, nil
}

func (m *memStore) GetSigningKey(ctx context.Context, id string) (*signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, errs.NotFound("signing_key_not_found", "no signing key")
}

func (m *memStore) ListSigningKeys(ctx context.Context, envID string) ([]signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[envID]; ok {
		return []signing.Key{*k}, nil
	}
	return nil, nil
}

func (m *memStore) RotateSigningKey(ctx context.Context, k *signing.Key, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[k.EnvironmentID] = k
	return nil
}

func (m *memStore) ReplaceSigningKey(ctx context.Context, oldID string, k *signing.Key, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.keys[k.EnvironmentID]; !ok || cur.ID != oldID {
		return false, nil
	}
	m.keys[k.EnvironmentID] = k
	return true, nil
}

func (m *memStore) StaleSigningKeys(ctx context.Context, before time.Time, limit int) ([]signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []signing.Key
	for _, k := range m.keys {
		if k.CreatedAt.Before(before) && len(out) < limit {
			out = append(out, *k)
		}
	}
	return out, nil
}

func (m *memStore) NewestSigningKey(ctx context.Context) (*signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var newest *signing.Key
	for _, k := range m.keys {
		if newest == nil || k.ID > newest.ID {
			newest = k
		}
	}
	if newest == nil {
		return nil, signing.ErrKeyNotFound
	}
	return newest, nil
}

// TestCheckMasterSecret: the secret the keys were sealed with passes,
// another is ErrWrongMasterSecret, a database without keys passes.
func TestCheckMasterSecret(t *testing.T) {
	ctx := t.Context()
	service := func(st *memStore, fill byte) *signing.Service {
		keys, err := secrets.New(bytes.Repeat([]byte{fill}, secrets.MasterSize))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := signing.NewService(st, keys, signing.ES256, nil)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	st := newMemStore(1)
	if err := service(st, 1).CheckMasterSecret(ctx); err != nil {
		t.Fatalf("no keys yet: %v", err)
	}
	if _, err := service(st, 1).Active(ctx, "env"); err != nil {
		t.Fatal(err)
	}
	if err := service(st, 1).CheckMasterSecret(ctx); err != nil {
		t.Fatalf("the keys' own secret: %v", err)
	}
	if err := service(st, 2).CheckMasterSecret(ctx); !errors.Is(err, signing.ErrWrongMasterSecret) {
		t.Fatalf("another secret: %v, want ErrWrongMasterSecret", err)
	}
}

// TestConcurrentFirstUseMakesOneKey: eight first sign-ins at once in a new
// environment used to generate eight RSA keys (about 0.5 s of CPU) and
// keep one. One key is made; every caller gets it.
func TestConcurrentFirstUseMakesOneKey(t *testing.T) {
	const callers = 8
	keys, err := secrets.New(make([]byte, secrets.MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	st := newMemStore(callers)
	svc, err := signing.NewService(st, keys, signing.RS256, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]*signing.Key, callers)
	errc := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errc[i] = svc.Active(context.Background(), "env-1")
		}()
	}
	wg.Wait()
	for i := range callers {
		if errc[i] != nil {
			t.Fatalf("caller %d: %v", i, errc[i])
		}
		if got[i].ID != got[0].ID {
			t.Errorf("caller %d got key %s, caller 0 %s", i, got[i].ID, got[0].ID)
		}
	}
	if st.inserts != 1 {
		t.Errorf("%d keys generated and offered to the store, want 1", st.inserts)
	}
}

// TestCanceledFirstCallerDoesNotFailOthers: the caller that looks the key
// up for everyone goes away; those waiting on it still get the key.
func TestCanceledFirstCallerDoesNotFailOthers(t *testing.T) {
	keys, err := secrets.New(make([]byte, secrets.MasterSize))
	if err != nil {
		t.Fatal(err)
	}
	st := newMemStore(2) // only one caller reaches the store: it waits out the bound
	svc, err := signing.NewService(st, keys, signing.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := svc.Active(canceled, "env-2")
		first <- err
	}()
	for { // the first caller is in the store: it does the lookup
		st.mu.Lock()
		n := st.arrived
		st.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	k, err := svc.Active(context.Background(), "env-2")
	if err != nil || k == nil {
		t.Errorf("the caller waiting beside a canceled one: %v", err)
	}
	if err := <-first; err == nil {
		t.Log("the canceled caller got the key too")
	}
}
