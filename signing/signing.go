// Package signing keeps each environment's JWT signing keys: generated on
// first use, private halves sealed at rest with the server's key, public
// halves published. Session issuing (and rotation) builds on it.
package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
)

// Algorithms a key can use (JWS names).
const (
	RS256 = "RS256"
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// Key is one signing key as stored.
type Key struct {
	ID            string
	EnvironmentID string
	Algorithm     string
	PublicPEM     string
	PrivateSealed []byte
	CreatedAt     time.Time
	RetiredAt     *time.Time
}

// Store persists keys.
type Store interface {
	// ActiveSigningKey returns the environment's current key (not found if none).
	ActiveSigningKey(ctx context.Context, envID string) (*Key, error)
	// InsertSigningKey adds k as the active key unless the environment has
	// one already; inserted tells whether k won.
	InsertSigningKey(ctx context.Context, k *Key) (inserted bool, err error)
	// GetSigningKey returns a key by id, retired or not.
	GetSigningKey(ctx context.Context, id string) (*Key, error)
	// ListSigningKeys returns an environment's keys, newest first.
	ListSigningKeys(ctx context.Context, envID string) ([]Key, error)
	// RotateSigningKey retires the active key and makes k active, atomically.
	RotateSigningKey(ctx context.Context, k *Key, at time.Time) error
	// ReplaceSigningKey retires key oldID and makes k active, atomically,
	// if oldID is still its environment's active key; replaced is false
	// (and nothing changed) otherwise.
	ReplaceSigningKey(ctx context.Context, oldID string, k *Key, at time.Time) (replaced bool, err error)
	// StaleSigningKeys returns up to limit active keys made before before,
	// oldest first.
	StaleSigningKeys(ctx context.Context, before time.Time, limit int) ([]Key, error)
	// NewestSigningKey returns the key made last in any environment (not
	// found if none).
	NewestSigningKey(ctx context.Context) (*Key, error)
}

// Service hands out each environment's keys.
type Service struct {
	store     Store
	keys      *secrets.Keys
	algorithm string
	now       func() time.Time

	mu sync.Mutex
	// public holds the keys PublicKey read, by key id. A key's retirement
	// is its one change: an active one is read again after activeTTL, so
	// that a rotation, here or on another replica, is seen and the key
	// stops verifying once its retention has passed.
	public map[string]publicEntry
	active map[string]activeEntry // by environment id, briefly cached
	// loading holds the one lookup (and, on first use, generation) of an
	// environment's active key in flight; concurrent callers wait for it
	// instead of each generating a key only one of them keeps.
	loading map[string]*keyLoad
}

// keyLoad is one environment's active-key lookup in flight.
type keyLoad struct {
	done chan struct{}
	key  *Key
	err  error
}

type publicEntry struct {
	key     *PublicKey
	fetched time.Time
}

type activeEntry struct {
	key     *Key
	fetched time.Time
}

// activeTTL bounds how long a replica keeps signing with a key another
// replica has rotated away (the old key stays published, so its tokens
// still verify).
const activeTTL = 30 * time.Second

// Retention is how long a retired key stays published: longer than any
// token it signed can live.
const Retention = 31 * 24 * time.Hour

// PublicKey is the verifying half of a key.
type PublicKey struct {
	ID            string
	EnvironmentID string
	Algorithm     string
	Public        crypto.PublicKey
	RetiredAt     *time.Time
}

// NewService builds the service; algorithm is the one new keys use.
func NewService(store Store, keys *secrets.Keys, algorithm string, now func() time.Time) (*Service, error) {
	switch algorithm {
	case "":
		algorithm = RS256
	case RS256, ES256, EdDSA:
	default:
		return nil, fmt.Errorf("signing: unsupported algorithm %q (want RS256, ES256 or EdDSA)", algorithm)
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, keys: keys, algorithm: algorithm, now: now,
		public: map[string]publicEntry{}, active: map[string]activeEntry{}, loading: map[string]*keyLoad{}}, nil
}

// Active returns the environment's current key, making one on first use.
// Concurrent first uses agree on one key: in this process one caller
// looks it up (and generates it) while the others wait; across replicas
// the store keeps the first key inserted.
func (s *Service) Active(ctx context.Context, envID string) (*Key, error) {
	s.mu.Lock()
	e, ok := s.active[envID]
	if ok && s.now().Sub(e.fetched) < activeTTL {
		s.mu.Unlock()
		return e.key, nil
	}
	l, waiting := s.loading[envID]
	if !waiting {
		l = &keyLoad{done: make(chan struct{})}
		s.loading[envID] = l
	}
	s.mu.Unlock()
	if !waiting {
		// Not bound to this caller's cancellation: others wait on it.
		l.key, l.err = s.activeFromStore(context.WithoutCancel(ctx), envID)
		s.mu.Lock()
		if l.err == nil {
			s.active[envID] = activeEntry{key: l.key, fetched: s.now()}
		}
		delete(s.loading, envID)
		s.mu.Unlock()
		close(l.done)
	}
	select {
	case <-l.done:
		return l.key, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) activeFromStore(ctx context.Context, envID string) (*Key, error) {
	k, err := s.store.ActiveSigningKey(ctx, envID)
	if err == nil || !errs.Is(err, errs.KindNotFound) {
		return k, err
	}
	k, err = s.generate(envID)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.InsertSigningKey(ctx, k); err != nil {
		return nil, err
	}
	return s.store.ActiveSigningKey(ctx, envID)
}

func (s *Service) generate(envID string) (*Key, error) {
	var priv crypto.Signer
	var err error
	switch s.algorithm {
	case RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case EdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return nil, errs.Internal("generate signing key", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, errs.Internal("marshal public key", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, errs.Internal("marshal private key", err)
	}
	id := ids.New()
	sealed, err := s.keys.Seal(privDER, keyAAD(id))
	if err != nil {
		return nil, errs.Internal("seal private key", err)
	}
	return &Key{
		ID: id, EnvironmentID: envID, Algorithm: s.algorithm,
		PublicPEM:     string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
		PrivateSealed: sealed, CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}, nil
}

// keyAAD binds a sealed private key to its id.
func keyAAD(id string) []byte { return []byte("signing-key:" + id) }

// Reseal moves every stored private key to the current master secret.
func (s *Service) Reseal(ctx context.Context, st secrets.SealedStore) (secrets.ResealCount, error) {
	return s.keys.ResealEach(ctx, st, secrets.KindSigningKey, func(v secrets.Sealed) []byte { return keyAAD(v.Key) })
}

// Signer opens a key's private half.
func (s *Service) Signer(k *Key) (crypto.Signer, error) {
	der, err := s.keys.Open(k.PrivateSealed, keyAAD(k.ID))
	if err != nil {
		return nil, errs.Internal("open signing key", err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, errs.Internal("parse signing key", err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, errs.Internal("signing key", fmt.Errorf("%T is not a signer", priv))
	}
	return signer, nil
}

// ErrWrongMasterSecret: the master secret does not open the database's
// keys; it is not the one they were sealed with.
var ErrWrongMasterSecret = errors.New("the master secret does not open this database's signing keys: start with the secret the database was made with (a restored backup needs the secret of its time)")

// CheckMasterSecret opens the newest signing key, so that a server given
// another database's master secret (a restored backup, a replaced secret
// file) says so at start instead of failing every sign-in. A database
// without keys passes.
func (s *Service) CheckMasterSecret(ctx context.Context) error {
	k, err := s.store.NewestSigningKey(ctx)
	if errors.Is(err, ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := s.keys.Open(k.PrivateSealed, keyAAD(k.ID)); err != nil {
		return fmt.Errorf("%w (key %s: %v)", ErrWrongMasterSecret, k.ID, err)
	}
	return nil
}

// Rotate retires the environment's active key and makes a new one. The
// retired key stays published for Retention so its tokens keep verifying.
func (s *Service) Rotate(ctx context.Context, envID string) (*Key, error) {
	k, err := s.generate(envID)
	if err != nil {
		return nil, err
	}
	if err := s.store.RotateSigningKey(ctx, k, s.now().UTC().Truncate(time.Millisecond)); err != nil {
		return nil, err
	}
	s.forget(envID)
	return k, nil
}

// forget drops the environment's cached active key after a rotation.
func (s *Service) forget(envID string) {
	s.mu.Lock()
	delete(s.active, envID)
	s.mu.Unlock()
}

// MinKeyAge is the shortest maximum age RotateStale accepts: each
// rotation leaves a key published for Retention, so a shorter one would
// fill the JWKS.
const MinKeyAge = 24 * time.Hour

// RotateStale rotates every environment's key made maxAge or more ago
// and returns how many it rotated. Replicas may run it together: each
// stale key is replaced once (ReplaceSigningKey).
func (s *Service) RotateStale(ctx context.Context, maxAge time.Duration) (int, error) {
	if maxAge < MinKeyAge {
		return 0, fmt.Errorf("signing: a key's maximum age must be at least %s, got %s", MinKeyAge, maxAge)
	}
	rotated := 0
	for {
		now := s.now().UTC().Truncate(time.Millisecond)
		stale, err := s.store.StaleSigningKeys(ctx, now.Add(-maxAge), 100)
		if err != nil || len(stale) == 0 {
			return rotated, err
		}
		progressed := false
		for _, old := range stale {
			k, err := s.generate(old.EnvironmentID)
			if err != nil {
				return rotated, err
			}
			ok, err := s.store.ReplaceSigningKey(ctx, old.ID, k, now)
			if errs.Is(err, errs.KindNotFound) {
				continue // deleted meanwhile: its keys went with it
			}
			if err != nil {
				return rotated, err
			}
			if ok {
				rotated++
				s.forget(old.EnvironmentID)
			}
			progressed = true
		}
		if !progressed || len(stale) < 100 {
			return rotated, nil
		}
	}
}

// PublicKey returns the verifying key with id kid, while it is published.
func (s *Service) PublicKey(ctx context.Context, kid string) (*PublicKey, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := s.public[kid]
	s.mu.Unlock()
	if !ok || (e.key.RetiredAt == nil && now.Sub(e.fetched) >= activeTTL) {
		k, err := s.store.GetSigningKey(ctx, kid)
		if err != nil {
			return nil, err
		}
		pk, err := parsePublic(k)
		if err != nil {
			return nil, err
		}
		e = publicEntry{key: pk, fetched: now}
		s.mu.Lock()
		s.public[kid] = e
		s.mu.Unlock()
	}
	if e.key.RetiredAt != nil && !now.Before(e.key.RetiredAt.Add(Retention)) {
		return nil, errs.NotFound("signing_key_not_found", "signing key no longer published")
	}
	return e.key, nil
}

// Published lists the keys whose tokens may still be live: the active one
// and those retired less than Retention ago.
func (s *Service) Published(ctx context.Context, envID string) ([]*PublicKey, error) {
	if _, err := s.Active(ctx, envID); err != nil {
		return nil, err
	}
	keys, err := s.store.ListSigningKeys(ctx, envID)
	if err != nil {
		return nil, err
	}
	var out []*PublicKey
	for i := range keys {
		if keys[i].RetiredAt != nil && !s.now().Before(keys[i].RetiredAt.Add(Retention)) {
			continue
		}
		pk, err := parsePublic(&keys[i])
		if err != nil {
			return nil, err
		}
		out = append(out, pk)
	}
	return out, nil
}

func parsePublic(k *Key) (*PublicKey, error) {
	block, _ := pem.Decode([]byte(k.PublicPEM))
	if block == nil {
		return nil, errs.Internal("parse public key", fmt.Errorf("key %s: no PEM block", k.ID))
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, errs.Internal("parse public key", err)
	}
	return &PublicKey{ID: k.ID, EnvironmentID: k.EnvironmentID, Algorithm: k.Algorithm, Public: pub, RetiredAt: k.RetiredAt}, nil
}
