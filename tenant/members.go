package tenant

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// ListMembers lists an organization's members.
func (s *Service) ListMembers(ctx context.Context, p *Principal, orgID string) ([]Member, error) {
	if err := p.CanManageOrganization(orgID, RoleViewer); err != nil {
		return nil, err
	}
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return nil, err
	}
	return s.store.ListMembers(ctx, orgID)
}

// memberInReach loads a member and checks the principal manages its organization.
func (s *Service) memberInReach(ctx context.Context, p *Principal, id string, min Role) (*Member, error) {
	m, err := s.store.GetMember(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.CanReadOrganization(m.OrganizationID) != nil {
		return nil, errs.NotFound("member_not_found", "member not found")
	}
	if err := p.CanManageOrganization(m.OrganizationID, min); err != nil {
		return nil, err
	}
	return m, nil
}

// UpdateMemberRole changes a member's role. Ownership moves only through
// DelegateOwnership, so an organization always has exactly one owner.
func (s *Service) UpdateMemberRole(ctx context.Context, p *Principal, id string, role Role) (*Member, error) {
	if !role.Valid() {
		return nil, errs.Invalid("role: value is not one of owner, admin, developer, viewer")
	}
	m, err := s.memberInReach(ctx, p, id, RoleAdmin)
	if err != nil {
		return nil, err
	}
	if role == RoleOwner || m.Role == RoleOwner {
		return nil, errs.Unprocessable("", "ownership can only change through delegateOwnership", nil)
	}
	if err := s.store.UpdateMemberRole(ctx, id, role); err != nil {
		return nil, err
	}
	m.Role = role
	return m, nil
}

// DelegateOwnership makes another member the owner; the owner becomes admin.
func (s *Service) DelegateOwnership(ctx context.Context, p *Principal, ownerMemberID, toMemberID string) error {
	from, err := s.memberInReach(ctx, p, ownerMemberID, RoleOwner)
	if err != nil {
		return err
	}
	if from.Role != RoleOwner {
		return errs.Unprocessable("", "only the owner's membership can delegate ownership", nil)
	}
	to, err := s.store.GetMember(ctx, toMemberID)
	if err != nil || to.OrganizationID != from.OrganizationID {
		return errs.NotFound("member_not_found", "adminMemberIdToDelegate: no such member in this organization")
	}
	if to.ID == from.ID {
		return errs.Invalid("adminMemberIdToDelegate: is already the owner")
	}
	return s.store.TransferOwnership(ctx, from.ID, to.ID)
}

// DeleteMember removes a member; the owner cannot be removed.
func (s *Service) DeleteMember(ctx context.Context, p *Principal, id string) error {
	m, err := s.memberInReach(ctx, p, id, RoleAdmin)
	if err != nil {
		return err
	}
	if m.Role == RoleOwner {
		return errs.Unprocessable("", "the organization's owner cannot be removed; delegate ownership first", nil)
	}
	if m.User.ID == p.Token.CreatedBy.User.ID {
		return errs.Unprocessable("members_cannot_delete_themself", "members cannot remove themselves", nil)
	}
	return s.store.DeleteMember(ctx, id)
}

// MembershipEnvironmentIDs lists the environments the principal reaches.
func (s *Service) MembershipEnvironmentIDs(ctx context.Context, p *Principal) ([]string, error) {
	if !p.Token.OrgWide {
		return []string{p.Token.EnvironmentID}, nil
	}
	return s.store.MembershipEnvironmentIDs(ctx, p.Token.CreatedBy.User.ID)
}

// InviteInput is a new invite.
type InviteInput struct {
	Email, Alias, WalletPublicKey, PhoneNumber string
	Role                                       Role
}

// CreateInvite invites someone, by email, wallet or phone, to an organization.
func (s *Service) CreateInvite(ctx context.Context, p *Principal, orgID string, in InviteInput) (*Invite, error) {
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	if !in.Role.Valid() || in.Role == RoleOwner {
		return nil, errs.Invalid("role: value must be one of admin, developer, viewer")
	}
	var err error
	if in.Email, err = checkText("email", in.Email, 320, false); err != nil {
		return nil, err
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			return nil, errs.Invalid("email: %q is not an email address", in.Email)
		}
		in.Email = strings.ToLower(in.Email)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"alias", &in.Alias}, {"walletPublicKey", &in.WalletPublicKey}, {"phoneNumber", &in.PhoneNumber}} {
		if *f.v, err = checkText(f.name, *f.v, maxNameLen, false); err != nil {
			return nil, err
		}
	}
	if in.Email == "" && in.WalletPublicKey == "" && in.PhoneNumber == "" {
		return nil, errs.Invalid("email: an invite needs an email, walletPublicKey or phoneNumber")
	}
	org, err := s.store.GetOrganization(ctx, orgID)
	if err != nil {
		return nil, err
	}
	creator, err := s.creator(ctx, p)
	if err != nil {
		return nil, err
	}
	inv := &Invite{ID: ids.New(), OrganizationID: orgID, OrganizationName: org.Name, Status: InvitePending,
		Email: in.Email, Alias: in.Alias, WalletPublicKey: in.WalletPublicKey, PhoneNumber: in.PhoneNumber,
		Role: in.Role, CreatedByEmail: creator.User.Email, CreatedAt: s.now()}
	if err := s.store.CreateInvite(ctx, inv, MaxPendingInvites); err != nil {
		return nil, err
	}
	return inv, nil
}

