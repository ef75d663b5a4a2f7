package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/social"
)

// sdkSettings answers GET /sdk/{environmentId}/settings: the environment's
// ProjectSettings, public because the SDK reads it before anyone signs in.
func (s *Server) sdkSettings(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	settings, err := s.tenants.PublicSettings(r.Context(), envID)
	if err != nil {
		return err
	}
	if settings, err = s.withProviders(r, envID, settings); err != nil {
		return err
	}
	if settings, err = s.withNetworks(settings); err != nil {
		return err
	}
	if settings, err = s.withViews(r, envID, settings); err != nil {
		return err
	}
	settings = mfa.WithEffectiveSettings(settings)
	if pks := s.signin.Passkeys(); pks != nil {
		settings = pks.WithEffectiveSettings(settings)
	}
	writeJSON(w, http.StatusOK, json.RawMessage(settings))
	return nil
}

// withProviders lists the environment's enabled social providers in the
// settings' providers (Dynamic's SDK offers a login button per entry),
// replacing an entry of the same type written into the settings by hand.
func (s *Server) withProviders(r *http.Request, envID string, settings []byte) ([]byte, error) {
	if s.providers == nil {
		return settings, nil
	}
	enabled, err := s.providers.Enabled(r.Context(), envID)
	if err != nil || len(enabled) == 0 {
		return settings, err
	}
	// An email provider's settings (its sender, its IP pool) are the
	// operator's business, and no sign-in button: the SDK is not told.
	enabled = slices.DeleteFunc(enabled, func(p social.Provider) bool { return social.IsEmailType(p.Type) })
	if len(enabled) == 0 {
		return settings, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(settings, &doc); err != nil {
		return nil, errs.Internal("read settings", err)
	}
	var listed []map[string]any
	_ = json.Unmarshal(doc["providers"], &listed)
	kept := listed[:0]
	seen := map[string]bool{}
	for _, p := range enabled {
		seen[p.Type] = true
	}
	for _, e := range listed {
		if t, _ := e["provider"].(string); !seen[t] {
			kept = append(kept, e)
		}
	}
	out := make([]any, 0, len(kept)+len(enabled))
	for _, e := range kept {
		out = append(out, e)
	}
	for i := range enabled {
		wp := s.toProvider(r, &enabled[i])
		wp.ClientSecret = "" // not even masked on a public route
		if s.social != nil {
			// Where the SDK sends the browser (discovered for an
			// OpenID provider named by its domain).
			wp.BaseAuthURL = s.social.BaseAuthURL(r.Context(), &enabled[i])
		}
		out = append(out, wp)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, errs.Internal("write settings", err)
	}
	doc["providers"] = b
	return json.Marshal(doc)
}

// withViews puts the environment's stored SDK views in sdk.views (the
// SDK lays out its login view from them), replacing views written into
// the settings by hand; with none stored the settings are left as they
// are, so the SDK keeps its default layout.
func (s *Server) withViews(r *http.Request, envID string, settings []byte) ([]byte, error) {
	if s.envconfig == nil {
		return settings, nil
	}
	views, err := s.envconfig.StoredViews(r.Context(), envID)
	if err != nil || len(views) == 0 {
		return settings, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(settings, &doc); err != nil {
		return nil, errs.Internal("read settings", err)
	}
	sdk := map[string]json.RawMessage{}
	if raw := doc["sdk"]; len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &sdk); err != nil {
			return nil, errs.Internal("read settings.sdk", err)
		}
	}
	b, err := json.Marshal(views)
	if err != nil {
		return nil, errs.Internal("write settings", err)
	}
	sdk["views"] = b
	if doc["sdk"], err = json.Marshal(sdk); err != nil {
		return nil, errs.Internal("write settings", err)
	}
	return json.Marshal(doc)
}

func (s *Server) sdkHealthcheck(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if _, err := s.tenants.PublicSettings(r.Context(), envID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	return nil
}
