package httpapi

// The admin Users group: list, create, bulk import, read, update,
// delete, revoke sessions and read a social account's access token.

import (
	"net/http"
	"strconv"

	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	q, err := s.userListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := s.users.ListUsers(r.Context(), p, envID, q)
	if err != nil {
		return err
	}
	out := make([]wireAdminUser, 0, len(list.Users))
	for i := range list.Users {
		var sessions []users.UserSession
		if q.WithSessions {
			sessions = list.Sessions[list.Users[i].ID]
			if sessions == nil {
				sessions = []users.UserSession{}
			}
		}
		out = append(out, toAdminUser(&list.Users[i], sessions))
	}
	if err := s.withChecks(r.Context(), envID, list.Users, out); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": list.Total, "users": out})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req adminUserRequest
	if err := s.decode(w, r, "InternalBulkUpdateUserFields", &req); err != nil {
		return err
	}
	in, err := req.domain("")
	if err != nil {
		return err
	}
	u, err := s.users.CreateUser(r.Context(), p, envID, in)
	if err != nil {
		return err
	}
	writeAdminUser(w, u, nil)
	return nil
}

func (s *Server) bulkCreateUsers(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	upsert, err := adminBoolParam(r.URL.Query(), "upsert")
	if err != nil {
		return err
	}
	reqs, err := s.decodeUsers(w, r, "InternalUserFields")
	if err != nil {
		return err
	}
	rows := make([]users.NewUser, len(reqs))
	for i := range reqs {
		reqs[i].ID = "" // not part of InternalUserFields
		if rows[i], err = reqs[i].domain("[" + strconv.Itoa(i) + "]."); err != nil {
			return err
		}
	}
	res, err := s.users.BulkCreate(r.Context(), p, envID, rows, users.BulkOptions{Upsert: upsert})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toBulkResult(res))
	return nil
}

func toBulkResult(res *users.BulkResult) map[string]any {
	created := make([]wireAdminUser, 0, len(res.Created))
	for i := range res.Created {
		created = append(created, toAdminUser(&res.Created[i], nil))
	}
	updated := make([]wireAdminUser, 0, len(res.Updated))
	for i := range res.Updated {
		updated = append(updated, toAdminUser(&res.Updated[i], nil))
	}
	failed := make([]wireBulkFailure, 0, len(res.Failed))
	for i := range res.Failed {
		failed = append(failed, toBulkFailure(&res.Failed[i]))
	}
	return map[string]any{"created": created, "updated": updated, "failed": failed, "total": res.Total}
}

// userPath reads the optional environment and the user id of a user route.
func userPath(r *http.Request) (envID, userID string, err error) {
	if envID, err = optionalEnvID(r); err != nil {
		return "", "", err
	}
	userID, err = pathID(r, "userId")
	return envID, userID, err
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	u, sessions, err := s.users.GetUser(r.Context(), p, envID, userID)
	if err != nil {
		return err
	}
	if sessions == nil {
		sessions = []users.UserSession{}
	}
	out := []wireAdminUser{toAdminUser(u, sessions)}
	if err := s.withChecks(r.Context(), u.EnvironmentID, []users.User{*u}, out); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": out[0]})
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	var req adminProfileRequest
	if err := s.decode(w, r, "InternalUpdatableUserFields", &req); err != nil {
		return err
	}
	u, err := s.users.UpdateUser(r.Context(), p, envID, userID, req.patch())
	if err != nil {
		return err
	}
	writeAdminUser(w, u, nil)
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	if err := s.users.DeleteUser(r.Context(), p, envID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) revokeUserSessions(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	if err := s.users.RevokeUserSessions(r.Context(), p, envID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getOAuthAccessToken(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "oauthAccountId")
	if err != nil {
		return err
	}
	if s.oauthAccounts == nil {
		return social.ErrAccountNotFound
	}
	tok, err := s.oauthAccounts.AdminAccessToken(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeOAuthAccessToken(w, tok)
	return nil
}
