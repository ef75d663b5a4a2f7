package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// walletRequest decodes a VerifyRequest with the caller's context.
// walletExtras are the members of a VerifyRequest the HTTP layer acts on.
type walletExtras struct {
	skipEmptyAccountCheck bool
	captchaToken          string
}

func (s *Server) walletRequest(w http.ResponseWriter, r *http.Request) (signin.WalletRequest, walletExtras, error) {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return signin.WalletRequest{}, walletExtras{}, err
	}
	var req struct {
		verifyRequest
		SkipEmptyAccountCheck bool     `json:"skipEmptyAccountCheck"`
		CaptchaToken          string   `json:"captchaToken"`
		RequestedScopes       []string `json:"requestedScopes"`
	}
	if err := s.decode(w, r, "VerifyRequest", &req); err != nil {
		return signin.WalletRequest{}, walletExtras{}, err
	}
	device, err := deviceProof(r)
	if err != nil {
		return signin.WalletRequest{}, walletExtras{}, err
	}
	sessionKey := req.SessionPublicKey
	if sessionKey == "" {
		sessionKey = r.Header.Get("X-Dyn-Session-Public-Key")
	}
	return signin.WalletRequest{
		EnvironmentID: envID, Chain: req.Chain, Address: req.PublicWalletAddress, Message: req.MessageToSign,
		Signature: req.SignedMessage, WalletName: req.WalletName, WalletProvider: req.WalletProvider,
		Network: req.Network, SessionPublicKey: sessionKey, Device: device, Origin: r.Header.Get("Origin"),
		IssuerHost: s.issuerHost(r), IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent()), Scopes: req.RequestedScopes,
	}, walletExtras{skipEmptyAccountCheck: req.SkipEmptyAccountCheck, captchaToken: req.CaptchaToken}, nil
}

func (s *Server) linkWallet(transfer bool) func(http.ResponseWriter, *http.Request, *signin.Current) error {
	return func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		req, extras, err := s.walletRequest(w, r)
		if err != nil {
			return err
		}
		res, err := s.signin.LinkWallet(r.Context(), cur, req, signin.LinkOptions{Transfer: transfer,
			AllowEmptyAccount: extras.skipEmptyAccountCheck})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
		return nil
	}
}

func (s *Server) unlinkWallet(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req struct {
		VerifiedCredentialID string `json:"verifiedCredentialId"`
		Misspelled           string `json:"verifiedCrentialId"`
		WalletID             string `json:"walletId"`
	}
	if err := s.decode(w, r, "VerifyUnlinkRequest", &req); err != nil {
		return err
	}
	id := signin.CredentialIDFromUnlink(req.VerifiedCredentialID, req.Misspelled, req.WalletID)
	if id == "" {
		return errs.Unprocessable("invalid_unlink_request", "verifiedCredentialId is required", nil)
	}
	res, err := s.signin.UnlinkWallet(r.Context(), cur, id, s.issuerHost(r), r.Header.Get("Origin"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

func (s *Server) selectWallet(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req struct {
		WalletID string `json:"walletId"`
	}
	if err := s.decode(w, r, "UserWalletSelectionRequest", &req); err != nil {
		return err
	}
	res, err := s.signin.SelectWallet(r.Context(), cur, req.WalletID, s.issuerHost(r), r.Header.Get("Origin"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// deviceProof reads the optional device-signature headers of Dynamic's
// SDK; without them, the browser's device cookie, if it has one (cookie
// mode, where the SDK signs nothing; signin gives a browser without one a
// new one there).
func deviceProof(r *http.Request) (*signin.DeviceProof, error) {
	d, err := signin.DeviceProofFromHeaders(r.Header.Get("X-Dynamic-Device-Nonce"),
		r.Header.Get("X-Dynamic-Device-Publickey"), r.Header.Get("X-Dynamic-Device-Signed-Nonce"))
	if d != nil || err != nil {
		return d, err
	}
	if c, err := r.Cookie(devices.CookieName); err == nil && devices.ValidCookieSecret(c.Value) {
		return signin.CookieDeviceProof(c.Value), nil
	}
	return nil, nil
}
