package claims

// The profile-field vocabulary lives here because the full token lists the
// fields a user still has to fill in (missing_fields); package users names
// the same types for the environment's settings.

// FieldType is a CustomFieldType.
type FieldType string

// ValidOption is one choice of a select field; a user's value is its
// label (what Dynamic's SDK form submits) or its key.
type ValidOption struct {
	Label string `json:"label"`
	Key   string `json:"key,omitempty"`
}

// ValidationRules constrain a custom field's values.
type ValidationRules struct {
	Unique       bool          `json:"unique,omitempty"`
	Regex        string        `json:"regex,omitempty"`
	ValidOptions []ValidOption `json:"validOptions,omitempty"`
	CheckboxText string        `json:"checkboxText,omitempty"`
}

// IsZero reports whether no rule is set.
func (r ValidationRules) IsZero() bool {
	return !r.Unique && r.Regex == "" && len(r.ValidOptions) == 0 && r.CheckboxText == ""
}

// KycEntry is a ProjectSettingsKyc: one profile field as an environment's
// settings list it (`kyc` for the standard fields, `customFields` for the
// custom ones), and as missing_fields reports it.
type KycEntry struct {
	Name            string           `json:"name"`
	Required        bool             `json:"required"`
	Enabled         bool             `json:"enabled"`
	Unique          bool             `json:"unique"`
	Verify          bool             `json:"verify"`
	Type            string           `json:"type,omitempty"` // standard | custom
	ValidationRules *ValidationRules `json:"validationRules,omitempty"`
	ValidationType  FieldType        `json:"validationType,omitempty"`
	Label           string           `json:"label,omitempty"`
	Position        *int             `json:"position,omitempty"`
}
