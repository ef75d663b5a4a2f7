package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	members, err := s.tenants.ListMembers(r.Context(), p, orgID)
	if err != nil {
		return err
	}
	out := make([]wireMember, 0, len(members))
	for i := range members {
		out = append(out, toMember(&members[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "members": out})
	return nil
}

func (s *Server) updateMemberRole(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "memberId")
	if err != nil {
		return err
	}
	var req struct {
		Role tenant.Role `json:"role"`
	}
	if err := s.decode(w, r, "MemberRoleField", &req); err != nil {
		return err
	}
	m, err := s.tenants.UpdateMemberRole(r.Context(), p, id, req.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": toMember(m)})
	return nil
}

func (s *Server) delegateOwnership(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "memberId")
	if err != nil {
		return err
	}
	var req struct {
		To string `json:"adminMemberIdToDelegate"`
	}
	if err := s.decode(w, r, "DelegateOwnershipRequest", &req); err != nil {
		return err
	}
	if !tenant.ValidID(req.To) {
		return invalidID("adminMemberIdToDelegate", req.To)
	}
	if err := s.tenants.DelegateOwnership(r.Context(), p, id, req.To); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "memberId")
	if err != nil {
		return err
	}
	if err := s.tenants.DeleteMember(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) membershipEnvironmentIDs(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	ids, err := s.tenants.MembershipEnvironmentIDs(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ids)
	return nil
}

func (s *Server) listInvites(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	invs, err := s.tenants.ListInvites(r.Context(), p, r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toInvites(invs))
	return nil
}

func (s *Server) listOrganizationInvites(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	invs, err := s.tenants.ListOrganizationInvites(r.Context(), p, orgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toInvites(invs))
	return nil
}

func (s *Server) createInvite(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	var req struct {
		WalletPublicKey string      `json:"walletPublicKey"`
		Alias           string      `json:"alias"`
		Email           string      `json:"email"`
		PhoneNumber     string      `json:"phoneNumber"`
		Role            tenant.Role `json:"role"`
	}
	if err := s.decode(w, r, "InviteSendRequest", &req); err != nil {
		return err
	}
	_, err = s.tenants.CreateInvite(r.Context(), p, orgID, tenant.InviteInput{Email: req.Email, Alias: req.Alias,
		WalletPublicKey: req.WalletPublicKey, PhoneNumber: req.PhoneNumber, Role: req.Role})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) updateInvite(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "inviteId")
	if err != nil {
		return err
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := s.decode(w, r, "InviteUpdateRequest", &req); err != nil {
		return err
	}
	if err := s.tenants.UpdateInvite(r.Context(), p, id, req.Status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteInvite(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "inviteId")
	if err != nil {
		return err
	}
	if err := s.tenants.DeleteInvite(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listMfaSettings(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	settings, err := s.tenants.ListMfaSettings(r.Context(), p, orgID)
	if err != nil {
		return err
	}
	out := make([]wireMfaSetting, 0, len(settings))
	for _, st := range settings {
		out = append(out, toMfaSetting(st))
	}
	writeJSON(w, http.StatusOK, map[string]any{"mfaSettings": out})
	return nil
}

func (s *Server) setMfaDevice(w http.ResponseWriter, r *http.Request, p *tenant.Principal, enable bool) error {
	orgID, err := pathID(r, "organizationId")
	if err != nil {
		return err
	}
	st, err := s.tenants.SetMfaDevice(r.Context(), p, orgID, r.PathValue("mfaDeviceType"), enable)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMfaSetting(*st))
	return nil
}

func (s *Server) enableMfaDevice(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	return s.setMfaDevice(w, r, p, true)
}

func (s *Server) disableMfaDevice(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	return s.setMfaDevice(w, r, p, false)
}
