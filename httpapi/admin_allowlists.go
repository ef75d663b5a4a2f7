package httpapi

import (
	"net/http"
	"strconv"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Allowlists group: lists, their entries, enable/disable.

// adminHandler is an admin route's handler.
type adminHandler = func(http.ResponseWriter, *http.Request, *tenant.Principal) error

type wireAllowlist struct {
	ID                   string  `json:"id"`
	Name                 string  `json:"name"`
	ProjectEnvironmentID string  `json:"projectEnvironmentId"`
	Scope                *string `json:"scope"`
	Outcome              string  `json:"outcome,omitempty"`
	EnabledAt            *string `json:"enabledAt"`
}

func toAllowlist(l *access.Allowlist) wireAllowlist {
	w := wireAllowlist{ID: l.ID, Name: l.Name, ProjectEnvironmentID: l.EnvironmentID, Outcome: string(l.Outcome), EnabledAt: tsPtr(l.EnabledAt)}
	if l.Scope != "" {
		w.Scope = &l.Scope
	}
	return w
}

type wireAllowlistEntry struct {
	ID                string `json:"id"`
	AllowListID       string `json:"allowListId"`
	WalletPublicKey   string `json:"walletPublicKey,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailDomain       string `json:"emailDomain,omitempty"`
	PhoneNumber       string `json:"phoneNumber,omitempty"`
	DiscordUsername   string `json:"discordUsername,omitempty"`
	TwitterUsername   string `json:"twitterUsername,omitempty"`
	FarcasterUsername string `json:"farcasterUsername,omitempty"`
	FarcasterFID      int64  `json:"farcasterFid,omitempty"`
	Alias             string `json:"alias,omitempty"`
	ExternalUserID    string `json:"externalUserId,omitempty"`
}

func toAllowlistEntry(e *access.Entry) wireAllowlistEntry {
	return wireAllowlistEntry{ID: e.ID, AllowListID: e.AllowlistID, WalletPublicKey: e.WalletPublicKey, Email: e.Email,
		EmailDomain: e.EmailDomain, PhoneNumber: e.PhoneNumber, DiscordUsername: e.DiscordUsername,
		TwitterUsername: e.TwitterUsername, FarcasterUsername: e.FarcasterUsername, FarcasterFID: e.FarcasterFID,
		Alias: e.Alias, ExternalUserID: e.ExternalUserID}
}

type postAllowlistRequest struct {
	Name    *string         `json:"name"`
	Scope   *string         `json:"scope"`
	Outcome *access.Outcome `json:"outcome"`
}

func (s *Server) listAllowlists(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if err := s.access.Env(r.Context(), p, envID, tenant.Read); err != nil {
		return err
	}
	lists, err := s.access.Service().Allowlists(r.Context(), envID)
	if err != nil {
		return err
	}
	out := make([]wireAllowlist, 0, len(lists))
	for i := range lists {
		out = append(out, toAllowlist(&lists[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createAllowlist(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req postAllowlistRequest
	if err := s.decode(w, r, "PostAllowlistsRequest", &req); err != nil {
		return err
	}
	if err := s.access.Env(r.Context(), p, envID, tenant.Write); err != nil {
		return err
	}
	var name, scope string
	var outcome access.Outcome
	if req.Name != nil {
		name = *req.Name
	}
	if req.Scope != nil {
		scope = *req.Scope
	}
	if req.Outcome != nil {
		outcome = *req.Outcome
	}
	l, err := s.access.Service().CreateAllowlist(r.Context(), envID, name, scope, outcome)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAllowlist(l))
	return nil
}

func (s *Server) getAllowlist(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "allowlistId")
	if err != nil {
		return err
	}
	l, err := s.access.List(r.Context(), p, id, tenant.Read)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAllowlist(l))
	return nil
}

func (s *Server) updateAllowlist(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "allowlistId")
	if err != nil {
		return err
	}
	var req postAllowlistRequest
	if err := s.decode(w, r, "PostAllowlistsRequest", &req); err != nil {
		return err
	}
	if _, err := s.access.List(r.Context(), p, id, tenant.Write); err != nil {
		return err
	}
	l, err := s.access.Service().UpdateAllowlist(r.Context(), id, access.ListPatch{Name: req.Name, Scope: req.Scope, Outcome: req.Outcome})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAllowlist(l))
	return nil
}

func (s *Server) enableAllowlist(on bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		id, err := pathID(r, "allowlistId")
		if err != nil {
			return err
		}
		if _, err := s.access.List(r.Context(), p, id, tenant.Write); err != nil {
			return err
		}
		l, err := s.access.Service().EnableAllowlist(r.Context(), id, on)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toAllowlist(l))
		return nil
	}
}

func (s *Server) deleteAllowlist(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "allowlistId")
	if err != nil {
		return err
	}
	if _, err := s.access.List(r.Context(), p, id, tenant.Write); err != nil {
		return err
	}
	if err := s.access.Service().DeleteAllowlist(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAllowlistEntries(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "allowlistId")
	if err != nil {
		return err
	}
	if _, err := s.access.List(r.Context(), p, id, tenant.Read); err != nil {
		return err
	}
	qv := r.URL.Query()
	q := access.EntryQuery{Query: qv.Get("query")}
	for name, dst := range map[string]*int{"offset": &q.Offset, "limit": &q.Limit} {
		if v := qv.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return errs.Invalid("%s: must be a non-negative integer", name)
			}
			*dst = n
		}
	}
	entries, count, err := s.access.Service().Entries(r.Context(), id, q)
	if err != nil {
		return err
	}
	out := make([]wireAllowlistEntry, 0, len(entries))
	for i := range entries {
		out = append(out, toAllowlistEntry(&entries[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": count, "entries": out})
	return nil
}

func (s *Server) addAllowlistEntry(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "allowlistId")
	if err != nil {
		return err
	}
	var req wireAllowlistEntry
	if err := s.decode(w, r, "PostAllowlistEntriesRequest", &req); err != nil {
		return err
	}
	if _, err := s.access.List(r.Context(), p, id, tenant.Write); err != nil {
		return err
	}
	e, err := s.access.Service().AddEntry(r.Context(), id, access.Entry{WalletPublicKey: req.WalletPublicKey,
		Email: req.Email, EmailDomain: req.EmailDomain, PhoneNumber: req.PhoneNumber, DiscordUsername: req.DiscordUsername,
		TwitterUsername: req.TwitterUsername, FarcasterUsername: req.FarcasterUsername, FarcasterFID: req.FarcasterFID,
		Alias: req.Alias, ExternalUserID: req.ExternalUserID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAllowlistEntry(e))
	return nil
}

func (s *Server) deleteAllowlistEntry(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "allowlistEntryId")
	if err != nil {
		return err
	}
	if _, err := s.access.EntryOf(r.Context(), p, id, tenant.Write); err != nil {
		return err
	}
	if err := s.access.Service().DeleteEntry(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
