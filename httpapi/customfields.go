package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// wireCustomField is the contract's CustomField.
type wireCustomField struct {
	ID              string                 `json:"id"`
	Key             string                 `json:"key"`
	Name            string                 `json:"name"`
	Enabled         bool                   `json:"enabled"`
	Required        bool                   `json:"required"`
	FieldType       string                 `json:"fieldType"`
	ValidationRules *users.ValidationRules `json:"validationRules,omitempty"`
	Position        int                    `json:"position"`
}

func toCustomField(f *users.CustomField) wireCustomField {
	w := wireCustomField{ID: f.ID, Key: f.Key, Name: f.Name, Enabled: f.Enabled, Required: f.Required,
		FieldType: string(f.Type), Position: f.Position}
	if !f.Rules.IsZero() {
		r := f.Rules
		w.ValidationRules = &r
	}
	return w
}

// fieldRequest is the contract's CustomFieldRequest.
type fieldRequest struct {
	Name            string                 `json:"name"`
	Enabled         bool                   `json:"enabled"`
	Required        bool                   `json:"required"`
	FieldType       string                 `json:"fieldType"`
	ValidationRules *users.ValidationRules `json:"validationRules"`
	Position        *float64               `json:"position"`
}

// decodeFieldRequest reads a CustomFieldRequest. The contract requires
// position, but Dynamic's own custom-fields CLI leaves it out, so a
// missing position is accepted (and means "last" / "unchanged").
func (s *Server) decodeFieldRequest(w http.ResponseWriter, r *http.Request) (users.FieldInput, error) {
	raw, err := s.readBody(w, r)
	if err != nil {
		return users.FieldInput{}, err
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return users.FieldInput{}, errs.Invalid("body: malformed JSON: %s", jsonProblem(err))
	}
	m, ok := generic.(map[string]any)
	if !ok {
		return users.FieldInput{}, errs.Invalid("body: must be a JSON object")
	}
	_, hasPosition := m["position"]
	if !hasPosition {
		m["position"] = 0
	}
	if err := s.contract.Validate("CustomFieldRequest", m); err != nil {
		return users.FieldInput{}, err
	}
	var req fieldRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return users.FieldInput{}, errs.Invalid("body: %s", jsonProblem(err))
	}
	return users.FieldInput{Name: req.Name, Enabled: req.Enabled, Required: req.Required, Type: req.FieldType,
		Rules: req.ValidationRules, Position: req.Position}, nil
}

func (s *Server) listCustomFields(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	fields, err := s.profiles.ListCustomFields(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireCustomField, 0, len(fields))
	for i := range fields {
		out = append(out, toCustomField(&fields[i]))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createCustomField(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	in, err := s.decodeFieldRequest(w, r)
	if err != nil {
		return err
	}
	f, err := s.profiles.CreateCustomField(r.Context(), p, envID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCustomField(f))
	return nil
}

func (s *Server) getCustomField(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "customFieldId")
	if err != nil {
		return err
	}
	f, err := s.profiles.GetCustomField(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCustomField(f))
	return nil
}

func (s *Server) updateCustomField(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "customFieldId")
	if err != nil {
		return err
	}
	in, err := s.decodeFieldRequest(w, r)
	if err != nil {
		return err
	}
	f, err := s.profiles.UpdateCustomField(r.Context(), p, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCustomField(f))
	return nil
}

func (s *Server) deleteCustomField(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "customFieldId")
	if err != nil {
		return err
	}
	if err := s.profiles.DeleteCustomField(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