func checkInviteStatus(status string, allowEmpty bool) error {
	if status == "" && allowEmpty {
		return nil
	}
	if !slices.Contains([]string{InvitePending, InviteAccepted, InviteRejected}, status) {
		return errs.Invalid("status: value is not one of pending, rejected, accepted")
	}
	return nil
}

// ListOrganizationInvites lists an organization's invites.
func (s *Service) ListOrganizationInvites(ctx context.Context, p *Principal, orgID string) ([]Invite, error) {
	if err := p.CanManageOrganization(orgID, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.ListInvites(ctx, orgID, "")
}

// ListInvites lists the invites addressed to the token's creator (by email
// or wallet); an organization's own invites are listed per organization.
func (s *Service) ListInvites(ctx context.Context, p *Principal, status string) ([]Invite, error) {
	if err := p.RequireOrgWide(); err != nil {
		return nil, err
	}
	if err := checkInviteStatus(status, true); err != nil {
		return nil, err
	}
	creator, err := s.creator(ctx, p)
	if err != nil {
		return nil, err
	}
	return s.store.ListInvitesFor(ctx, creator.User, status)
}

// UpdateInvite accepts, rejects or reopens an invite. The invitee accepts
// or rejects their own; an organization admin may also revoke (reject) or
// reopen one. Accepting makes the invitee a member.
func (s *Service) UpdateInvite(ctx context.Context, p *Principal, id, status string) error {
	if err := p.RequireOrgWide(); err != nil {
		return err
	}
	if err := checkInviteStatus(status, false); err != nil {
		return err
	}
	inv, err := s.store.GetInvite(ctx, id)
	if err != nil {
		return err
	}
	creator, err := s.creator(ctx, p)
	if err != nil {
		return err
	}
	addressee := (inv.Email != "" && strings.EqualFold(inv.Email, creator.User.Email)) ||
		(inv.WalletPublicKey != "" && strings.EqualFold(inv.WalletPublicKey, creator.User.WalletPublicKey))
	if !addressee {
		if p.CanReadOrganization(inv.OrganizationID) != nil {
			return errs.NotFound("invite_not_found", "invite not found")
		}
		if err := p.CanManageOrganization(inv.OrganizationID, RoleAdmin); err != nil {
			return err
		}
		if status == InviteAccepted {
			return errs.Forbidden("only the invited person can accept an invite")
		}
	}
	if inv.Status == InviteAccepted {
		return errs.Unprocessable("", "invite was accepted already", nil)
	}
	if status == InviteAccepted && inv.Status != InvitePending {
		// rejected: by the invitee, or revoked by an admin, who may reopen it
		return errs.Unprocessable("", "invite was rejected; an organization admin can reopen it", nil)
	}
	var member *Member
	if status == InviteAccepted {
		member = &Member{ID: ids.New(), OrganizationID: inv.OrganizationID, User: creator.User, Role: inv.Role, CreatedAt: s.now()}
	}
	return s.store.SetInviteStatus(ctx, id, status, member, MaxPendingInvites)
}

// DeleteInvite removes an invite of an organization the principal manages.
func (s *Service) DeleteInvite(ctx context.Context, p *Principal, id string) error {
	inv, err := s.store.GetInvite(ctx, id)
	if err != nil {
		return err
	}
	if p.CanReadOrganization(inv.OrganizationID) != nil {
		return errs.NotFound("invite_not_found", "invite not found")
	}
	if err := p.CanManageOrganization(inv.OrganizationID, RoleAdmin); err != nil {
		return err
	}
	return s.store.DeleteInvite(ctx, id)
}

// ListMfaSettings lists every MFA device type with its state.
func (s *Service) ListMfaSettings(ctx context.Context, p *Principal, orgID string) ([]MfaSetting, error) {
	if err := p.CanManageOrganization(orgID, RoleViewer); err != nil {
		return nil, err
	}
	stored, err := s.store.ListMfaSettings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]MfaSetting, 0, len(MfaDeviceTypes))
	for _, t := range MfaDeviceTypes {
		setting := MfaSetting{DeviceType: t}
		for _, st := range stored {
			if st.DeviceType == t {
				setting = st
			}
		}
		out = append(out, setting)
	}
	return out, nil
}

// SetMfaDevice enables or disables an MFA device type for an organization.
func (s *Service) SetMfaDevice(ctx context.Context, p *Principal, orgID, deviceType string, enable bool) (*MfaSetting, error) {
	if !slices.Contains(MfaDeviceTypes, deviceType) {
		return nil, errs.Invalid("mfaDeviceType: value is not one of totp, passkey, email")
	}
	if err := p.CanManageOrganization(orgID, RoleAdmin); err != nil {
		return nil, err
	}
	if _, err := s.store.GetOrganization(ctx, orgID); err != nil {
		return nil, err
	}
	var at *time.Time
	if enable {
		now := s.now()
		at = &now
	}
	if err := s.store.SetMfaSetting(ctx, orgID, deviceType, at); err != nil {
		return nil, err
	}
	return &MfaSetting{DeviceType: deviceType, EnabledAt: at}, nil
}
