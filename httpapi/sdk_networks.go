package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/sdksettings"
)

// getNetworks answers GET /sdk/{environmentId}/networks: the environment's
// EVM and Solana networks (NetworkConfigurationResponse[]).
func (s *Server) getNetworks(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	list, err := s.networks.List(r.Context(), envID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// prefetch answers POST /sdk/{environmentId}/prefetch (PrefetchRequest):
// 204 for a well-formed wallet of an existing environment.
func (s *Server) prefetch(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		Chain               string `json:"chain"`
		PublicWalletAddress string `json:"publicWalletAddress"`
	}
	if err := s.decode(w, r, "PrefetchRequest", &req); err != nil {
		return err
	}
	if err := s.networks.Prefetch(r.Context(), envID, req.Chain, req.PublicWalletAddress); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// withNetworks fills the settings' networks member with the environment's
// resolved networks, which the SDK compares a connected wallet's chain to.
func (s *Server) withNetworks(settings []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(settings, &doc); err != nil {
		return nil, errs.Internal("read settings", err)
	}
	b, err := json.Marshal(s.networks.Config().Resolve(settings))
	if err != nil {
		return nil, errs.Internal("write settings", err)
	}
	doc["networks"] = b
	return json.Marshal(doc)
}

// logSDKSettings answers POST /sdk/{environmentId}/sdkSettings
// (SdkSettingsRequest): the SDK's own configuration, kept as the
// environment's latest report; 204.
func (s *Server) logSDKSettings(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, sdksettings.MaxBytes)
	var doc map[string]any
	if err := s.decode(w, r, "SdkSettingsRequest", &doc); err != nil {
		return err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return errs.Internal("sdk settings", err)
	}
	if s.sdkSettingsLog == nil {
		return errs.NotFound("route_not_found", "SDK settings are not kept by this server")
	}
	if err := s.sdkSettingsLog.Log(r.Context(), envID, raw, r.Header.Get("Origin"), r.Header.Get("User-Agent")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
