package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"

	"github.com/dynamicauth/dynamicauth/signin"
)

// elevatedHeader carries an elevatedAccessToken (Dynamic's SDK sends it on
// the calls that need a scope).
const elevatedHeader = "X-Dyn-Elevated-Access-Token"

type wireStepUpCredential struct {
	ID     string `json:"id"`
	Format string `json:"format"`
	Type   string `json:"type,omitempty"`
	Alias  string `json:"alias,omitempty"`
}

// stepUpCheck answers POST /sdk/{environmentId}/stepUp/check {scope}:
// StepUpCheckResponse {isRequired, credentials, defaultCredentialId?}.
func (s *Server) stepUpCheck(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	// StepUpCheckRequest is newer than the OpenAPI document the contract
	// validates against: its one member is checked here.
	raw, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	var req struct {
		Scope string `json:"scope"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return errs.Invalid("body: must be an object {scope: TokenScope}: %s", jsonProblem(err))
	}
	res, err := s.signin.CheckStepUp(r.Context(), cur, req.Scope)
	if err != nil {
		return err
	}
	creds := make([]wireStepUpCredential, 0, len(res.Credentials))
	for _, c := range res.Credentials {
		creds = append(creds, wireStepUpCredential(c))
	}
	out := map[string]any{"isRequired": res.Required, "credentials": creds}
	if res.DefaultID != "" {
		out["defaultCredentialId"] = res.DefaultID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// proofOf is the proof of a factor passed in the session that r carries.
func proofOf(r *http.Request) signin.Proof {
	return signin.Proof{MFAToken: r.Header.Get("X-Mfa-Auth-Token"), Elevated: r.Header.Get(elevatedHeader)}
}
