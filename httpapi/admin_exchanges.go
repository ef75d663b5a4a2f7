package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Settings exchanges: the exchanges (Coinbase, Kraken) an
// environment offers, kept as configuration (envconfig.Exchange).

type wireExchange struct {
	ID             string  `json:"id"`
	Exchange       string  `json:"exchange"`
	EnabledAt      *string `json:"enabledAt"`
	SocialProvider string  `json:"socialProvider,omitempty"`
	OnRampProvider string  `json:"onRampProvider,omitempty"`
}

func toExchange(e *envconfig.Exchange) wireExchange {
	return wireExchange{ID: e.ID, Exchange: e.Exchange, EnabledAt: tsPtr(e.EnabledAt), SocialProvider: e.SocialProvider,
		OnRampProvider: e.OnRampProvider}
}

func (s *Server) listExchanges(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	list, err := s.envconfig.AdminExchanges(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireExchange, 0, len(list))
	for i := range list {
		out = append(out, toExchange(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"exchanges": out})
	return nil
}

func (s *Server) createExchange(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		Exchange       string `json:"exchange"`
		SocialProvider string `json:"socialProvider"`
		OnRampProvider string `json:"onRampProvider"`
	}
	if err := s.decode(w, r, "ExchangeCreateRequest", &req); err != nil {
		return err
	}
	e, err := s.envconfig.AdminAddExchange(r.Context(), p, envID, envconfig.ExchangeInput(req))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toExchange(e))
	return nil
}

func (s *Server) getExchange(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "exchangeId")
	if err != nil {
		return err
	}
	e, err := s.envconfig.AdminExchange(r.Context(), p, id, tenant.Read)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toExchange(e))
	return nil
}

func (s *Server) setExchangeEnabled(enabled bool) func(http.ResponseWriter, *http.Request, *tenant.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		id, err := pathID(r, "exchangeId")
		if err != nil {
			return err
		}
		e, err := s.envconfig.AdminSetExchangeEnabled(r.Context(), p, id, enabled)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toExchange(e))
		return nil
	}
}

func (s *Server) deleteExchange(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "exchangeId")
	if err != nil {
		return err
	}
	if err := s.envconfig.AdminDeleteExchange(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
