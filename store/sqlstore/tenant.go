package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// tenant.Store: organizations, projects, environments and settings;
// members and invites are in tenant_members.go, tokens and origins in
// tenant_tokens.go.

var _ tenant.Store = (*Store)(nil)

const bootstrapKey = "bootstrap"

// Bootstrap implements tenant.Store.
func (s *Store) Bootstrap(ctx context.Context, seed tenant.Seed) error {
	ids, err := json.Marshal(tenant.Bootstrap{
		OrganizationID: seed.Organization.ID, ProjectID: seed.Project.ID,
		EnvironmentID: seed.Environments[0].ID, LiveEnvironmentID: seed.Environments[1].ID,
		OwnerMemberID: seed.Owner.ID,
	})
	if err != nil {
		return errs.Internal("bootstrap ids", err)
	}
	return s.write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)`, bootstrapKey, string(ids)); err != nil {
			return s.fail("bootstrap", nil, err)
		}
		return s.insertSeed(ctx, tx, seed)
	})
}

// CreateTenant implements tenant.Store.
func (s *Store) CreateTenant(ctx context.Context, seed tenant.Seed) error {
	return s.write(ctx, func(tx Tx) error { return s.insertSeed(ctx, tx, seed) })
}

func (s *Store) insertSeed(ctx context.Context, tx Tx, seed tenant.Seed) error {
	if err := s.insertOrganization(ctx, tx, seed.Organization, seed.Owner); err != nil {
		return err
	}
	if err := s.insertProject(ctx, tx, seed.Project, seed.Environments); err != nil {
		return err
	}
	return s.insertToken(ctx, tx, seed.Token)
}

// DashboardUserByEmail implements tenant.Store.
func (s *Store) DashboardUserByEmail(ctx context.Context, email string) (*tenant.DashboardUser, error) {
	return get(ctx, s, "dashboard user by email", tenant.ErrDashboardUserNotFound, scanner(dashboardUserFields),
		`SELECT `+dashboardUserColumns+` FROM dashboard_users WHERE email = $1 ORDER BY created_at LIMIT 1`, email)
}

const dashboardUserColumns = `id, alias, email, first_name, last_name, wallet_public_key, created_at`

func dashboardUserFields(u *tenant.DashboardUser) []any {
	return []any{&u.ID, &u.Alias, &u.Email, &u.FirstName, &u.LastName, &u.WalletPublicKey, &u.CreatedAt}
}

// BootstrapIDs implements tenant.Store.
func (s *Store) BootstrapIDs(ctx context.Context) (*tenant.Bootstrap, error) {
	v, err := get(ctx, s, "bootstrap ids", tenant.ErrBootstrapNotFound, column[string],
		`SELECT value FROM meta WHERE key = $1`, bootstrapKey)
	if err != nil {
		return nil, err
	}
	var b tenant.Bootstrap
	if err := json.Unmarshal([]byte(*v), &b); err != nil {
		return nil, errs.Internal("bootstrap ids", err)
	}
	return &b, nil
}

func (s *Store) insertOrganization(ctx context.Context, tx Tx, o *tenant.Organization, owner *tenant.Member) error {
	_, err := tx.Exec(ctx, insertSQL("organizations", orgColumns), values(orgFields(o))...)
	if err != nil {
		return s.fail("create organization", tenant.ErrOrganizationNotFound, err)
	}
	return s.insertMember(ctx, tx, owner)
}

// insertMember adds a membership, first recording its dashboard user if
// this is the user's first membership.
func (s *Store) insertMember(ctx context.Context, tx Tx, m *tenant.Member) error {
	_, err := tx.Exec(ctx, insertSQL("dashboard_users", dashboardUserColumns)+` ON CONFLICT (id) DO NOTHING`,
		values(dashboardUserFields(&m.User))...)
	if err != nil {
		return s.fail("create dashboard user", tenant.ErrDashboardUserNotFound, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO members (id, organization_id, user_id, role, created_at) VALUES ($1, $2, $3, $4, $5)`,
		m.ID, m.OrganizationID, m.User.ID, string(m.Role), m.CreatedAt)
	return s.fail("create member", tenant.ErrMemberNotFound, err)
}

