package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

type nameRequest struct {
	Name string `json:"name"`
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	projects, err := s.tenants.ListProjects(r.Context(), p, orgID)
	if err != nil {
		return err
	}
	out := make([]wireProject, 0, len(projects))
	for i := range projects {
		out = append(out, toProject(&projects[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out})
	return nil
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	var req nameRequest
	if err := s.decode(w, r, "ProjectRequest", &req); err != nil {
		return err
	}
	proj, err := s.tenants.CreateProject(r.Context(), p, orgID, req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"project": toProject(proj)})
	return nil
}

func (s *Server) getProject(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "projectId")
	if err != nil {
		return err
	}
	proj, err := s.tenants.GetProject(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProject(proj))
	return nil
}

func (s *Server) updateProject(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "projectId")
	if err != nil {
		return err
	}
	var req nameRequest
	if err := s.decode(w, r, "UpdateProjectRequest", &req); err != nil {
		return err
	}
	proj, err := s.tenants.UpdateProject(r.Context(), p, id, req.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": proj.ID, "name": proj.Name})
	return nil
}

func (s *Server) deleteProject(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "projectId")
	if err != nil {
		return err
	}
	if err := s.tenants.DeleteProject(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listProjectEnvironments(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "projectId")
	if err != nil {
		return err
	}
	envs, err := s.tenants.ProjectEnvironments(r.Context(), p, id)
	if err != nil {
		return err
	}
	out := map[string]wireEnvironment{}
	for name, env := range envs {
		out[name] = toEnvironment(&env)
	}
	writeJSON(w, http.StatusOK, map[string]any{"environments": out})
	return nil
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	env, err := s.tenants.GetEnvironment(r.Context(), p, id, tenant.ScopeSettingsRead)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toEnvironment(env))
	return nil
}

func (s *Server) updateProjectSettings(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var settings map[string]any
	if err := s.decode(w, r, "ProjectSettings", &settings); err != nil {
		return err
	}
	env, err := s.tenants.UpdateSettings(r.Context(), p, id, settings)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, env.Settings)
	return nil
}

func (s *Server) getKeys(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	env, err := s.tenants.GetEnvironment(r.Context(), p, id, tenant.ScopeSettingsRead)
	if err != nil {
		return err
	}
	key, err := s.keys.Active(r.Context(), env.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toKey(key))
	return nil
}

func (s *Server) getVisitors(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	st, err := s.tenants.VisitorStats(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"users":    map[string]int{"count": st.Users, "uniquePastMonth": st.UsersPastMonth},
		"visitors": map[string]int{"count": st.Visitors, "uniquePastMonth": st.VisitorsPastMonth},
	})
	return nil
}
