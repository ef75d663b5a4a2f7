package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/testaccounts"
)

// The admin TestAccount group: an environment's static one-time code for
// its test addresses (package testaccounts).

// wireTestAccount is TestAccountResponse.
type wireTestAccount struct {
	Code  string `json:"code"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// testAccount serves GET (create false) and POST (create true).
func (s *Server) testAccount(create bool) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		envID, err := pathID(r, "environmentId")
		if err != nil {
			return err
		}
		var v *testaccounts.View
		if create {
			v, err = s.testAccounts.Create(r.Context(), p, envID)
		} else {
			v, err = s.testAccounts.Get(r.Context(), p, envID)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, wireTestAccount{Code: v.Code, Email: v.Email, Phone: v.Phone})
		return nil
	}
}

func (s *Server) deleteTestAccount(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if err := s.testAccounts.Delete(r.Context(), p, envID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
