package httpapi

import (
	"net/http"
	"strings"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// externalAuthSignin answers POST /sdk/{env}/externalAuth/signin: the
// application's own JWT arrives in the body, as a bearer, or in the
// environment's configured cookie, in that order of preference.
func (s *Server) externalAuthSignin(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var body struct {
		JWT              string `json:"jwt"`
		SessionPublicKey string `json:"sessionPublicKey"`
		ExternalUserID   string `json:"externalUserId"`
	}
	if err := s.decode(w, r, "ExternalAuthSigninRequest", &body); err != nil {
		return err
	}
	token := body.JWT
	if token == "" {
		if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			token = strings.TrimSpace(h[7:])
		}
	}
	if token == "" {
		cfg, err := s.signin.ExternalAuth(r.Context(), envID)
		if err != nil {
			return err
		}
		if c, err := r.Cookie(cfg.CookieName); cfg.CookieName != "" && err == nil {
			token = c.Value
		}
	}
	sessionKey := body.SessionPublicKey
	if sessionKey == "" {
		sessionKey = r.Header.Get("X-Dyn-Session-Public-Key")
	}
	device, err := deviceProof(r)
	if err != nil {
		return err
	}
	res, err := s.signin.ExternalSignIn(r.Context(), signin.ExternalRequest{EnvironmentID: envID, JWT: token,
		ExternalUserID: body.ExternalUserID, SessionPublicKey: sessionKey, Device: device, Origin: r.Header.Get("Origin"),
		IssuerHost: s.issuerHost(r), IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent())})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// checkExternalJwt answers the admin dry run POST
// /environments/{env}/externalJwt/check: what passed and why not.
func (s *Server) checkExternalJwt(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	env, err := s.tenants.GetEnvironment(r.Context(), p, id, tenant.ScopeSettingsRead)
	if err != nil {
		return err
	}
	var body struct {
		EncodedJWT string `json:"encodedJwt"`
	}
	if err := s.decode(w, r, "ExternalJwtCheckRequest", &body); err != nil {
		return err
	}
	res, err := s.signin.CheckExternalJWT(r.Context(), env.ID, body.EncodedJWT)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// externalAuthVerify answers POST /sdk/{env}/externalAuth/verify: the
// signed-in user's fresh external JWT must vouch for them (204); an
// assertion with scopes gets an elevatedAccessToken (200).
func (s *Server) externalAuthVerify(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var body struct {
		JWT string `json:"jwt"`
	}
	if err := s.decode(w, r, "ExternalAuthSigninRequest", &body); err != nil {
		return err
	}
	elevated, err := s.signin.ExternalVerify(r.Context(), cur, body.JWT)
	if err != nil {
		return err
	}
	if elevated == "" {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	// An assertion with scopes: the newer ExternalAuthAssertionResponse
	// (the 0.0.847 client reads no body here).
	writeJSON(w, http.StatusOK, map[string]string{"elevatedAccessToken": elevated})
	return nil
}