// CreateOrganization implements tenant.Store.
func (s *Store) CreateOrganization(ctx context.Context, org *tenant.Organization, owner *tenant.Member) error {
	return s.write(ctx, func(tx Tx) error { return s.insertOrganization(ctx, tx, org, owner) })
}

const orgColumns = `id, name, description, website_url, implementation_timeline,
	address_line1, address_line2, city, region, postal_code, country, created_at, updated_at`

// orgFields are the scan destinations of orgColumns.
func orgFields(o *tenant.Organization) []any {
	return []any{&o.ID, &o.Name, &o.Description, &o.WebsiteURL, &o.ImplementationTimeline, &o.Address.Line1,
		&o.Address.Line2, &o.Address.City, &o.Address.Region, &o.Address.PostalCode, &o.Address.Country,
		&o.CreatedAt, &o.UpdatedAt}
}

// GetOrganization implements tenant.Store.
func (s *Store) GetOrganization(ctx context.Context, id string) (*tenant.Organization, error) {
	return get(ctx, s, "get organization", tenant.ErrOrganizationNotFound, scanner(orgFields),
		`SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id)
}

// UpdateOrganization implements tenant.Store.
func (s *Store) UpdateOrganization(ctx context.Context, o *tenant.Organization) error {
	return s.change(ctx, s.db, "update organization", tenant.ErrOrganizationNotFound, `UPDATE organizations SET name = $1, description = $2, website_url = $3,
		implementation_timeline = $4, address_line1 = $5, address_line2 = $6, city = $7, region = $8, postal_code = $9,
		country = $10, updated_at = $11 WHERE id = $12`,
		o.Name, o.Description, o.WebsiteURL, o.ImplementationTimeline, o.Address.Line1, o.Address.Line2,
		o.Address.City, o.Address.Region, o.Address.PostalCode, o.Address.Country, o.UpdatedAt, o.ID)
}

// ListOrganizationsForUser implements tenant.Store.
func (s *Store) ListOrganizationsForUser(ctx context.Context, userID string) ([]tenant.OrganizationWithRole, error) {
	return list(ctx, s, s.db.Reader(), "list organizations", func(r Row) (o tenant.OrganizationWithRole, err error) {
		err = r.Scan(append(orgFields(&o.Organization), &o.Role)...)
		return o, err
	}, `SELECT `+qualified("o", orgColumns)+`, m.role FROM organizations o
		JOIN members m ON m.organization_id = o.id WHERE m.user_id = $1 ORDER BY o.created_at, o.id`, userID)
}

func (s *Store) insertProject(ctx context.Context, tx Tx, p *tenant.Project, envs []*tenant.Environment) error {
	_, err := tx.Exec(ctx, insertSQL("projects", projectColumns), values(projectFields(p))...)
	if err != nil {
		return s.fail("create project", tenant.ErrOrganizationNotFound, err)
	}
	for _, e := range envs {
		_, err := tx.Exec(ctx, `INSERT INTO environments (id, project_id, name, settings, sdk_version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, p.ID, e.Name, string(e.Settings), e.SDKVersion,
			e.CreatedAt, e.UpdatedAt)
		if err != nil {
			return s.fail("create environment", tenant.ErrProjectNotFound, err)
		}
	}
	return nil
}

// CreateProject implements tenant.Store.
func (s *Store) CreateProject(ctx context.Context, p *tenant.Project, envs []*tenant.Environment, max int) error {
	return s.write(ctx, func(tx Tx) error {
		if err := s.underCap(ctx, tx, capped{owner: "organizations", ownerID: p.OrganizationID,
			missing: tenant.ErrOrganizationNotFound, max: max, full: tenant.ErrTooManyProjects,
			count: `SELECT count(*) FROM projects WHERE organization_id = $1`}); err != nil {
			return err
		}
		return s.insertProject(ctx, tx, p, envs)
	})
}

