package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin DeeplinkUrls group: the mobile redirect URLs an environment
// allows (EnvConfig().DeeplinkAllowed checks a redirect against them).

type wireDeeplink struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	CreatedAt string `json:"createdAt"`
}

func toDeeplink(d *envconfig.Deeplink) wireDeeplink {
	return wireDeeplink{ID: d.ID, URL: d.URL, CreatedAt: ts(d.CreatedAt)}
}

func (s *Server) listDeeplinks(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	ds, err := s.envconfig.AdminDeeplinks(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireDeeplink, 0, len(ds))
	for i := range ds {
		out = append(out, toDeeplink(&ds[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"deeplinkUrls": out})
	return nil
}

func (s *Server) addDeeplink(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		URL string `json:"url"`
	}
	if err := s.decode(w, r, "AddDeeplinkUrlRequest", &req); err != nil {
		return err
	}
	d, err := s.envconfig.AdminAddDeeplink(r.Context(), p, envID, req.URL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toDeeplink(d))
	return nil
}

func (s *Server) deleteDeeplink(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "deeplinkUrlId")
	if err != nil {
		return err
	}
	if err := s.envconfig.AdminDeleteDeeplink(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
