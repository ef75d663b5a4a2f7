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
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/google/uuid"
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
}

// Service hands out each environment's keys.
type Service struct {
	store     Store
	keys      *secrets.Keys
	algorithm string
	now       func() time.Time
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
	return &Service{store: store, keys: keys, algorithm: algorithm, now: now}, nil
}

// Active returns the environment's current key, making one on first use.
// Concurrent first uses (on any replica) agree on one key.
func (s *Service) Active(ctx context.Context, envID string) (*Key, error) {
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
	id := uuid.NewString()
	sealed, err := s.keys.Seal(privDER, []byte("signing-key:"+id))
	if err != nil {
		return nil, errs.Internal("seal private key", err)
	}
	return &Key{
		ID: id, EnvironmentID: envID, Algorithm: s.algorithm,
		PublicPEM:     string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})),
		PrivateSealed: sealed, CreatedAt: s.now().UTC().Truncate(time.Millisecond),
	}, nil
}

// Signer opens a key's private half.
func (s *Service) Signer(k *Key) (crypto.Signer, error) {
	der, err := s.keys.Open(k.PrivateSealed, []byte("signing-key:"+k.ID))
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
