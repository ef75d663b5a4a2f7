package httpapi

// The admin Wallets group and the embedded-wallet routes.

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

func (s *Server) listWallets(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	page, err := users.ParsePage(r.URL.Query().Get("offset"), r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	list, total, err := s.users.ListWallets(r.Context(), p, envID, page)
	if err != nil {
		return err
	}
	out := make([]wireWalletDetail, 0, len(list))
	for i := range list {
		out = append(out, toWalletDetail(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"wallets": out, "count": total, "limit": page.Limit, "offset": page.Offset})
	return nil
}

func (s *Server) listUserWallets(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	list, err := s.users.UserWallets(r.Context(), p, envID, userID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "wallets": toWallets(list)})
	return nil
}

func (s *Server) createWallet(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	var req adminWalletRequest
	if err := s.decode(w, r, "CreateWalletRequest", &req); err != nil {
		return err
	}
	c, err := s.users.CreateWallet(r.Context(), p, envID, userID, req.domain())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWallet(c))
	return nil
}

func walletPath(r *http.Request) (envID, walletID string, err error) {
	if envID, err = optionalEnvID(r); err != nil {
		return "", "", err
	}
	walletID, err = pathID(r, "walletId")
	return envID, walletID, err
}

func (s *Server) getWallet(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, walletID, err := walletPath(r)
	if err != nil {
		return err
	}
	c, err := s.users.GetWallet(r.Context(), p, envID, walletID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWallet(c))
	return nil
}

func (s *Server) deleteWallet(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, walletID, err := walletPath(r)
	if err != nil {
		return err
	}
	if err := s.users.DeleteWallet(r.Context(), p, envID, walletID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// embeddedWallets answers the embedded-wallet routes: no provider is
// configured, so each is refused once the environment is reached.
func (s *Server) embeddedWallets(acc tenant.Access) func(http.ResponseWriter, *http.Request, *tenant.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		envID, err := pathID(r, "environmentId")
		if err != nil {
			return err
		}
		return s.users.EmbeddedWallets(r.Context(), p, envID, acc)
	}
}
