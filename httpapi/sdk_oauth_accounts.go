package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
)

// The provider access token of a social account (oauthAccounts/{id}/
// accessToken): the SDK route serves the signed-in user's own accounts,
// the admin route (admin_users.go) any account of an environment the
// principal reads. The account id is the oauth verified credential's id.

func (s *Server) userOAuthAccessToken(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	id, err := pathID(r, "oauthAccountId")
	if err != nil {
		return err
	}
	if s.oauthAccounts == nil {
		return social.ErrAccountNotFound
	}
	tok, err := s.oauthAccounts.UserAccessToken(r.Context(), cur.Session.EnvironmentID, cur.User.ID, id)
	if err != nil {
		return err
	}
	writeOAuthAccessToken(w, tok)
	return nil
}

// writeOAuthAccessToken answers UserOauthAccessTokenResponse; the token
// is a secret: never cached on the way.
func writeOAuthAccessToken(w http.ResponseWriter, token string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"accessToken": token})
}
