package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	tokens, err := s.tenants.ListTokens(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireToken, 0, len(tokens))
	for i := range tokens {
		out = append(out, toToken(&tokens[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
	return nil
}

type postTokenRequest struct {
	Note   string         `json:"note"`
	Scopes []tenant.Scope `json:"scopes"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req postTokenRequest
	if err := s.decode(w, r, "PostTokenFields", &req); err != nil {
		return err
	}
	tok, raw, err := s.tenants.CreateToken(r.Context(), p, envID, req.Note, req.Scopes)
	if err != nil {
		return err
	}
	wt := toToken(tok)
	wt.RawToken = raw
	active := true
	wt.Active = &active
	writeJSON(w, http.StatusOK, map[string]any{"token": wt})
	return nil
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	tokenID, err := pathID(r, "tokenId")
	if err != nil {
		return err
	}
	if err := s.tenants.DeleteToken(r.Context(), p, envID, tokenID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listOrigins(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	origins, err := s.tenants.ListOrigins(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireOrigin, 0, len(origins))
	for i := range origins {
		out = append(out, toOrigin(&origins[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"origins": out})
	return nil
}

func (s *Server) addOrigin(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		Origin string `json:"origin"`
	}
	if err := s.decode(w, r, "InlineObject", &req); err != nil {
		return err
	}
	o, err := s.tenants.AddOrigin(r.Context(), p, envID, req.Origin)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"origin": toOrigin(o)})
	return nil
}

func (s *Server) deleteOrigin(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "originId")
	if err != nil {
		return err
	}
	if err := s.tenants.DeleteOrigin(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
