package users

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Custom field definitions: placing a field among the others, naming it,
// and checking its validation rules.

// insertField places a new field at pos (nil: last) among cur.
func insertField(cur []CustomField, f CustomField, pos *float64) (*FieldsChange, error) {
	if len(cur) >= MaxCustomFields {
		return nil, ErrTooManyFields
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
		return nil, ErrCustomFieldNotFound
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
