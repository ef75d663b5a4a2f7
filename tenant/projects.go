package tenant

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/ids"
)

// newProject builds a project with its sandbox and live environments.
func (s *Service) newProject(orgID, name string, now time.Time) (*Project, []*Environment) {
	p := &Project{ID: ids.New(), OrganizationID: orgID, Name: name, CreatedAt: now, UpdatedAt: now}
	var envs []*Environment
	for _, envName := range []string{EnvSandbox, EnvLive} {
		env := &Environment{ID: ids.New(), ProjectID: p.ID, OrganizationID: orgID, Name: envName,
			Settings: DefaultSettings(envName, name), CreatedAt: now, UpdatedAt: now}
		envs = append(envs, env)
		p.Environments = append(p.Environments, EnvironmentRef{ID: env.ID, Name: envName})
	}
	return p, envs
}

// ListProjects lists an organization's projects the principal reaches.
func (s *Service) ListProjects(ctx context.Context, p *Principal, orgID string) ([]Project, error) {
	if err := p.CanReadOrganization(orgID); err != nil {
		return nil, err
	}
	all, err := s.store.ListProjects(ctx, orgID)
	if err != nil || p.Token.OrgWide {
		return all, err
	}
	var mine []Project
	for _, pr := range all {
		if pr.ID == p.Token.ProjectID {
			mine = append(mine, pr)
		}
	}
	return mine, nil
}

// CreateProject makes a project with a sandbox and a live environment.
func (s *Service) CreateProject(ctx context.Context, p *Principal, orgID, name string) (*Project, error) {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	name, err := checkText("name", name, maxNameLen, true)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return nil, err
	}
	proj, envs := s.newProject(orgID, name, s.now())
	if err := s.store.CreateProject(ctx, proj, envs, MaxProjects); err != nil {
		return nil, err
	}
	return proj, nil
}

// GetProject returns a project the principal reaches.
func (s *Service) GetProject(ctx context.Context, p *Principal, id string) (*Project, error) {
	proj, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := p.CanReadProject(proj); err != nil {
		return nil, err
	}
	return proj, nil
}

// UpdateProject renames a project.
func (s *Service) UpdateProject(ctx context.Context, p *Principal, id, name string) (*Project, error) {
	proj, err := s.store.GetProject(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := p.CanManageOrganization(proj.OrganizationID, RoleAdmin); err != nil {
		return nil, err
	}
	if proj.Name, err = checkText("name", name, maxNameLen, true); err != nil {
		return nil, err
	}
	proj.UpdatedAt = s.now()
	if err := s.store.UpdateProject(ctx, proj); err != nil {
		return nil, err
	}
	return proj, nil
}

// DeleteProject removes a project with its environments and everything in them.
func (s *Service) DeleteProject(ctx context.Context, p *Principal, id string) error {
	proj, err := s.store.GetProject(ctx, id)
	if err != nil {
		return err
	}
	if err := p.CanManageOrganization(proj.OrganizationID, RoleAdmin); err != nil {
		return err
	}
	return s.store.DeleteProject(ctx, id)
}
