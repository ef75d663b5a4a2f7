package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/signin"
)

// farcasterRequest decodes a FarcasterSignInRequest with the caller's
// context (the session key from the body or Dynamic's SDK header, the
// optional device signature), and its captchaToken.
func (s *Server) farcasterRequest(w http.ResponseWriter, r *http.Request) (signin.FarcasterRequest, string, error) {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return signin.FarcasterRequest{}, "", err
	}
	var body struct {
		Address          string `json:"address"`
		Domain           string `json:"domain"`
		Nonce            string `json:"nonce"`
		Message          string `json:"message"`
		Signature        string `json:"signature"`
		CaptchaToken     string `json:"captchaToken"`
		SessionPublicKey string `json:"sessionPublicKey"`
	}
	if err := s.decode(w, r, "FarcasterSignInRequest", &body); err != nil {
		return signin.FarcasterRequest{}, "", err
	}
	device, err := deviceProof(r)
	if err != nil {
		return signin.FarcasterRequest{}, "", err
	}
	sessionKey := body.SessionPublicKey
	if sessionKey == "" {
		sessionKey = r.Header.Get("X-Dyn-Session-Public-Key")
	}
	return signin.FarcasterRequest{EnvironmentID: envID, Address: body.Address, Domain: body.Domain, Nonce: body.Nonce,
		Message: body.Message, Signature: body.Signature, SessionPublicKey: sessionKey, Device: device,
		Origin: r.Header.Get("Origin"), IssuerHost: s.issuerHost(r), IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent())}, body.CaptchaToken, nil
}

// farcasterSignIn answers POST /sdk/{env}/farcaster/signin.
func (s *Server) farcasterSignIn(w http.ResponseWriter, r *http.Request) error {
	req, captchaToken, err := s.farcasterRequest(w, r)
	if err != nil {
		return err
	}
	if err := s.checkCaptcha(r, req.EnvironmentID, captchaToken); err != nil {
		return err
	}
	res, err := s.signin.FarcasterSignIn(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// farcasterVerify answers POST /sdk/{env}/farcaster/verify: the account
// joins the signed-in user (who passed any captcha signing in).
func (s *Server) farcasterVerify(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	req, _, err := s.farcasterRequest(w, r)
	if err != nil {
		return err
	}
	res, err := s.signin.FarcasterLink(r.Context(), cur, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}
