package users

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Metadata values: a user's metadata patched and checked against the
// environment's custom fields.

// Limits on metadata.
const (
	// MaxMetadataBytes caps a user's metadata as stored (compact JSON).
	MaxMetadataBytes = 8 << 10
	maxMetadataKey   = 255
	maxTextValueLen  = 1024
	maxCheckboxItems = 16
	codeBadValue     = "invalid_metadata_value"
)

// ErrEmailTaken refuses an email another user of the environment has.
func ErrEmailTaken() error {
	return errs.Unprocessable("email_already_exists", "email: another user of this environment has this email", nil)
}

// ErrUsernameTaken refuses a username another user of the environment has.
func ErrUsernameTaken() error {
	return errs.Unprocessable("username_already_exists", "username: another user of this environment has this username", nil)
}

// ErrValueNotUnique refuses a unique field's value another user holds.
func ErrValueNotUnique(name string) error {
	return errs.Unprocessable("custom_field_data_not_unique", "metadata."+name+": another user of this environment has this value", nil)
}

// UniqueForm is how unique values compare: trimmed, ignoring case.
func UniqueForm(v string) string { return strings.ToLower(strings.TrimSpace(v)) }

// checkMetadataKeys refuses empty or overlong metadata keys.
func checkMetadataKeys(patch map[string]json.RawMessage) error {
	for k := range patch {
		if k == "" || utf8.RuneCountInString(k) > maxMetadataKey {
			return errs.Invalid("metadata: keys must be 1 to %d characters", maxMetadataKey)
		}
	}
	return nil
}

// mergeMetadata applies a patch to stored metadata, validating the values
// it sets for custom fields, and caps the size of the result.
func mergeMetadata(cur json.RawMessage, patch map[string]json.RawMessage, fields []CustomField) (json.RawMessage, error) {
	meta := metadataMap(cur)
	for _, k := range slices.Sorted(maps.Keys(patch)) {
		v := patch[k]
		if f := fieldNamed(fields, k); f != nil {
			if err := checkValue(*f, v); err != nil {
				return nil, err
			}
		}
		if isNull(v) {
			delete(meta, k)
		} else {
			meta[k] = v
		}
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return nil, errs.Invalid("metadata: %v", err)
	}
	if len(b) > MaxMetadataBytes {
		return nil, errs.Unprocessable("metadata_size_exceeded",
			"metadata: must be at most "+strconv.Itoa(MaxMetadataBytes)+" bytes as JSON, got "+strconv.Itoa(len(b)), nil)
	}
	return b, nil
}

// metadataMap reads stored metadata; anything but an object reads as empty.
func metadataMap(raw json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

func fieldNamed(fields []CustomField, name string) *CustomField {
	for i := range fields {
		if fields[i].Name == name {
			return &fields[i]
		}
	}
	return nil
}

func isNull(v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	return len(t) == 0 || string(t) == "null"
}

// checkValue validates a value set for a custom field: its type, its
// rules, and that a required field (when enabled) is not emptied.
func checkValue(f CustomField, v json.RawMessage) error {
	bad := func(why string) error {
		return errs.Unprocessable(codeBadValue, "metadata."+f.Name+": "+why, nil)
	}
	if valueEmpty(f, v) {
		if f.Required && f.Enabled {
			return bad("is required")
		}
		if isNull(v) {
			return nil
		}
	}
	switch f.Type {
	case FieldCheckbox:
		return checkCheckbox(v, bad)
	case FieldText, FieldSelect:
		var s string
		if json.Unmarshal(v, &s) != nil {
			return bad("must be a string")
		}
		if f.Type == FieldSelect {
			return checkSelect(f, s, bad)
		}
		return checkText(f, s, bad)
	}
	return nil
}

func checkText(f CustomField, s string, bad func(string) error) error {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxTextValueLen {
		return bad("must be at most " + strconv.Itoa(maxTextValueLen) + " characters")
	}
	if s == "" || f.Rules.Regex == "" {
		return nil
	}
	re, err := regexp.Compile(f.Rules.Regex)
	if err != nil || !re.MatchString(s) {
		return bad("does not match the pattern " + f.Rules.Regex)
	}
	return nil
}

func checkSelect(f CustomField, s string, bad func(string) error) error {
	if s == "" {
		return nil
	}
	for _, o := range f.Rules.ValidOptions {
		if s == o.Label || (o.Key != "" && s == o.Key) {
			return nil
		}
	}
	return bad("must be one of the field's options")
}

// checkCheckbox accepts a boolean, or a list of strings as Dynamic's SDK
// form submits (checked when not empty).
func checkCheckbox(v json.RawMessage, bad func(string) error) error {
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return nil
	}
	var l []string
	if json.Unmarshal(v, &l) != nil || len(l) > maxCheckboxItems {
		return bad("must be true, false or a list of at most " + strconv.Itoa(maxCheckboxItems) + " strings")
	}
	for _, s := range l {
		if utf8.RuneCountInString(s) > maxOptionLen {
			return bad("list items must be at most " + strconv.Itoa(maxOptionLen) + " characters")
		}
	}
	return nil
}

// valueEmpty reports whether a stored or submitted value leaves the field
// unfilled: absent, null, "", false or an empty list.
func valueEmpty(f CustomField, v json.RawMessage) bool {
	if isNull(v) {
		return true
	}
	switch t := string(bytes.TrimSpace(v)); {
	case t == `""`, t == "false", t == "[]":
		return true
	case f.Type != FieldCheckbox:
		var s string
		return json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) == ""
	}
	return false
}

// uniqueValues lists a user's values of unique fields.
func uniqueValues(meta json.RawMessage, fields []CustomField) []UniqueValue {
	m := metadataMap(meta)
	var out []UniqueValue
	for _, f := range fields {
		var s string
		if !f.Rules.Unique || json.Unmarshal(m[f.Name], &s) != nil {
			continue
		}
		if v := UniqueForm(s); v != "" {
			out = append(out, UniqueValue{FieldID: f.ID, FieldName: f.Name, Value: v})
		}
	}
	return out
}
