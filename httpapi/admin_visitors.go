package httpapi

// The admin Visits group.

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (s *Server) listVisitors(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	q, err := s.visitorListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.users.ListVisitors(r.Context(), p, envID, q)
	if err != nil {
		return err
	}
	out := make([]wireVisitor, 0, len(list))
	for i := range list {
		out = append(out, toVisitor(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": total, "visitors": out})
	return nil
}
