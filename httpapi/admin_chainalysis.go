package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Chainalysis group: the environment's sanctions screening
// switch. Screening itself is the server's list (--sanctions-list); there
// is no KYT.

type wireChainalysis struct {
	ID                   string `json:"id"`
	SanctionsAPIEnabled  bool   `json:"sanctionsApiEnabled"`
	KytAPIEnabled        bool   `json:"kytApiEnabled"`
	ProjectEnvironmentID string `json:"projectEnvironmentId"`
	CreatedAt            string `json:"createdAt"`
	UpdatedAt            string `json:"updatedAt"`
}

// screeningChange is what a chainalysis route does to the sanctions
// screening before answering with it.
type screeningChange int

const (
	screeningKept screeningChange = iota
	screeningOn
	screeningOff
)

func (s *Server) chainalysis(change screeningChange) adminHandler {
	acc := tenant.Write
	if change == screeningKept {
		acc = tenant.Read
	}
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		envID, err := pathID(r, "environmentId")
		if err != nil {
			return err
		}
		env, err := s.access.Environment(r.Context(), p, envID, acc)
		if err != nil {
			return err
		}
		svc := s.access.Service()
		if change != screeningKept {
			if err := svc.SetScreening(r.Context(), envID, change == screeningOn); err != nil {
				return err
			}
		}
		sc, err := svc.Screening(r.Context(), envID)
		if err != nil {
			return err
		}
		// one configuration per environment: it takes the environment's id
		out := wireChainalysis{ID: envID, SanctionsAPIEnabled: sc.Enabled, ProjectEnvironmentID: envID}
		if sc.CreatedAt != nil {
			out.CreatedAt = ts(*sc.CreatedAt)
		}
		if sc.UpdatedAt != nil {
			out.UpdatedAt = ts(*sc.UpdatedAt)
		}
		if out.CreatedAt == "" { // never configured: as old as the environment
			out.CreatedAt, out.UpdatedAt = ts(env.CreatedAt), ts(env.CreatedAt)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}
