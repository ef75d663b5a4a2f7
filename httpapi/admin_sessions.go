package httpapi

// The admin Sessions group.

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "sessionId")
	if err != nil {
		return err
	}
	ss, err := s.users.RevokeSession(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSession(ss))
	return nil
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	userID, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "sessionId")
	if err != nil {
		return err
	}
	ss, err := s.users.GetSession(r.Context(), p, userID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSession(ss))
	return nil
}
