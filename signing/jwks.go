package signing

import (
	"context"

	"github.com/go-jose/go-jose/v4"
)

// JWKS is the environment's published key set, as served at
// /sdk/{environmentId}/.well-known/jwks and as an in-process verifier
// reads it.
func (s *Service) JWKS(ctx context.Context, envID string) (jose.JSONWebKeySet, error) {
	keys, err := s.Published(ctx, envID)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(keys))}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"})
	}
	return set, nil
}