// projectEnvironments loads the environment refs of the given projects,
// in one query (the sandbox first in each project).
func (s *Store) projectEnvironments(ctx context.Context, projects []tenant.Project) error {
	if len(projects) == 0 {
		return nil
	}
	at := make(map[string]int, len(projects))
	ids := make([]string, len(projects))
	for i, p := range projects {
		at[p.ID], ids[i] = i, p.ID
	}
	type ref struct {
		project string
		tenant.EnvironmentRef
	}
	refs, err := list(ctx, s, s.db.Reader(), "list environments", scanner(func(r *ref) []any {
		return []any{&r.project, &r.ID, &r.Name}
	}), `SELECT project_id, id, name FROM environments WHERE `+s.in("project_id", 1)+`
		ORDER BY CASE name WHEN 'sandbox' THEN 0 ELSE 1 END, id`, s.d.IDList(ids))
	if err != nil {
		return err
	}
	for _, r := range refs {
		p := &projects[at[r.project]]
		p.Environments = append(p.Environments, r.EnvironmentRef)
	}
	return nil
}

const projectColumns = `id, organization_id, name, created_at, updated_at`

func projectFields(p *tenant.Project) []any {
	return []any{&p.ID, &p.OrganizationID, &p.Name, &p.CreatedAt, &p.UpdatedAt}
}

func (s *Store) queryProjects(ctx context.Context, where string, arg any) ([]tenant.Project, error) {
	out, err := list(ctx, s, s.db.Reader(), "list projects", scanner(projectFields),
		`SELECT `+projectColumns+` FROM projects WHERE `+where+` ORDER BY created_at, id`, arg)
	if err != nil {
		return nil, err
	}
	return out, s.projectEnvironments(ctx, out)
}

// GetProject implements tenant.Store.
func (s *Store) GetProject(ctx context.Context, id string) (*tenant.Project, error) {
	ps, err := s.queryProjects(ctx, "id = $1", id)
	return first(ps, err, tenant.ErrProjectNotFound)
}

// ListProjects implements tenant.Store.
func (s *Store) ListProjects(ctx context.Context, orgID string) ([]tenant.Project, error) {
	return s.queryProjects(ctx, "organization_id = $1", orgID)
}

// UpdateProject implements tenant.Store.
func (s *Store) UpdateProject(ctx context.Context, p *tenant.Project) error {
	return s.change(ctx, s.db, "update project", tenant.ErrProjectNotFound,
		`UPDATE projects SET name = $1, updated_at = $2 WHERE id = $3`, p.Name, p.UpdatedAt, p.ID)
}

// DeleteProject implements tenant.Store.
func (s *Store) DeleteProject(ctx context.Context, id string) error {
	return s.change(ctx, s.db, "delete project", tenant.ErrProjectNotFound, `DELETE FROM projects WHERE id = $1`, id)
}

const envColumns = `e.id, e.project_id, p.organization_id, e.name, e.settings, e.sdk_version, e.created_at, e.updated_at`

func scanEnvironment(row Row) (e tenant.Environment, err error) {
	var settings string
	err = row.Scan(&e.ID, &e.ProjectID, &e.OrganizationID, &e.Name, &settings, &e.SDKVersion, &e.CreatedAt, &e.UpdatedAt)
	e.Settings = json.RawMessage(settings)
	return e, err
}

// GetEnvironment implements tenant.Store.
func (s *Store) GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error) {
	return get(ctx, s, "get environment", tenant.ErrEnvironmentNotFound, scanEnvironment, `SELECT `+envColumns+`
		FROM environments e JOIN projects p ON p.id = e.project_id WHERE e.id = $1`, id)
}

// ListEnvironments implements tenant.Store.
func (s *Store) ListEnvironments(ctx context.Context, projectID string) ([]tenant.Environment, error) {
	return list(ctx, s, s.db.Reader(), "list environments", scanEnvironment, `SELECT `+envColumns+`
		FROM environments e JOIN projects p ON p.id = e.project_id WHERE e.project_id = $1 ORDER BY e.name DESC`, projectID)
}

// UpdateEnvironmentSettings implements tenant.Store.
func (s *Store) UpdateEnvironmentSettings(ctx context.Context, id string, settings []byte, at time.Time) error {
	return s.change(ctx, s.db, "update settings", tenant.ErrEnvironmentNotFound,
		`UPDATE environments SET settings = $1, updated_at = $2 WHERE id = $3`, string(settings), at, id)
}
