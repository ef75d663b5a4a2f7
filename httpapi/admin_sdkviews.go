package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin SDKViews group: the sections of the SDK's login view, stored
// per environment and served in the SDK's settings (sdk.views).

func (s *Server) listSdkViews(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	views, err := s.envconfig.AdminViews(r.Context(), p, envID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sdkViews": views})
	return nil
}

func (s *Server) getSdkView(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	v, err := s.envconfig.AdminView(r.Context(), p, envID, r.PathValue("sdkViewType"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) updateSdkView(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		Sections []envconfig.Section `json:"sections"`
	}
	if err := s.decode(w, r, "SdkViewUpdateRequest", &req); err != nil {
		return err
	}
	v, err := s.envconfig.AdminPutView(r.Context(), p, envID, envconfig.View{Type: r.PathValue("sdkViewType"), Sections: req.Sections})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}
