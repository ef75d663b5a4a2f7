package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// wireKyc is the contract's ProjectSettingsKyc (SdkUser.missingFields).
type wireKyc struct {
	Name            string                 `json:"name"`
	Required        bool                   `json:"required"`
	Enabled         bool                   `json:"enabled"`
	Unique          bool                   `json:"unique"`
	Verify          bool                   `json:"verify"`
	Type            string                 `json:"type,omitempty"`
	ValidationRules *users.ValidationRules `json:"validationRules,omitempty"`
	ValidationType  string                 `json:"validationType,omitempty"`
	Label           string                 `json:"label,omitempty"`
	Position        *int                   `json:"position,omitempty"`
}

func toWireKyc(e users.KycEntry) wireKyc {
	return wireKyc{Name: e.Name, Required: e.Required, Enabled: e.Enabled, Unique: e.Unique, Verify: e.Verify,
		Type: e.Type, ValidationRules: e.ValidationRules, ValidationType: string(e.ValidationType), Label: e.Label,
		Position: e.Position}
}

// toProfileUser is the SdkUser of a profile: missingFields and the scope
// (user:basic, plus userDataForm while required fields are missing).
func toProfileUser(p *users.Profile, sessionID string) wireSDKUser {
	u := toSDKUser(p.User, sessionID, false)
	u.MissingFields = make([]any, 0, len(p.Missing))
	for _, e := range p.Missing {
		u.MissingFields = append(u.MissingFields, toWireKyc(e))
	}
	u.Scope = signin.UserScope(p.Scope())
	return u
}

// getSDKUser answers GET /sdk/{environmentId}/users: the signed-in user.
func (s *Server) getSDKUser(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	p, err := s.profiles.Profile(r.Context(), cur.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toProfileUser(p, cur.Session.ID))
	return nil
}

// profileFieldNames are the UserFields members stored as profile fields.
// mfaBackupCodeAcknowledgement is stored by signin.UpdateSelf; the
// others (policiesConsent, captchaToken, notification flags, payout
// wallets) are accepted and not stored.
var profileFieldNames = []string{"email", "alias", "firstName", "lastName", "jobTitle", "phoneNumber", "tShirtSize",
	"team", "country", "username"}

// profileInput translates a UserFields body: a JSON null or "" clears a
// field; metadata is a shallow patch.
func profileInput(body map[string]json.RawMessage) (users.ProfileInput, error) {
	in := users.ProfileInput{Fields: map[string]*string{}}
	for _, name := range profileFieldNames {
		raw, ok := body[name]
		if !ok {
			continue
		}
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return in, errs.Invalid("%s: must be a string", name)
		}
		in.Fields[name] = v
	}
	if raw, ok := body["metadata"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &in.Metadata); err != nil {
			return in, errs.Invalid("metadata: must be an object")
		}
	}
	return in, nil
}

// updateSelf answers PUT /sdk/{environmentId}/users: the user edits their
// profile, then gets fresh tokens for the same session.
func (s *Server) updateSelf(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var body map[string]json.RawMessage
	if err := s.decode(w, r, "UserFields", &body); err != nil {
		return err
	}
	in, err := profileInput(body)
	if err != nil {
		return err
	}
	// The user.update MFA action applies to a change of the profile (an
	// elevatedAccessToken, or the mfaToken the JS SDK's updateUser sends),
	// not to the recovery codes' acknowledgement alone.
	up, err := s.signin.UpdateSelf(r.Context(), cur, signin.SelfUpdate{Input: in, StepUp: profileChange(body), Proof: proofOf(r),
		Acknowledgement: acknowledgement(body["mfaBackupCodeAcknowledgement"]), Client: rateKey(s.clientIP(r)),
		IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toUpdateSelf(w, r, up.Result, up.NextView, up.Verification))
	return nil
}

// acknowledgement reads mfaBackupCodeAcknowledgement: nil when absent or
// null (unchanged; the contract validated its type).
func acknowledgement(raw json.RawMessage) *string {
	var ack *string
	if len(raw) == 0 || json.Unmarshal(raw, &ack) != nil {
		return nil
	}
	return ack
}

// profileChange tells whether a PUT /users body changes more than the
// backup-code acknowledgement (which the MFA flow itself sets).
func profileChange(body map[string]json.RawMessage) bool {
	for k := range body {
		if k != "mfaBackupCodeAcknowledgement" {
			return true
		}
	}
	return false
}

// deleteSelf answers DELETE /sdk/{environmentId}/users.
func (s *Server) deleteSelf(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	if err := s.profiles.DeleteUser(r.Context(), cur.User); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkUserField answers GET /sdk/{environmentId}/users/check
// ?filter[field]=…&filter[value]=…
func (s *Server) checkUserField(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	q := r.URL.Query()
	field, value := q.Get("filter[field]"), q.Get("filter[value]")
	ok, err := s.profiles.CheckAvailable(r.Context(), cur.User, field, value)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"field": field, "value": value, "available": ok})
	return nil
}
