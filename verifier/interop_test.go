package verifier

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-jose/go-jose/v4"
)

// TestServerIssuedTokens checks the verifier against the server's own
// issuing code (signing + session), with the key set built the way the
// JWKS handler builds it, for each algorithm and across a rotation.
func TestServerIssuedTokens(t *testing.T) {
	for _, alg := range []string{signing.RS256, signing.ES256, signing.EdDSA} {
		t.Run(alg, func(t *testing.T) {
			ctx := context.Background()
			clk := newClock()
			master := make([]byte, 32)
			sealer, err := secrets.New(master)
			if err != nil {
				t.Fatal(err)
			}
			keyring, err := signing.NewService(&memKeys{}, sealer, alg, clk.Now)
			if err != nil {
				t.Fatal(err)
			}
			sessions := session.NewService(nil, keyring, session.Config{}, clk.Now)
			src := KeySourceFunc(func(ctx context.Context) (jose.JSONWebKeySet, error) { return publishedSet(ctx, keyring) })
			v, err := New(Config{Keys: src, EnvironmentID: testEnv, Audience: []string{testAud}, Issuer: testIss, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			issueAndVerify := func() string {
				t.Helper()
				u := &users.User{ID: "user-1", EnvironmentID: testEnv, Email: "a@example.com", CreatedAt: clk.Now(), LastVisitAt: clk.Now()}
				sess := sessions.New(testEnv, u.ID, "", "", "127.0.0.1", "test", time.Hour)
				toks, err := sessions.Issue(ctx, &users.Profile{User: u}, sess, testIss, testAud, true)
				if err != nil {
					t.Fatalf("Issue: %v", err)
				}
				for name, tok := range map[string]string{"jwt": toks.JWT, "minifiedJwt": toks.MinifiedJWT} {
					c, err := v.Verify(ctx, tok)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if c.Sid != sess.ID || c.Sub != u.ID || c.Email != u.Email || c.ExpiresAt().Unix() != toks.ExpiresAt {
						t.Errorf("%s claims = %+v", name, c.Minified)
					}
				}
				return toks.MinifiedJWT
			}
			old := issueAndVerify()
			if _, err := keyring.Rotate(ctx, testEnv); err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			issueAndVerify() // new kid: one refetch finds it
			if _, err := v.Verify(ctx, old); err != nil {
				t.Errorf("token signed before rotation: %v", err)
			}
		})
	}
}

// publishedSet is the JWKS the server serves for an environment.
func publishedSet(ctx context.Context, keyring *signing.Service) (jose.JSONWebKeySet, error) {
	keys, err := keyring.Published(ctx, testEnv)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"})
	}
	return set, nil
}

// memKeys is an in-memory signing.Store.
type memKeys struct {
	mu   sync.Mutex
	keys []signing.Key // oldest first
}

func (m *memKeys) ActiveSigningKey(_ context.Context, envID string) (*signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.keys) - 1; i >= 0; i-- {
		if k := m.keys[i]; k.EnvironmentID == envID && k.RetiredAt == nil {
			return &k, nil
		}
	}
	return nil, errs.NotFound("signing_key_not_found", "no active key")
}

func (m *memKeys) InsertSigningKey(ctx context.Context, k *signing.Key) (bool, error) {
	if _, err := m.ActiveSigningKey(ctx, k.EnvironmentID); err == nil {
		return false, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, *k)
	return true, nil
}

func (m *memKeys) GetSigningKey(_ context.Context, id string) (*signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keys {
		if k.ID == id {
			return &k, nil
		}
	}
	return nil, errs.NotFound("signing_key_not_found", "no such key")
}

func (m *memKeys) ListSigningKeys(_ context.Context, envID string) ([]signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []signing.Key
	for _, k := range slices.Backward(m.keys) {
		if k.EnvironmentID == envID {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memKeys) NewestSigningKey(context.Context) (*signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.keys) == 0 {
		return nil, signing.ErrKeyNotFound
	}
	k := m.keys[len(m.keys)-1]
	return &k, nil
}

func (m *memKeys) ReplaceSigningKey(_ context.Context, oldID string, k *signing.Key, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].ID == oldID && m.keys[i].EnvironmentID == k.EnvironmentID && m.keys[i].RetiredAt == nil {
			m.keys[i].RetiredAt = &at
			m.keys = append(m.keys, *k)
			return true, nil
		}
	}
	return false, nil
}

func (m *memKeys) StaleSigningKeys(_ context.Context, before time.Time, limit int) ([]signing.Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []signing.Key
	for _, k := range m.keys {
		if k.RetiredAt == nil && k.CreatedAt.Before(before) && len(out) < limit {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memKeys) RotateSigningKey(_ context.Context, k *signing.Key, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].EnvironmentID == k.EnvironmentID && m.keys[i].RetiredAt == nil {
			m.keys[i].RetiredAt = &at
		}
	}
	m.keys = append(m.keys, *k)
	return nil
}
