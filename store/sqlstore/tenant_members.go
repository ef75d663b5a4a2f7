package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var memberColumns = `m.id, m.organization_id, m.role, m.created_at, ` + qualified("u", dashboardUserColumns) + `
	FROM members m JOIN dashboard_users u ON u.id = m.user_id`

var scanMember = scanner(func(m *tenant.Member) []any {
	return append([]any{&m.ID, &m.OrganizationID, &m.Role, &m.CreatedAt}, dashboardUserFields(&m.User)...)
})

// ListMembers implements tenant.Store.
func (s *Store) ListMembers(ctx context.Context, orgID string) ([]tenant.Member, error) {
	return list(ctx, s, s.db.Reader(), "list members", scanMember, `SELECT `+memberColumns+` WHERE m.organization_id = $1 ORDER BY m.created_at, m.id`, orgID)
}

// GetMember implements tenant.Store.
func (s *Store) GetMember(ctx context.Context, id string) (*tenant.Member, error) {
	return get(ctx, s, "get member", tenant.ErrMemberNotFound, scanMember, `SELECT `+memberColumns+` WHERE m.id = $1`, id)
}

// MemberOf implements tenant.Store.
func (s *Store) MemberOf(ctx context.Context, orgID, userID string) (*tenant.Member, error) {
	return get(ctx, s, "get member", tenant.ErrMemberNotFound, scanMember,
		`SELECT `+memberColumns+` WHERE m.organization_id = $1 AND m.user_id = $2`, orgID, userID)
}

// UpdateMemberRole implements tenant.Store.
func (s *Store) UpdateMemberRole(ctx context.Context, id string, role tenant.Role) error {
	return s.change(ctx, s.db, "update member", tenant.ErrMemberNotFound, `UPDATE members SET role = $1 WHERE id = $2`,
		string(role), id)
}

// TransferOwnership implements tenant.Store.
func (s *Store) TransferOwnership(ctx context.Context, fromID, toID string) error {
	return s.write(ctx, func(tx Tx) error {
		if err := s.change(ctx, tx, "delegate ownership", tenant.ErrMemberNotFound,
			`UPDATE members SET role = 'admin' WHERE id = $1 AND role = 'owner'`, fromID); err != nil {
			return err
		}
		return s.change(ctx, tx, "delegate ownership", tenant.ErrMemberNotFound, `UPDATE members SET role = 'owner'
			WHERE id = $1 AND organization_id = (SELECT organization_id FROM members WHERE id = $2)`, toID, fromID)
	})
}

// DeleteMember implements tenant.Store; the member's API tokens go with it.
func (s *Store) DeleteMember(ctx context.Context, id string) error {
	return s.change(ctx, s.db, "delete member", tenant.ErrMemberNotFound, `DELETE FROM members WHERE id = $1`, id)
}

// MembershipEnvironmentIDs implements tenant.Store.
func (s *Store) MembershipEnvironmentIDs(ctx context.Context, userID string) ([]string, error) {
	return nonNil(list(ctx, s, s.db.Reader(), "membership environments", column[string], `SELECT e.id FROM environments e
		JOIN projects p ON p.id = e.project_id JOIN members m ON m.organization_id = p.organization_id
		WHERE m.user_id = $1 ORDER BY p.created_at, e.name DESC`, userID))
}

const inviteColumns = `id, organization_id, status, email, alias, wallet_public_key, phone_number, role,
	created_by_email, created_at`

func inviteFields(inv *tenant.Invite) []any {
	return []any{&inv.ID, &inv.OrganizationID, &inv.Status, &inv.Email, &inv.Alias, &inv.WalletPublicKey,
		&inv.PhoneNumber, &inv.Role, &inv.CreatedByEmail, &inv.CreatedAt}
}

// queryInvites reads the invites matching where, with their organization's
// name.
func (s *Store) queryInvites(ctx context.Context, where string, args ...any) ([]tenant.Invite, error) {
	return list(ctx, s, s.db.Reader(), "list invites", scanner(func(inv *tenant.Invite) []any {
		return append(inviteFields(inv), &inv.OrganizationName)
	}), `SELECT `+qualified("i", inviteColumns)+`, o.name FROM invites i JOIN organizations o ON o.id = i.organization_id
		WHERE `+where+` ORDER BY i.created_at, i.id`, args...)
}

