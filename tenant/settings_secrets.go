package tenant

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
)

// SecretSettingPaths are the members of an environment's ProjectSettings
// that hold secrets, "*" standing for every element of an array. They are
// sealed with the master secret's box at rest, masked in admin answers,
// and dropped from the public SDK settings. A new secret-bearing member of
// the contract is added here and nowhere else.
var SecretSettingPaths = [][]string{
	{"providers", "*", "clientSecret"}, // OAuth providers
	{"security", "hCaptcha", "secretKey"},
	{"security", "captcha", "secretKey"}, // captcha.PolicyFrom
}

// secretAAD binds a sealed value to its environment and member, so a
// sealed value copied elsewhere does not open.
func secretAAD(envID string, path []string) []byte {
	return []byte("settings:" + envID + ":" + strings.Join(path, "."))
}

// forEachSecret calls fn with every string secret in doc (and the path it
// was found at, array elements named by their key); fn returns the value
// to put in its place.
func forEachSecret(doc map[string]any, fn func(concrete []string, v string) (string, error)) error {
	for _, p := range SecretSettingPaths {
		if err := walkSecret(doc, p, nil, fn); err != nil {
			return err
		}
	}
	return nil
}

func walkSecret(node any, rest, at []string, fn func([]string, string) (string, error)) error {
	m, ok := node.(map[string]any)
	if !ok || len(rest) == 0 {
		return nil
	}
	key := rest[0]
	if len(rest) == 1 {
		v, ok := m[key].(string)
		if !ok || v == "" {
			return nil
		}
		nv, err := fn(append(at, key), v)
		if err != nil {
			return err
		}
		m[key] = nv
		return nil
	}
	if len(rest) >= 2 && rest[1] == "*" {
		arr, _ := m[key].([]any)
		for i, el := range arr {
			if err := walkSecret(el, rest[2:], append(append([]string{}, at...), key, elementKey(el, i)), fn); err != nil {
				return err
			}
		}
		return nil
	}
	return walkSecret(m[key], rest[1:], append(at, key), fn)
}

// elementKey names an array element by what identifies it (an OAuth
// provider by its provider name), so a reordered array keeps its secrets.
func elementKey(el any, i int) string {
	if m, ok := el.(map[string]any); ok {
		for _, k := range []string{"id", "provider"} {
			if s, ok := m[k].(string); ok && s != "" {
				return k + "=" + s
			}
		}
	}
	return strconv.Itoa(i)
}

// sealSettings seals the secrets of a settings document about to be
// stored. A value equal to the mask of the stored secret at the same path
// (an admin client sending back what it read) keeps the stored secret.
func (s *Service) sealSettings(envID string, doc map[string]any, stored json.RawMessage) error {
	old := map[string]string{} // concrete path -> stored (sealed or legacy) value
	var prev map[string]any
	if json.Unmarshal(stored, &prev) == nil && prev != nil {
		_ = forEachSecret(prev, func(at []string, v string) (string, error) {
			old[strings.Join(at, ".")] = v
			return v, nil
		})
	}
	return forEachSecret(doc, func(at []string, v string) (string, error) {
		if was, ok := old[strings.Join(at, ".")]; ok {
			if v == was {
				return was, nil
			}
			if plain, err := s.openSecret(envID, at, was); err == nil && v == secrets.Mask(plain) {
				if strings.HasPrefix(was, secrets.TextPrefix) {
					return was, nil
				}
				v = plain // a secret stored before sealing: seal it now
			}
		}
		sealed, err := s.keys.SealText(v, secretAAD(envID, at))
		if err != nil {
			return "", errs.Internal("seal settings secret", err)
		}
		return sealed, nil
	})
}

// openSecret returns the plaintext of a stored value (sealed, or a legacy
// clear value written before sealing).
func (s *Service) openSecret(envID string, at []string, v string) (string, error) {
	plain, err := s.keys.OpenText(v, secretAAD(envID, at))
	if err != nil {
		return "", fmt.Errorf("settings secret %s: %w", strings.Join(at, "."), err)
	}
	return plain, nil
}

// SettingsSecret is the plaintext of the secret stored at path of env's
// settings (one of SecretSettingPaths, without "*"), "" when none is set:
// for the server's own use (captcha.Checker), never shown.
func (s *Service) SettingsSecret(env *Environment, path ...string) (string, error) {
	var node any
	if err := json.Unmarshal(env.Settings, &node); err != nil {
		return "", fmt.Errorf("settings of %s: %w", env.ID, err)
	}
	for _, k := range path {
		m, _ := node.(map[string]any)
		node = m[k]
	}
	v, _ := node.(string)
	if v == "" {
		return "", nil
	}
	return s.openSecret(env.ID, path, v)
}

// maskedSettings is a stored settings document as admin answers show it:
// every secret masked (a secret that does not open shows as asterisks).
func (s *Service) maskedSettings(envID string, raw json.RawMessage) json.RawMessage {
	return s.mapSecrets(envID, raw, func(plain string, err error) string {
		if err != nil {
			return "****"
		}
		return secrets.Mask(plain)
	})
}

func (s *Service) mapSecrets(envID string, raw json.RawMessage, show func(plain string, err error) string) json.RawMessage {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil || doc == nil {
		return raw
	}
	_ = forEachSecret(doc, func(at []string, v string) (string, error) {
		return show(s.openSecret(envID, at, v)), nil
	})
	b, err := json.Marshal(doc)
	if err != nil {
		return raw
	}
	return b
}
