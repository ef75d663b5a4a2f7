package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Gates group and the Chainalysis (sanctions screening) toggle.

type wireGateRule struct {
	Type    string `json:"type"`
	Address struct {
		NetworkID       json.Number `json:"networkId"`
		ContractAddress string      `json:"contractAddress"`
	} `json:"address"`
	Filter *struct {
		TokenID *string      `json:"tokenId,omitempty"`
		Amount  *json.Number `json:"amount,omitempty"`
	} `json:"filter,omitempty"`
	Chain string `json:"chain,omitempty"`
}

type wireGate struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Scope     string         `json:"scope,omitempty"`
	EnabledAt *string        `json:"enabledAt"`
	Rules     []wireGateRule `json:"rules"`
	Outcome   string         `json:"outcome"`
}

func toGate(g *access.Gate) wireGate {
	out := wireGate{ID: g.ID, Name: g.Name, Scope: g.Scope, EnabledAt: tsPtr(g.EnabledAt), Outcome: string(g.Outcome),
		Rules: make([]wireGateRule, 0, len(g.Rules))}
	for _, r := range g.Rules {
		var w wireGateRule
		w.Type, w.Chain = r.Type, r.Chain
		w.Address.NetworkID = json.Number(strconv.FormatInt(r.NetworkID, 10))
		w.Address.ContractAddress = r.ContractAddress
		if r.TokenID != "" || r.Amount != "" {
			w.Filter = &struct {
				TokenID *string      `json:"tokenId,omitempty"`
				Amount  *json.Number `json:"amount,omitempty"`
			}{}
			if r.TokenID != "" {
				id := r.TokenID
				w.Filter.TokenID = &id
			}
			if r.Amount != "" {
				a := json.Number(r.Amount)
				w.Filter.Amount = &a
			}
		}
		out.Rules = append(out.Rules, w)
	}
	return out
}

func fromGateRules(in []wireGateRule) ([]access.Rule, error) {
	out := make([]access.Rule, 0, len(in))
	for i, w := range in {
		n, err := strconv.ParseInt(w.Address.NetworkID.String(), 10, 64)
		if err != nil {
			return nil, errs.Unprocessable("invalid_gate", "rules["+strconv.Itoa(i)+"].address.networkId: must be an integer chain id", nil)
		}
		r := access.Rule{Type: w.Type, NetworkID: n, ContractAddress: w.Address.ContractAddress, Chain: w.Chain}
		if w.Filter != nil {
			if w.Filter.TokenID != nil {
				r.TokenID = *w.Filter.TokenID
			}
			if w.Filter.Amount != nil {
				r.Amount = w.Filter.Amount.String()
			}
		}
		out = append(out, r)
	}
	return out, nil
}

type gateRequest struct {
	Name    *string         `json:"name"`
	Outcome *access.Outcome `json:"outcome"`
	Scope   *string         `json:"scope"`
	Rules   []wireGateRule  `json:"rules"`
}

func (s *Server) listGates(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if err := s.access.Env(r.Context(), p, envID, tenant.Read); err != nil {
		return err
	}
	gates, err := s.access.Service().Gates(r.Context(), envID)
	if err != nil {
		return err
	}
	out := make([]wireGate, 0, len(gates))
	for i := range gates {
		out = append(out, toGate(&gates[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"gates": out})
	return nil
}

func (s *Server) createGate(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req gateRequest
	if err := s.decode(w, r, "GateCreateRequest", &req); err != nil {
		return err
	}
	if err := s.access.Env(r.Context(), p, envID, tenant.Write); err != nil {
		return err
	}
	rules, err := fromGateRules(req.Rules)
	if err != nil {
		return err
	}
	g := access.Gate{EnvironmentID: envID, Rules: rules}
	if req.Name != nil {
		g.Name = *req.Name
	}
	if req.Outcome != nil {
		g.Outcome = *req.Outcome
	}
	if req.Scope != nil {
		g.Scope = *req.Scope
	}
	created, err := s.access.Service().CreateGate(r.Context(), g)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toGate(created))
	return nil
}

func (s *Server) gateParams(r *http.Request) (envID, gateID string, err error) {
	if envID, err = pathID(r, "environmentId"); err != nil {
		return "", "", err
	}
	gateID, err = pathID(r, "gateId")
	return envID, gateID, err
}

func (s *Server) getGate(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := s.gateParams(r)
	if err != nil {
		return err
	}
	g, err := s.access.GateOf(r.Context(), p, envID, id, tenant.Read)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toGate(g))
	return nil
}

func (s *Server) updateGate(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := s.gateParams(r)
	if err != nil {
		return err
	}
	var req gateRequest
	if err := s.decode(w, r, "GateUpdateRequest", &req); err != nil {
		return err
	}
	if _, err := s.access.GateOf(r.Context(), p, envID, id, tenant.Write); err != nil {
		return err
	}
	patch := access.GatePatch{Name: req.Name, Outcome: req.Outcome, Scope: req.Scope}
	if req.Rules != nil {
		if patch.Rules, err = fromGateRules(req.Rules); err != nil {
			return err
		}
	}
	g, err := s.access.Service().UpdateGate(r.Context(), id, patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toGate(g))
	return nil
}

func (s *Server) enableGate(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		envID, id, err := s.gateParams(r)
		if err != nil {
			return err
		}
		if _, err := s.access.GateOf(r.Context(), p, envID, id, tenant.Write); err != nil {
			return err
		}
		g, err := s.access.Service().EnableGate(r.Context(), id, on)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toGate(g))
		return nil
	}
}

func (s *Server) deleteGate(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, id, err := s.gateParams(r)
	if err != nil {
		return err
	}
	if _, err := s.access.GateOf(r.Context(), p, envID, id, tenant.Write); err != nil {
		return err
	}
	if err := s.access.Service().DeleteGate(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