// pendingInvitesOfOrganization counts what MaxPendingInvites caps.
const pendingInvitesOfOrganization = `SELECT count(*) FROM invites WHERE organization_id = $1 AND status = '` +
	tenant.InvitePending + `'`

// CreateInvite implements tenant.Store.
func (s *Store) CreateInvite(ctx context.Context, inv *tenant.Invite, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underCap(ctx, tx, capped{owner: "organizations", ownerID: inv.OrganizationID,
			missing: tenant.ErrOrganizationNotFound, max: max, full: tenant.ErrTooManyInvites,
			count: pendingInvitesOfOrganization}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertSQL("invites", inviteColumns), values(inviteFields(inv))...)
		return err
	})
	return s.fail("create invite", tenant.ErrOrganizationNotFound, err)
}

// GetInvite implements tenant.Store.
func (s *Store) GetInvite(ctx context.Context, id string) (*tenant.Invite, error) {
	invs, err := s.queryInvites(ctx, "i.id = $1", id)
	return first(invs, err, tenant.ErrInviteNotFound)
}

// ListInvites implements tenant.Store.
func (s *Store) ListInvites(ctx context.Context, orgID, status string) ([]tenant.Invite, error) {
	return s.queryInvites(ctx, "i.organization_id = $1 AND ($2 = '' OR i.status = $3)", orgID, status, status)
}

// ListInvitesFor implements tenant.Store.
func (s *Store) ListInvitesFor(ctx context.Context, u tenant.DashboardUser, status string) ([]tenant.Invite, error) {
	return s.queryInvites(ctx, `((i.email <> '' AND i.email = lower($1)) OR (i.wallet_public_key <> '' AND lower(i.wallet_public_key) = lower($2)))
		AND ($3 = '' OR i.status = $4)`, u.Email, u.WalletPublicKey, status, status)
}

// SetInviteStatus implements tenant.Store. The UPDATE itself requires an
// accepted invite to have been pending: the caller read it pending, but
// an admin's revocation may have come in between (PostgreSQL re-evaluates
// the WHERE on the row the revocation wrote; SQLite has one writer).
func (s *Store) SetInviteStatus(ctx context.Context, id, status string, newMember *tenant.Member, max int) error {
	return s.write(ctx, func(tx Tx) error {
		if status == tenant.InvitePending {
			if err := s.reopenUnderCap(ctx, tx, id, max); err != nil {
				return err
			}
		}
		n, err := tx.Exec(ctx, `UPDATE invites SET status = $1 WHERE id = $2 AND status <> $3 AND ($4 = false OR status = $5)`,
			status, id, tenant.InviteAccepted, newMember != nil, tenant.InvitePending)
		if err != nil {
			return err
		}
		if n == 0 {
			return s.inviteUnchanged(ctx, tx, id)
		}
		if newMember == nil {
			return nil
		}
		err = s.insertMember(ctx, tx, newMember)
		if errs.Is(err, errs.KindConflict) {
			return tenant.ErrAlreadyMember
		}
		return err
	})
}

// reopenUnderCap counts invite id, about to be pending again, against its
// organization's max pending invites, under the organization's row lock as
// CreateInvite does: reopening a rejected or revoked invite adds one. The
// invite itself is left out of the count, so setting a pending one pending
// again passes at the cap.
func (s *Store) reopenUnderCap(ctx context.Context, tx Tx, id string, max int) error {
	var orgID string
	err := tx.QueryRow(ctx, `SELECT organization_id FROM invites WHERE id = $1`, id).Scan(&orgID)
	if err != nil {
		return s.fail("invite's organization", tenant.ErrInviteNotFound, err)
	}
	return s.underCap(ctx, tx, capped{owner: "organizations", ownerID: orgID, missing: tenant.ErrOrganizationNotFound,
		count: pendingInvitesOfOrganization + ` AND id <> $2`, args: []any{id}, max: max, full: tenant.ErrTooManyInvites})
}

