package tenant

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/secrets"
)

// ssoAAD binds a sealed SSO client secret to its provider row.
func ssoAAD(id string) []byte { return []byte("sso:" + id) }

// Reseal moves the SSO client secrets and the secrets inside environment
// settings to the current master secret (a settings secret stored before
// sealing existed is sealed on the way).
func (s *Service) Reseal(ctx context.Context, st secrets.SealedStore) (secrets.ResealCount, error) {
	n, err := s.keys.ResealEach(ctx, st, secrets.KindSSOSecret, func(v secrets.Sealed) []byte { return ssoAAD(v.Key) })
	if err != nil {
		return n, err
	}
	m, err := secrets.ResealAll(ctx, st, secrets.KindEnvironmentSettings, s.resealSettings)
	return n.Add(m), err
}

// resealSettings reseals the secrets of one environment's settings
// document; numbers keep their digits (json.Number).
func (s *Service) resealSettings(v secrets.Sealed) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(v.Value))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return v.Value, false, secrets.ErrNothingSealed
	}
	changed, found := false, false
	err := forEachSecret(doc, func(at []string, val string) (string, error) {
		out, ch, err := s.resealSecret(v.Key, at, val)
		changed, found = changed || ch, true
		return out, err
	})
	switch {
	case err != nil:
		return v.Value, false, err
	case !found:
		return v.Value, false, secrets.ErrNothingSealed
	case !changed:
		return v.Value, false, nil
	}
	b, err := json.Marshal(doc)
	return b, err == nil, err
}

// resealSecret is val, a settings secret at path at, sealed under the
// current master secret.
func (s *Service) resealSecret(envID string, at []string, val string) (string, bool, error) {
	out, changed, err := s.keys.ResealText(val, secretAAD(envID, at))
	if err != nil {
		return val, false, fmt.Errorf("settings secret %s: %w", strings.Join(at, "."), err)
	}
	return out, changed, nil
}
