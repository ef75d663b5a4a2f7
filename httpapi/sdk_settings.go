package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/mfa"
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
	writeJSON(w, http.StatusOK, json.RawMessage(mfa.WithEffectiveSettings(settings)))
	return nil
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
