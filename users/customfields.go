package users

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/claims"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/google/uuid"
)

// FieldType is a CustomFieldType.
type FieldType = claims.FieldType

// Custom field types.
const (
	FieldText     FieldType = "text"
	FieldCheckbox FieldType = "checkbox"
	FieldSelect   FieldType = "select"
)

// ValidOption is one choice of a select field; a user's value is its
// label (what Dynamic's SDK form submits) or its key.
type ValidOption = claims.ValidOption

// ValidationRules are a field's type-specific rules: unique and regex
// for text, validOptions for select, checkboxText for checkbox.
type ValidationRules = claims.ValidationRules

// CustomField is an environment's extra profile field. Users' values live
// in their metadata under the field's Name (as Dynamic's SDK writes them).
type CustomField struct {
	ID            string
	EnvironmentID string
	Key           string // slug of the first name; stable across renames
	Name          string
	Enabled       bool
	Required      bool
	Type          FieldType
	Rules         ValidationRules
	Position      int // 0-based, dense, in display order
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FieldInput is a CustomFieldRequest. A nil Position appends (create) or
// keeps the current place (update).
type FieldInput struct {
	Name     string
	Enabled  bool
	Required bool
	Type     string
	Rules    *ValidationRules
	Position *float64
}

// Limits on custom field definitions.
const (
	MaxCustomFields     = 50
	maxFieldNameLen     = 64
	maxRegexLen         = 1024
	maxOptions          = 100
	maxOptionLen        = 255
	maxCheckboxTextLen  = 1024
	codeInvalidPosition = "invalid_position"
	codeDuplicateField  = "duplicate_exists"
	codeInvalidRegex    = "invalid_regex"
	codeRepeatedOptions = "repeated_options"
	codeNotUniqueSwitch = "cannot_switch_to_unique"
	customFieldNotFound = "custom_field_not_found"
)

// ErrCannotSwitchToUnique refuses making a field unique while two users
// share a value of it.
func ErrCannotSwitchToUnique(name string) error {
	return errs.Unprocessable(codeNotUniqueSwitch, "validationRules.unique: users already share values of "+strconv.Quote(name), nil)
}

// FieldsChange is the outcome of one custom-field write, computed from the
// environment's fields as they are inside the store's transaction.
type FieldsChange struct {
	Fields      []CustomField // every field of the environment afterwards, in order, positions set
	Changed     *CustomField  // the field created or updated (nil on delete)
	DeletedID   string
	RenamedFrom string // the changed field's previous name, when renamed: values move with it
	MadeUnique  bool   // the changed field became unique: existing values are indexed
	At          time.Time
}

// FieldsStore persists custom fields.
type FieldsStore interface {
	ListCustomFields(ctx context.Context, envID string) ([]CustomField, error)
	// GetCustomField fails with errs.KindNotFound for an unknown id.
	GetCustomField(ctx context.Context, id string) (*CustomField, error)
	// ChangeCustomFields runs change on the environment's current fields
	// (in order) inside one transaction and stores its outcome: the
	// fields, the users' values of a renamed field, the unique index of a
	// field made unique (ErrCannotSwitchToUnique on shared values), and
	// the environment settings' customFields array. All or nothing.
	ChangeCustomFields(ctx context.Context, envID string, change func([]CustomField) (*FieldsChange, error)) error
}

// ListCustomFields lists an environment's fields in display order.
func (s *Profiles) ListCustomFields(ctx context.Context, p *tenant.Principal, envID string) ([]CustomField, error) {
	if _, err := s.adminEnvironment(ctx, p, envID, false); err != nil {
		return nil, err
	}
	return s.store.ListCustomFields(ctx, envID)
}

// GetCustomField returns one field the principal reaches.
func (s *Profiles) GetCustomField(ctx context.Context, p *tenant.Principal, id string) (*CustomField, error) {
	return s.fieldInReach(ctx, p, id, false)
}

// CreateCustomField adds a field to an environment.
func (s *Profiles) CreateCustomField(ctx context.Context, p *tenant.Principal, envID string, in FieldInput) (*CustomField, error) {
	if _, err := s.adminEnvironment(ctx, p, envID, true); err != nil {
		return nil, err
	}
	def, err := in.definition()
	if err != nil {
		return nil, err
	}
	now := s.now()
	def.ID, def.EnvironmentID, def.CreatedAt, def.UpdatedAt = uuid.NewString(), envID, now, now
	var out CustomField
	err = s.store.ChangeCustomFields(ctx, envID, func(cur []CustomField) (*FieldsChange, error) {
		ch, err := insertField(cur, def, in.Position)
		if err == nil {
			out, ch.At = *ch.Changed, now
		}
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateCustomField replaces a field's definition.
func (s *Profiles) UpdateCustomField(ctx context.Context, p *tenant.Principal, id string, in FieldInput) (*CustomField, error) {
	f, err := s.fieldInReach(ctx, p, id, true)
	if err != nil {
		return nil, err
	}
	def, err := in.definition()
	if err != nil {
		return nil, err
	}
	now := s.now()
	def.ID, def.EnvironmentID, def.UpdatedAt = id, f.EnvironmentID, now
	var out CustomField
	err = s.store.ChangeCustomFields(ctx, f.EnvironmentID, func(cur []CustomField) (*FieldsChange, error) {
		ch, err := replaceField(cur, def, in.Position)
		if err == nil {
			out, ch.At = *ch.Changed, now
		}
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteCustomField removes a field. Users keep the values they entered
// in their metadata; they are no longer validated or required.
func (s *Profiles) DeleteCustomField(ctx context.Context, p *tenant.Principal, id string) error {
	f, err := s.fieldInReach(ctx, p, id, true)
	if err != nil {
		return err
	}
	return s.store.ChangeCustomFields(ctx, f.EnvironmentID, func(cur []CustomField) (*FieldsChange, error) {
		i := slices.IndexFunc(cur, func(c CustomField) bool { return c.ID == id })
		if i < 0 {
			return nil, errs.NotFound(customFieldNotFound, "custom field not found")
		}
		return &FieldsChange{Fields: renumber(slices.Delete(slices.Clone(cur), i, i+1)), DeletedID: id, At: s.now()}, nil
	})
}

// adminEnvironment applies the reach rules of an environment's settings.
func (s *Profiles) adminEnvironment(ctx context.Context, p *tenant.Principal, envID string, write bool) (*tenant.Environment, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	return env, p.CanUseEnvironment(env, settingsScope(write))
}

// fieldInReach loads a field; one in an environment the principal does
// not see is not found, as tenant answers for origins.
func (s *Profiles) fieldInReach(ctx context.Context, p *tenant.Principal, id string, write bool) (*CustomField, error) {
	f, err := s.store.GetCustomField(ctx, id)
	if err != nil {
		return nil, err
	}
	env, err := s.envs.GetEnvironment(ctx, f.EnvironmentID)
	if err != nil {
		return nil, err
	}
	if !p.SeesEnvironment(env) {
		return nil, errs.NotFound(customFieldNotFound, "custom field not found")
	}
	return f, p.CanUseEnvironment(env, settingsScope(write))
}

func settingsScope(write bool) tenant.Scope {
	if write {
		return tenant.ScopeSettingsWrite
	}
	return tenant.ScopeSettingsRead
}

// insertField places a new field at pos (nil: last) among cur.
func insertField(cur []CustomField, f CustomField, pos *float64) (*FieldsChange, error) {
	if len(cur) >= MaxCustomFields {
		return nil, errs.Invalid("customFields: an environment has at most %d custom fields", MaxCustomFields)
	}
	at, err := position(pos, len(cur), len(cur))
	if err != nil {
		return nil, err
	}
	if err := checkNameFree(cur, f.Name, ""); err != nil {
		return nil, err
	}
	f.Key = freeKey(cur, slug(f.Name))
	fields := renumber(slices.Insert(slices.Clone(cur), at, f))
	return &FieldsChange{Fields: fields, Changed: &fields[at], MadeUnique: f.Rules.Unique}, nil
}

// replaceField puts def in the place of the field with its id, moved to
// pos when given.
func replaceField(cur []CustomField, def CustomField, pos *float64) (*FieldsChange, error) {
	i := slices.IndexFunc(cur, func(c CustomField) bool { return c.ID == def.ID })
	if i < 0 {
		return nil, errs.NotFound(customFieldNotFound, "custom field not found")
	}
	old := cur[i]
	at, err := position(pos, len(cur)-1, i)
	if err != nil {
		return nil, err
	}
	if err := checkNameFree(cur, def.Name, def.ID); err != nil {
		return nil, err
	}
	def.Key, def.CreatedAt = old.Key, old.CreatedAt
	rest := slices.Delete(slices.Clone(cur), i, i+1)
	fields := renumber(slices.Insert(rest, at, def))
	ch := &FieldsChange{Fields: fields, Changed: &fields[at], MadeUnique: def.Rules.Unique && !old.Rules.Unique}
	if old.Name != def.Name {
		ch.RenamedFrom = old.Name
	}
	return ch, nil
}

// position reads a requested 0-based position: a whole number from 0 to
// max; nil means def.
func position(p *float64, max, def int) (int, error) {
	if p == nil {
		return def, nil
	}
	v := *p
	if v != math.Trunc(v) || v < 0 || v > float64(max) {
		return 0, errs.Unprocessable(codeInvalidPosition,
			"position: must be a whole number from 0 to "+strconv.Itoa(max), nil)
	}
	return int(v), nil
}

func renumber(fields []CustomField) []CustomField {
	for i := range fields {
		fields[i].Position = i
	}
	return fields
}

// checkNameFree refuses a name another field of the environment has,
// compared without regard to case.
func checkNameFree(cur []CustomField, name, selfID string) error {
	for _, c := range cur {
		if c.ID != selfID && strings.EqualFold(c.Name, name) {
			return errs.Unprocessable(codeDuplicateField, "name: a custom field named "+strconv.Quote(c.Name)+" exists already", nil)
		}
	}
	return nil
}

// slug derives a key from a name: lower-case letters and digits, other
// runs as one underscore.
func slug(name string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(name) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
		} else {
			gap = true
		}
	}
	if b.Len() == 0 {
		return "field"
	}
	return b.String()
}

// freeKey returns base, or base_2, base_3, … if taken.
func freeKey(cur []CustomField, base string) string {
	taken := map[string]bool{}
	for _, c := range cur {
		taken[c.Key] = true
	}
	key := base
	for n := 2; taken[key]; n++ {
		key = base + "_" + strconv.Itoa(n)
	}
	return key
}

// definition checks a request and returns the field it describes.
func (in FieldInput) definition() (CustomField, error) {
	name, err := fieldName(in.Name)
	if err != nil {
		return CustomField{}, err
	}
	t := FieldType(in.Type)
	var rules ValidationRules
	if in.Rules != nil {
		rules = *in.Rules
	}
	if rules, err = checkRules(t, rules); err != nil {
		return CustomField{}, err
	}
	return CustomField{Name: name, Enabled: in.Enabled, Required: in.Required, Type: t, Rules: rules}, nil
}

// fieldName trims a name and checks it: 1 to 64 characters, no control
// characters, quotes or backslashes (it is a metadata key).
func fieldName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.Invalid("name: must not be empty")
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxFieldNameLen {
		return "", errs.Invalid("name: must be at most %d characters of valid UTF-8", maxFieldNameLen)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '"' || r == '\\' }) >= 0 {
		return "", errs.Invalid("name: must not contain control characters, quotes or backslashes")
	}
	return s, nil
}

// checkRules validates the rules of a field type and returns them
// normalised (trimmed options). Rules that belong to another type are
// refused when set.
func checkRules(t FieldType, r ValidationRules) (ValidationRules, error) {
	switch t {
	case FieldText:
		if err := refuseRules(t, fieldRule{len(r.ValidOptions) > 0, "validOptions"}, fieldRule{r.CheckboxText != "", "checkboxText"}); err != nil {
			return r, err
		}
		return r, checkRegex(r.Regex)
	case FieldSelect:
		if err := refuseRules(t, fieldRule{r.Unique, "unique"}, fieldRule{r.Regex != "", "regex"}, fieldRule{r.CheckboxText != "", "checkboxText"}); err != nil {
			return r, err
		}
		opts, err := checkOptions(r.ValidOptions)
		r.ValidOptions = opts
		return r, err
	case FieldCheckbox:
		if err := refuseRules(t, fieldRule{r.Unique, "unique"}, fieldRule{r.Regex != "", "regex"}, fieldRule{len(r.ValidOptions) > 0, "validOptions"}); err != nil {
			return r, err
		}
		r.CheckboxText = strings.TrimSpace(r.CheckboxText)
		if utf8.RuneCountInString(r.CheckboxText) > maxCheckboxTextLen {
			return r, errs.Invalid("validationRules.checkboxText: must be at most %d characters", maxCheckboxTextLen)
		}
		return r, nil
	}
	return r, errs.Invalid("fieldType: must be text, checkbox or select")
}

// fieldRule is whether a rule is set, and its name.
type fieldRule struct {
	set  bool
	name string
}

// refuseRules refuses the first of rules (of other field types) that is set.
func refuseRules(t FieldType, rules ...fieldRule) error {
	for _, r := range rules {
		if r.set {
			return errs.Invalid("validationRules.%s: does not apply to %s fields", r.name, t)
		}
	}
	return nil
}

// checkRegex compiles a text field's pattern with Go's regexp (RE2
// syntax: no look-around or back-references).
func checkRegex(re string) error {
	if re == "" {
		return nil
	}
	if len(re) > maxRegexLen {
		return errs.Unprocessable(codeInvalidRegex, "validationRules.regex: must be at most "+strconv.Itoa(maxRegexLen)+" bytes", nil)
	}
	if _, err := regexp.Compile(re); err != nil {
		return errs.Unprocessable(codeInvalidRegex, "validationRules.regex: "+err.Error(), nil)
	}
	return nil
}

// checkOptions trims a select field's options and refuses none, too
// many, empty labels and labels or keys given twice (ignoring case).
func checkOptions(opts []ValidOption) ([]ValidOption, error) {
	if len(opts) == 0 || len(opts) > maxOptions {
		return nil, errs.Invalid("validationRules.validOptions: a select field needs 1 to %d options", maxOptions)
	}
	out := make([]ValidOption, len(opts))
	seen := map[string]bool{}
	for i, o := range opts {
		o.Label, o.Key = strings.TrimSpace(o.Label), strings.TrimSpace(o.Key)
		if o.Label == "" || utf8.RuneCountInString(o.Label) > maxOptionLen || utf8.RuneCountInString(o.Key) > maxOptionLen {
			return nil, errs.Invalid("validationRules.validOptions[%d]: label must be 1 to %d characters, key at most %d", i, maxOptionLen, maxOptionLen)
		}
		names := []string{strings.ToLower(o.Label)}
		if k := strings.ToLower(o.Key); k != "" && k != names[0] {
			names = append(names, k)
		}
		for _, n := range names {
			if seen[n] {
				return nil, errs.Unprocessable(codeRepeatedOptions, "validationRules.validOptions: "+strconv.Quote(n)+" is given twice", nil)
			}
			seen[n] = true
		}
		out[i] = o
	}
	return out, nil
}

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
