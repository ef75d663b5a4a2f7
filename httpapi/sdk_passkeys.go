package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/signin"
)

// wireUserPasskey is the contract's UserPasskey.
type wireUserPasskey struct {
	ID           string  `json:"id"`
	Alias        string  `json:"alias,omitempty"`
	UserAgent    string  `json:"userAgent,omitempty"`
	Origin       string  `json:"origin,omitempty"`
	CredentialID string  `json:"credentialId"`
	CreatedAt    string  `json:"createdAt"`
	UpdatedAt    *string `json:"updatedAt,omitempty"`
}

func toUserPasskey(p *passkey.Passkey) wireUserPasskey {
	return wireUserPasskey{ID: p.ID, Alias: p.Alias, UserAgent: p.UserAgent, Origin: p.Origin,
		CredentialID: base64.RawURLEncoding.EncodeToString(p.CredentialID), CreatedAt: ts(p.CreatedAt), UpdatedAt: tsPtr(p.UpdatedAt)}
}

func toUserPasskeys(ps []passkey.Passkey) []wireUserPasskey {
	out := make([]wireUserPasskey, 0, len(ps))
	for i := range ps {
		out = append(out, toUserPasskey(&ps[i]))
	}
	return out
}

// creationOptions renders go-webauthn's creation options in the
// contract's GetPasskeyRegistrationOptionsResponse shape, whose required
// members go-webauthn leaves out when empty.
func creationOptions(opts any) (map[string]any, error) {
	raw, err := json.Marshal(opts)
	if err != nil {
		return nil, errs.Internal("marshal passkey options", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errs.Internal("passkey options", err)
	}
	for k, v := range map[string]any{"excludeCredentials": []any{}, "timeout": 300000, "attestation": "none",
		"authenticatorSelection": map[string]any{}} {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return m, nil
}

// passkeyBody reads a passkey answer and checks it against its contract
// schema; a registration's clientDataJSON (the browser's spelling) is
// accepted as well as the contract's clientDataJson.
func (s *Server) passkeyBody(w http.ResponseWriter, r *http.Request, schema string) ([]byte, error) {
	raw, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, errs.Invalid("body: malformed JSON: %s", jsonProblem(err))
	}
	check := generic
	if schema == "MFARegisterPasskeyDevicePostRequest" {
		att, _ := generic["attestation"].(map[string]any)
		if att == nil {
			return nil, errs.Invalid("attestation: required")
		}
		check, schema = att, "PasskeyRegisterRequest"
		if raw, err = json.Marshal(att); err != nil {
			return nil, errs.Invalid("attestation: %s", err)
		}
	}
	if resp, ok := check["response"].(map[string]any); ok && schema == "PasskeyRegisterRequest" {
		if _, has := resp["clientDataJson"]; !has {
			if v, ok := resp["clientDataJSON"]; ok {
				resp["clientDataJson"] = v
			}
		}
	}
	if err := s.contract.Validate(schema, check); err != nil {
		return nil, err
	}
	return raw, nil
}

func (s *Server) passkeyRequest(r *http.Request, envID string, body []byte) signin.PasskeyRequest {
	return signin.PasskeyRequest{EnvironmentID: envID, Body: body, SessionPublicKey: r.Header.Get("X-Dyn-Session-Public-Key"),
		Origin: r.Header.Get("Origin"), IssuerHost: s.issuerHost(r), IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent())}
}

// passkeyRegistrationOptions answers GET users/passkeys/register and
// GET users/mfa/register/passkey (wrapped as MFARegisterPasskeyDeviceGetResponse).
func (s *Server) passkeyRegistrationOptions(mfaShape bool) func(http.ResponseWriter, *http.Request, *signin.Current) error {
	return func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		opts, err := s.signin.BeginPasskeyRegistration(r.Context(), cur, r.Header.Get("Origin"), r.URL.Query().Get("relatedOriginRpId"))
		if err != nil {
			return err
		}
		m, err := creationOptions(opts)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		if mfaShape {
			writeJSON(w, http.StatusOK, map[string]any{"id": cur.User.ID, "type": "passkey", "registration": m})
			return nil
		}
		writeJSON(w, http.StatusOK, m)
		return nil
	}
}

func (s *Server) registerPasskey(schema string) func(http.ResponseWriter, *http.Request, *signin.Current) error {
	return func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		body, err := s.passkeyBody(w, r, schema)
		if err != nil {
			return err
		}
		req := s.passkeyRequest(r, cur.Session.EnvironmentID, body)
		req.Proof = proofOf(r)
		res, err := s.signin.RegisterPasskey(r.Context(), cur, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
		return nil
	}
}

// passkeySignInOptions answers GET users/passkeys/signin (public).
func (s *Server) passkeySignInOptions(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	pks, err := s.signin.PasskeysServed()
	if err != nil {
		return err
	}
	opts, err := pks.BeginSignIn(r.Context(), envID, r.Header.Get("Origin"), r.URL.Query().Get("relatedOriginRpId"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, opts)
	return nil
}

func (s *Server) passkeySignIn(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	body, err := s.passkeyBody(w, r, "PasskeyAuthRequest")
	if err != nil {
		return err
	}
	req := s.passkeyRequest(r, envID, body)
	if req.Device, err = deviceProof(r); err != nil {
		return err
	}
	res, err := s.signin.PasskeySignIn(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// passkeyAuthenticateOptions answers GET users/passkeys/authenticate:
// options for the signed-in user's own passkeys (step-up or MFA).
func (s *Server) passkeyAuthenticateOptions(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	pks, err := s.signin.PasskeysServed()
	if err != nil {
		return err
	}
	opts, err := pks.BeginAuthenticate(r.Context(), cur.Session.EnvironmentID, cur.User, r.Header.Get("Origin"),
		r.URL.Query().Get("relatedOriginRpId"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, opts)
	return nil
}

func (s *Server) authPasskey(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	body, err := s.passkeyBody(w, r, "PasskeyAuthRequest")
	if err != nil {
		return err
	}
	req := s.passkeyRequest(r, cur.Session.EnvironmentID, body)
	var opts struct {
		CreateMfaToken  *createMfaToken `json:"createMfaToken"`
		RequestedScopes []string        `json:"requestedScopes"`
	}
	if err := json.Unmarshal(body, &opts); err != nil {
		return errs.Invalid("requestedScopes: must be a list of token scopes")
	}
	req.MFAToken, req.SingleUse = opts.CreateMfaToken.wanted()
	req.Scopes = opts.RequestedScopes
	res, err := s.signin.AuthPasskey(r.Context(), cur, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

func (s *Server) listPasskeys(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	pks, err := s.signin.PasskeysServed()
	if err != nil {
		return err
	}
	ps, err := pks.List(r.Context(), cur.User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"passkeys": toUserPasskeys(ps), "count": len(ps)})
	return nil
}

func (s *Server) updatePasskey(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	pks, err := s.signin.PasskeysServed()
	if err != nil {
		return err
	}
	var req struct {
		ID    string `json:"id"`
		Alias string `json:"alias"`
	}
	if err := s.decode(w, r, "UpdateUserPasskeyRequest", &req); err != nil {
		return err
	}
	p, err := pks.Rename(r.Context(), cur.User.ID, req.ID, req.Alias)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUserPasskey(p))
	return nil
}

func (s *Server) deletePasskey(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var req struct {
		PasskeyID string `json:"passkeyId"`
	}
	if err := s.decode(w, r, "DeleteUserPasskeyRequest", &req); err != nil {
		return err
	}
	if err := s.signin.DeletePasskey(r.Context(), cur, req.PasskeyID, proofOf(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
