package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// wireMfaDevice is the contract's MFADevice.
type wireMfaDevice struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Verified   bool    `json:"verified"`
	CreatedAt  string  `json:"createdAt"`
	VerifiedAt *string `json:"verifiedAt"`
	Default    bool    `json:"default"`
	Alias      string  `json:"alias,omitempty"`
}

func toMfaDevice(d *mfa.Device) wireMfaDevice {
	return wireMfaDevice{ID: d.ID, Type: d.Type, Verified: d.Verified(), CreatedAt: ts(d.CreatedAt),
		VerifiedAt: tsPtr(d.VerifiedAt), Default: d.Default, Alias: d.Alias}
}

func toMfaDevices(ds []mfa.Device) []wireMfaDevice {
	out := make([]wireMfaDevice, 0, len(ds))
	for i := range ds {
		out = append(out, toMfaDevice(&ds[i]))
	}
	return out
}

func (s *Server) listMfaDevices(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	m, err := s.signin.MFAServed()
	if err != nil {
		return err
	}
	devs, err := m.VerifiedDevices(r.Context(), cur.User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(devs), "devices": toMfaDevices(devs)})
	return nil
}

func (s *Server) mfaMethods(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	m, err := s.signin.MFAMethods(r.Context(), cur, r.URL.Query().Get("verifiedOnly") != "false")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": toMfaDevices(m.Devices), "passkeys": toUserPasskeys(m.Passkeys),
		"userHasVerifiedMfaMethods": m.Verified})
	return nil
}

func (s *Server) registerTotp(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	en, err := s.signin.RegisterTOTP(r.Context(), cur, proofOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"id": en.Device.ID, "type": mfa.TypeTOTP, "secret": en.Secret, "uri": en.URI})
	return nil
}

func (s *Server) confirmTotp(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req struct {
		Type string `json:"type"`
		Code string `json:"code"`
	}
	if err := s.decode(w, r, "MFARegisterTotpDevicePostRequest", &req); err != nil {
		return err
	}
	if req.Type != mfa.TypeTOTP {
		return errs.Invalid("type: must be totp")
	}
	d, err := s.signin.ConfirmTOTP(r.Context(), cur, req.Code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMfaDevice(d))
	return nil
}

// mfaAuthBody is MFAAuthTotpDevicePostRequest / MFAAuthRecoveryDevicePostRequest.
type mfaAuthBody struct {
	ID              string          `json:"id"`
	Code            string          `json:"code"`
	CreateMfaToken  *createMfaToken `json:"createMfaToken"`
	RequestedScopes []string        `json:"requestedScopes"`
}

// createMfaToken is the contract's CreateMfaToken.
type createMfaToken struct {
	SingleUse bool `json:"singleUse"`
}

func (c *createMfaToken) wanted() (want, singleUse bool) {
	if c == nil {
		return false, false
	}
	return true, c.SingleUse
}

func (s *Server) authTotp(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req mfaAuthBody
	if err := s.decode(w, r, "MFAAuthTotpDevicePostRequest", &req); err != nil {
		return err
	}
	want, once := req.CreateMfaToken.wanted()
	res, err := s.signin.AuthTOTP(r.Context(), cur, signin.MFARequest{DeviceID: req.ID, Code: req.Code,
		IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin"), MFAToken: want, SingleUse: once, Scopes: req.RequestedScopes})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

func (s *Server) authRecovery(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req mfaAuthBody
	if err := s.decode(w, r, "MFAAuthRecoveryDevicePostRequest", &req); err != nil {
		return err
	}
	want, once := req.CreateMfaToken.wanted()
	res, err := s.signin.AuthRecovery(r.Context(), cur, signin.MFARequest{Code: req.Code,
		IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin"), MFAToken: want, SingleUse: once, Scopes: req.RequestedScopes})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// recoveryCodes answers GET (the set on first call, later only the
// count: codes are shown once) and POST (a new set replacing the old).
func (s *Server) recoveryCodes(replace bool) func(http.ResponseWriter, *http.Request, *signin.Current) error {
	return func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		m, err := s.signin.MFAServed()
		if err != nil {
			return err
		}
		var codes []string
		n := 0
		if replace {
			codes, err = m.NewRecoveryCodes(r.Context(), cur.User.ID)
			n = len(codes)
		} else {
			codes, n, err = m.RecoveryCodes(r.Context(), cur.User.ID)
		}
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]any{"count": n, "recoveryCodes": codes})
		return nil
	}
}

func (s *Server) getMfaDevice(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	m, err := s.signin.MFAServed()
	if err != nil {
		return err
	}
	d, err := m.Device(r.Context(), cur.User.ID, r.PathValue("mfaDeviceId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMfaDevice(d))
	return nil
}

func (s *Server) updateMfaDevice(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	m, err := s.signin.MFAServed()
	if err != nil {
		return err
	}
	// No body is Dynamic's JS SDK's setDefaultMfaDevice: make it the default.
	req := struct {
		Default bool `json:"default"`
	}{Default: true}
	if _, err := s.decodeOptional(w, r, "MFAUpdateDeviceRequest", &req); err != nil {
		return err
	}
	if _, err := m.SetDefault(r.Context(), cur.User.ID, r.PathValue("mfaDeviceId"), req.Default); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) deleteMfaDevice(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	if err := s.signin.DeleteMFADevice(r.Context(), cur, r.PathValue("mfaDeviceId"),
		r.Header.Get("X-Mfa-Auth-Token"), r.Header.Get(elevatedHeader)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetUserMfa answers both admin routes (DELETE /users/{userId}/mfa and
// POST /users/{userId}/mfa/reset): every device and recovery code of the
// user goes; they enroll again at their next sign-in if the policy asks.
func (s *Server) resetUserMfa(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	userID, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	m, err := s.signin.MFAServed()
	if err != nil {
		return err
	}
	if err := s.users.CheckUser(r.Context(), p, "", userID, tenant.Write); err != nil {
		return err
	}
	if err := m.Reset(r.Context(), userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// authEmailMfa answers users/mfa/auth/email: the code of an email
// verification started with emailVerifications/create for one of the
// caller's verified emails, as the second factor.
func (s *Server) authEmailMfa(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req struct {
		VerificationUUID  string          `json:"verificationUUID"`
		VerificationToken string          `json:"verificationToken"`
		CreateMfaToken    *createMfaToken `json:"createMfaToken"`
		RequestedScopes   []string        `json:"requestedScopes"`
	}
	if err := s.decode(w, r, "EmailVerificationMfaRequest", &req); err != nil {
		return err
	}
	want, once := req.CreateMfaToken.wanted()
	res, err := s.signin.AuthEmailMFA(r.Context(), cur, signin.EmailMFARequest{VerificationID: req.VerificationUUID,
		Code: req.VerificationToken, MFARequest: signin.MFARequest{IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin"),
			MFAToken: want, SingleUse: once, Scopes: req.RequestedScopes}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}
