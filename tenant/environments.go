package tenant

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
)

// DefaultSettings is a new environment's ProjectSettings: the arrays and
// objects Dynamic's SDKs require, EVM and Solana sign-in enabled, two-hour
// sessions.
func DefaultSettings(envName, displayName string) json.RawMessage {
	settings := map[string]any{
		"environmentName": envName,
		"chains":          []any{map[string]any{"name": "EVM", "enabled": true}, map[string]any{"name": "SOL", "enabled": true}},
		"kyc":             []any{},
		"customFields":    []any{},
		"design":          map[string]any{},
		"general":         map[string]any{"displayName": displayName},
		"privacy":         map[string]any{"collectIp": false},
		"providers":       []any{},
		"exchanges":       []any{},
		"networks":        []any{},
		"sdk":             map[string]any{"multiWallet": true, "confirmWalletTransfers": true},
		"security": map[string]any{
			"jwtDuration": map[string]any{"amount": 2, "unit": "hours"},
			"auth":        map[string]any{"storage": []any{"localstorage"}},
			"mfa":         map[string]any{"enabled": false, "required": false},
		},
	}
	b, err := json.Marshal(settings)
	if err != nil {
		panic(fmt.Sprintf("tenant: default settings do not marshal: %v", err)) // static data
	}
	return b
}

// requiredSettings are the members Dynamic's SDKs read without checking.
var requiredSettings = map[string]string{"chains": "[]", "kyc": "[]", "design": "{}", "general": "{}",
	"privacy": "{}", "sdk": "{}", "security": "{}"}

// withRequiredSettings fills in members the SDKs need if stored settings lack them.
func withRequiredSettings(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	changed := false
	for k, empty := range requiredSettings {
		if v, ok := m[k]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			m[k] = json.RawMessage(empty)
			changed = true
		}
	}
	if !changed {
		return raw
	}
	b, _ := json.Marshal(m)
	return b
}

// GetEnvironment returns an environment for an admin route needing scope,
// its settings' secrets masked.
func (s *Service) GetEnvironment(ctx context.Context, p *Principal, id string, scope Scope) (*Environment, error) {
	env, err := s.environment(ctx, p, id, scope)
	if err != nil {
		return nil, err
	}
	env.Settings = s.maskedSettings(env.ID, withRequiredSettings(env.Settings))
	return env, nil
}

// environment loads an environment within the principal's reach, its
// settings as stored.
func (s *Service) environment(ctx context.Context, p *Principal, id string, scope Scope) (*Environment, error) {
	return UseEnvironment(ctx, s.store, p, id, scope)
}

// ProjectEnvironments returns a project's environments, keyed by name. An
// environment outside the principal's reach has only its id filled in.
func (s *Service) ProjectEnvironments(ctx context.Context, p *Principal, projectID string) (map[string]Environment, error) {
	proj, err := s.store.GetProject(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if err := p.CanReadProject(proj); err != nil {
		return nil, err
	}
	envs, err := s.store.ListEnvironments(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Environment, len(envs))
	for _, env := range envs {
		if p.SeesEnvironment(&env) && p.HasScope(ScopeSettingsRead) {
			env.Settings = s.maskedSettings(env.ID, withRequiredSettings(env.Settings))
			out[env.Name] = env
		} else {
			out[env.Name] = Environment{ID: env.ID, Name: env.Name}
		}
	}
	return out, nil
}

// UpdateSettings replaces an environment's settings. The caller has checked
// the document against the contract's ProjectSettings schema; the
// service's SettingsRules look after what the schema leaves open.
func (s *Service) UpdateSettings(ctx context.Context, p *Principal, id string, settings map[string]any) (*Environment, error) {
	env, err := s.environment(ctx, p, id, ScopeSettingsWrite)
	if err != nil {
		return nil, err
	}
	if name, ok := settings["environmentName"]; ok && name != env.Name {
		return nil, errs.Invalid("environmentName: this environment is %q", env.Name)
	}
	settings["environmentName"] = env.Name
	for _, rule := range s.rules {
		if err := rule(settings, env.Settings); err != nil {
			return nil, err
		}
	}
	if err := s.sealSettings(env.ID, settings, env.Settings); err != nil {
		return nil, err
	}
	b, err := json.Marshal(settings)
	if err != nil {
		return nil, errs.Invalid("settings: %v", err)
	}
	if len(b) > maxSettings {
		return nil, errs.Invalid("settings: must be at most %d bytes", maxSettings)
	}
	now := s.now()
	if err := s.store.UpdateEnvironmentSettings(ctx, id, b, now); err != nil {
		return nil, err
	}
	env.Settings, env.UpdatedAt = s.maskedSettings(env.ID, withRequiredSettings(b)), now
	return env, nil
}

// PublicSettings returns the settings an SDK reads, without authentication:
// everything but secrets (OAuth client secrets, captcha secret keys, ...).
func (s *Service) PublicSettings(ctx context.Context, envID string) (json.RawMessage, error) {
	env, err := s.store.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(withRequiredSettings(env.Settings), &doc); err != nil {
		return nil, errs.Internal("public settings", err)
	}
	b, err := json.Marshal(withoutSecrets(doc))
	if err != nil {
		return nil, errs.Internal("public settings", err)
	}
	return b, nil
}

// isSecretKey names the members never shown to the public.
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "secret") || strings.Contains(k, "password") || strings.Contains(k, "privatekey") ||
		k == "apikey" || k == "apitoken" || k == "accesstoken"
}

// withoutSecrets drops secret members at any depth.
func withoutSecrets(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if isSecretKey(k) {
				delete(x, k)
				continue
			}
			x[k] = withoutSecrets(child)
		}
	case []any:
		for i := range x {
			x[i] = withoutSecrets(x[i])
		}
	}
	return v
}

// VisitorStats counts an environment's users and visitors, in all and in
// the past 30 days.
func (s *Service) VisitorStats(ctx context.Context, p *Principal, envID string) (*VisitorStats, error) {
	if _, err := s.GetEnvironment(ctx, p, envID, ScopeSettingsRead); err != nil {
		return nil, err
	}
	return s.store.VisitorStats(ctx, envID, s.now().AddDate(0, 0, -30))
}