// inviteUnchanged says why SetInviteStatus changed no row: no such
// invite, or one no longer open to the change.
func (s *Store) inviteUnchanged(ctx context.Context, tx Tx, id string) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM invites WHERE id = $1`, id).Scan(&status)
	if s.noRows(err) {
		return tenant.ErrInviteNotFound
	}
	if err != nil {
		return err
	}
	return tenant.ErrInviteNotPending
}

// DeleteInvite implements tenant.Store.
func (s *Store) DeleteInvite(ctx context.Context, id string) error {
	return s.change(ctx, s.db, "delete invite", tenant.ErrInviteNotFound, `DELETE FROM invites WHERE id = $1`, id)
}

// ListMfaSettings implements tenant.Store.
func (s *Store) ListMfaSettings(ctx context.Context, orgID string) ([]tenant.MfaSetting, error) {
	return list(ctx, s, s.db.Reader(), "list mfa settings", scanner(func(st *tenant.MfaSetting) []any {
		return []any{&st.DeviceType, &st.EnabledAt}
	}), `SELECT device_type, enabled_at FROM org_mfa_settings WHERE organization_id = $1`, orgID)
}

// SetMfaSetting implements tenant.Store.
func (s *Store) SetMfaSetting(ctx context.Context, orgID, deviceType string, enabledAt *time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO org_mfa_settings (organization_id, device_type, enabled_at) VALUES ($1, $2, $3)
		ON CONFLICT (organization_id, device_type) DO UPDATE SET enabled_at = excluded.enabled_at`,
		orgID, deviceType, enabledAt)
	return s.fail("set mfa setting", tenant.ErrOrganizationNotFound, err)
}

const ssoColumns = `id, organization_id, client_id, client_secret_sealed, masked_client_secret, sso_domain, email_domain,
	provider, redirect_url, enforce_only_sso, created_at, updated_at`

// GetSsoProvider implements tenant.Store.
func (s *Store) GetSsoProvider(ctx context.Context, orgID string) (*tenant.SsoProvider, error) {
	return get(ctx, s, "get sso provider", tenant.ErrSSOProviderNotFound, scanner(ssoFields),
		`SELECT `+ssoColumns+` FROM sso_providers WHERE organization_id = $1`, orgID)
}

func ssoFields(p *tenant.SsoProvider) []any {
	return []any{&p.ID, &p.OrganizationID, &p.ClientID, &p.ClientSecretSealed, &p.MaskedClientSecret, &p.SsoDomain,
		&p.EmailDomain, &p.Provider, &p.RedirectURL, &p.EnforceOnlySSO, &p.CreatedAt, &p.UpdatedAt}
}

// CreateSsoProvider implements tenant.Store.
func (s *Store) CreateSsoProvider(ctx context.Context, p *tenant.SsoProvider) error {
	_, err := s.db.Exec(ctx, insertSQL("sso_providers", ssoColumns), values(ssoFields(p))...)
	return s.fail("create sso provider", tenant.ErrOrganizationNotFound, err)
}

// UpdateSsoProvider implements tenant.Store.
func (s *Store) UpdateSsoProvider(ctx context.Context, p *tenant.SsoProvider) error {
	return s.change(ctx, s.db, "update sso provider", tenant.ErrSSOProviderNotFound, `UPDATE sso_providers SET client_id = $1, client_secret_sealed = $2, masked_client_secret = $3,
		sso_domain = $4, email_domain = $5, provider = $6, redirect_url = $7, enforce_only_sso = $8, updated_at = $9
		WHERE id = $10 AND organization_id = $11`,
		p.ClientID, p.ClientSecretSealed, p.MaskedClientSecret, p.SsoDomain, p.EmailDomain, p.Provider, p.RedirectURL,
		p.EnforceOnlySSO, p.UpdatedAt, p.ID, p.OrganizationID)
}

// DeleteSsoProvider implements tenant.Store.
func (s *Store) DeleteSsoProvider(ctx context.Context, orgID, id string) error {
	return s.change(ctx, s.db, "delete sso provider", tenant.ErrSSOProviderNotFound,
		`DELETE FROM sso_providers WHERE id = $1 AND organization_id = $2`, id, orgID)
}

// AddCoupon implements tenant.Store; a repeated coupon is kept once.
func (s *Store) AddCoupon(ctx context.Context, orgID, coupon string, at time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO billing_coupons (organization_id, coupon, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, orgID, coupon, at)
	return s.fail("add coupon", tenant.ErrOrganizationNotFound, err)
}

// ListCoupons implements tenant.Store.
func (s *Store) ListCoupons(ctx context.Context, orgID string) ([]string, error) {
	return list(ctx, s, s.db.Reader(), "list coupons", column[string],
		`SELECT coupon FROM billing_coupons WHERE organization_id = $1 ORDER BY created_at`, orgID)
}
