package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/tenant"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// sdkUser wraps an SDK route that needs the signed-in user's full session
// (the minifiedJwt as bearer); an MFA-pending token, or one whose device
// awaits approval, is refused.
func (s *Server) sdkUser(h func(http.ResponseWriter, *http.Request, *signin.Current) error) http.HandlerFunc {
	return s.sdkSession(func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		if err := signin.RequireFull(cur); err != nil {
			return err
		}
		return h(w, r, cur)
	})
}

// sdkMFA wraps an SDK route of MFA (and passkey step-up), which an
// MFA-pending session may use, but not one whose device alone awaits
// approval.
func (s *Server) sdkMFA(h func(http.ResponseWriter, *http.Request, *signin.Current) error) http.HandlerFunc {
	return s.sdkSession(func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		if err := signin.RequireMFAStage(cur); err != nil {
			return err
		}
		return h(w, r, cur)
	})
}

// sdkSession wraps an SDK route that also serves restricted sessions
// (MFA-pending, device awaiting approval): the MFA routes themselves,
// device approval, refresh, revoke and the session check.
func (s *Server) sdkSession(h func(http.ResponseWriter, *http.Request, *signin.Current) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		envID, err := pathID(r, "environmentId")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		cur, err := s.sessionOf(w, r, envID)
		if err == nil {
			err = h(w, r, cur)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	}
}

// sessionOf authenticates r by its bearer token or, with no
// Authorization header at all, by the session cookie (cookie mode).
func (s *Server) sessionOf(w http.ResponseWriter, r *http.Request, envID string) (*signin.Current, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(raw) == "" {
			return nil, errs.Unauthorized("malformed Authorization header: send Authorization: Bearer <minifiedJwt>")
		}
		return s.signin.Authenticate(r.Context(), envID, strings.TrimSpace(raw))
	}
	cur, sent, err := s.cookieSession(w, r, envID)
	if !sent {
		return nil, errs.Unauthorized("missing session token: send Authorization: Bearer <minifiedJwt> (in cookie mode, the " +
			sessionCookie + " cookie)")
	}
	return cur, err
}

func (s *Server) getNonce(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	nonces, err := s.signin.IssueNonces(r.Context(), envID, 1)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"nonce": nonces[0]})
	return nil
}

func (s *Server) getNonces(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	count := 1
	if c := r.URL.Query().Get("count"); c != "" {
		if count, err = strconv.Atoi(c); err != nil {
			return errs.Invalid("count: must be a whole number")
		}
	}
	nonces, err := s.signin.IssueNonces(r.Context(), envID, count)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"nonces": nonces})
	return nil
}

type verifyRequest struct {
	SignedMessage       string `json:"signedMessage"`
	MessageToSign       string `json:"messageToSign"`
	PublicWalletAddress string `json:"publicWalletAddress"`
	Chain               string `json:"chain"`
	WalletName          string `json:"walletName"`
	WalletProvider      string `json:"walletProvider"`
	Network             string `json:"network"`
	SessionPublicKey    string `json:"sessionPublicKey"`
}

func truncateUA(ua string) string { return truncate(ua, 512) }

func (s *Server) walletSignIn(w http.ResponseWriter, r *http.Request) error {
	req, extras, err := s.walletRequest(w, r)
	if err != nil {
		return err
	}
	if err := s.checkCaptcha(r, req.EnvironmentID, extras.captchaToken); err != nil {
		return err
	}
	res, err := s.signin.WalletSignIn(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	device, err := deviceProof(r)
	if err != nil {
		return err
	}
	res, err := s.signin.Refresh(r.Context(), cur, device, s.issuerHost(r), r.Header.Get("Origin"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	if err := s.signin.Revoke(r.Context(), cur); err != nil {
		return err
	}
	if cur.Cookie {
		s.clearSessionCookie(w, r)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) sessionCheck(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if _, err := s.tenants.PublicSettings(r.Context(), envID); err != nil {
		return err
	}
	set, err := s.keys.JWKS(r.Context(), envID)
	if err != nil {
		return err
	}
	b, err := json.Marshal(set)
	if err != nil {
		return errs.Internal("marshal jwks", err)
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		Address    string `json:"address"`
		Chain      string `json:"chain"`
		Provider   string `json:"provider"`
		WalletName string `json:"walletName"`
		AuthMode   string `json:"authMode"`
	}
	if err := s.decode(w, r, "ConnectRequest", &req); err != nil {
		return err
	}
	if err := s.signin.RecordVisit(r.Context(), signin.Visit{EnvironmentID: envID, Address: req.Address, Chain: req.Chain,
		Provider: req.Provider, WalletName: req.WalletName, AuthMode: req.AuthMode}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// issuerHost is the host named in the iss claim: the request's Host when
// it is one of the configured issuer hosts or an active (operator
// verified) custom hostname of the route's environment, else the public
// host. The Host header is the caller's to choose, so it is never taken
// as is.
func (s *Server) issuerHost(r *http.Request) string {
	h := strings.ToLower(r.Host)
	if s.issuerHosts[h] {
		return h
	}
	if s.envconfig == nil || h == "" || h == s.publicHost {
		return s.publicHost
	}
	envID, ok := sdkEnvironment(r.URL.Path)
	if !ok || !tenant.ValidID(envID) {
		return s.publicHost
	}
	name := hostOnly(h)
	active, err := s.envconfig.HostnameActive(r.Context(), envID, name)
	if err != nil {
		// the public host is always a valid issuer: a failed lookup
		// costs the custom name, not the sign-in
		s.log.WarnContext(r.Context(), "custom hostname lookup failed; issuing with the public host", "host", name, "err", err)
		return s.publicHost
	}
	if active {
		return name
	}
	return s.publicHost
}
