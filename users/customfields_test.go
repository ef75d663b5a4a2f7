package users

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
)

// wantErr checks err against a wanted kind and contract code ("" kind
// means no error) and that its message names the field.
func wantErr(t *testing.T, what string, err error, kind errs.Kind, code, field string) {
	t.Helper()
	if kind == -1 {
		if err != nil {
			t.Errorf("%s: unexpected error %v", what, err)
		}
		return
	}
	var e *errs.E
	if err == nil || !errorsAs(err, &e) {
		t.Errorf("%s: error %v, want kind %d code %q", what, err, kind, code)
		return
	}
	if e.Kind != kind || e.Code != code {
		t.Errorf("%s: kind %d code %q (%s), want kind %d code %q", what, e.Kind, e.Code, e.Message, kind, code)
	}
	if field != "" && !strings.Contains(e.Message, field) {
		t.Errorf("%s: message %q does not name %q", what, e.Message, field)
	}
}

const ok errs.Kind = -1

func fpos(v float64) *float64 { return &v }

func TestFieldDefinition(t *testing.T) {
	long := strings.Repeat("x", 65)
	opts := func(labels ...string) *ValidationRules {
		r := &ValidationRules{}
		for _, l := range labels {
			r.ValidOptions = append(r.ValidOptions, ValidOption{Label: l})
		}
		return r
	}
	cases := []struct {
		name       string
		in         FieldInput
		kind       errs.Kind
		code, frag string
	}{
		{"text", FieldInput{Name: "Nickname", Type: "text"}, ok, "", ""},
		{"text regex unique", FieldInput{Name: "Handle", Type: "text", Rules: &ValidationRules{Regex: `^[a-z]+$`, Unique: true}}, ok, "", ""},
		{"name trimmed empty", FieldInput{Name: "   ", Type: "text"}, errs.KindInvalid, "", "name"},
		{"name too long", FieldInput{Name: long, Type: "text"}, errs.KindInvalid, "", "name"},
		{"name with quote", FieldInput{Name: `a"b`, Type: "text"}, errs.KindInvalid, "", "name"},
		{"name with control", FieldInput{Name: "a\tb", Type: "text"}, errs.KindInvalid, "", "name"},
		{"unknown type", FieldInput{Name: "x", Type: "number"}, errs.KindInvalid, "", "fieldType"},
		{"bad regex", FieldInput{Name: "x", Type: "text", Rules: &ValidationRules{Regex: `([a-z`}}, errs.KindUnprocessable, "invalid_regex", "regex"},
		{"lookahead regex", FieldInput{Name: "x", Type: "text", Rules: &ValidationRules{Regex: `(?=a)`}}, errs.KindUnprocessable, "invalid_regex", "regex"},
		{"huge regex", FieldInput{Name: "x", Type: "text", Rules: &ValidationRules{Regex: strings.Repeat("a", 1025)}}, errs.KindUnprocessable, "invalid_regex", "regex"},
		{"options on text", FieldInput{Name: "x", Type: "text", Rules: opts("a")}, errs.KindInvalid, "", "validOptions"},
		{"checkbox text on text", FieldInput{Name: "x", Type: "text", Rules: &ValidationRules{CheckboxText: "ok"}}, errs.KindInvalid, "", "checkboxText"},
		{"select", FieldInput{Name: "Colour", Type: "select", Rules: opts("Red", "Blue")}, ok, "", ""},
		{"select no options", FieldInput{Name: "Colour", Type: "select"}, errs.KindInvalid, "", "validOptions"},
		{"select repeated", FieldInput{Name: "Colour", Type: "select", Rules: opts("Red", " red ")}, errs.KindUnprocessable, "repeated_options", "red"},
		{"select repeated key", FieldInput{Name: "Colour", Type: "select", Rules: &ValidationRules{ValidOptions: []ValidOption{{Label: "Red", Key: "r"}, {Label: "R"}}}}, errs.KindUnprocessable, "repeated_options", ""},
		{"select label equals own key", FieldInput{Name: "Colour", Type: "select", Rules: &ValidationRules{ValidOptions: []ValidOption{{Label: "Red", Key: "red"}}}}, ok, "", ""},
		{"select empty label", FieldInput{Name: "Colour", Type: "select", Rules: opts("Red", " ")}, errs.KindInvalid, "", "validOptions[1]"},
		{"select unique", FieldInput{Name: "Colour", Type: "select", Rules: &ValidationRules{Unique: true, ValidOptions: []ValidOption{{Label: "a"}}}}, errs.KindInvalid, "", "unique"},
		{"select too many", FieldInput{Name: "Colour", Type: "select", Rules: opts(manyLabels(101)...)}, errs.KindInvalid, "", "validOptions"},
		{"checkbox", FieldInput{Name: "Terms", Type: "checkbox", Rules: &ValidationRules{CheckboxText: "I agree"}}, ok, "", ""},
		{"checkbox regex", FieldInput{Name: "Terms", Type: "checkbox", Rules: &ValidationRules{Regex: "a"}}, errs.KindInvalid, "", "regex"},
		{"checkbox text too long", FieldInput{Name: "Terms", Type: "checkbox", Rules: &ValidationRules{CheckboxText: strings.Repeat("a", 1025)}}, errs.KindInvalid, "", "checkboxText"},
	}
	for _, c := range cases {
		_, err := c.in.definition()
		wantErr(t, c.name, err, c.kind, c.code, c.frag)
	}
}

func manyLabels(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "o" + strings.Repeat("x", i)
	}
	return out
}

func TestFieldPositions(t *testing.T) {
	cur := []CustomField{{ID: "a", Name: "A", Key: "a"}, {ID: "b", Name: "B", Key: "b"}}
	renumber(cur)
	order := func(fs []CustomField) string {
		var b strings.Builder
		for i, f := range fs {
			if f.Position != i {
				t.Fatalf("position %d holds %d", i, f.Position)
			}
			b.WriteString(f.ID)
		}
		return b.String()
	}
	ins := []struct {
		pos  *float64
		want string
		kind errs.Kind
	}{
		{nil, "abc", ok}, {fpos(0), "cab", ok}, {fpos(1), "acb", ok}, {fpos(2), "abc", ok},
		{fpos(3), "", errs.KindUnprocessable}, {fpos(-1), "", errs.KindUnprocessable}, {fpos(0.5), "", errs.KindUnprocessable},
	}
	for _, c := range ins {
		ch, err := insertField(cur, CustomField{ID: "c", Name: "C"}, c.pos)
		if c.kind != ok {
			wantErr(t, "insert", err, c.kind, "invalid_position", "position")
			continue
		}
		if err != nil || order(ch.Fields) != c.want || ch.Changed.ID != "c" {
			t.Errorf("insert at %v: %v %v", c.pos, err, ch)
		}
	}
	ch, err := replaceField(cur, CustomField{ID: "a", Name: "A2"}, fpos(1))
	if err != nil || order(ch.Fields) != "ba" || ch.RenamedFrom != "A" || ch.Changed.Key != "a" {
		t.Errorf("move a to 1: %v %+v", err, ch)
	}
	_, err = replaceField(cur, CustomField{ID: "a", Name: "A"}, fpos(2))
	wantErr(t, "move past end", err, errs.KindUnprocessable, "invalid_position", "position")
	_, err = insertField(cur, CustomField{ID: "c", Name: "b"}, nil)
	wantErr(t, "duplicate name", err, errs.KindUnprocessable, "duplicate_exists", "name")
	_, err = replaceField(cur, CustomField{ID: "a", Name: "B"}, nil)
	wantErr(t, "rename onto another", err, errs.KindUnprocessable, "duplicate_exists", "name")
	if _, err := replaceField(cur, CustomField{ID: "a", Name: "a"}, nil); err != nil {
		t.Errorf("renaming a field to itself in other case: %v", err)
	}
}

func TestSlugAndKeys(t *testing.T) {
	for in, want := range map[string]string{"Favourite colour": "favourite_colour", "  X--Y  ": "x_y", "日本": "field", "a1 B2": "a1_b2"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	cur := []CustomField{{Key: "nick"}, {Key: "nick_2"}}
	if got := freeKey(cur, "nick"); got != "nick_3" {
		t.Errorf("freeKey = %q", got)
	}
}

func TestCustomValues(t *testing.T) {
	text := CustomField{Name: "Handle", Type: FieldText, Enabled: true, Rules: ValidationRules{Regex: `^[a-z]+$`}}
	reqText := CustomField{Name: "Nick", Type: FieldText, Enabled: true, Required: true}
	disabledReq := CustomField{Name: "Old", Type: FieldText, Enabled: false, Required: true}
	sel := CustomField{Name: "Colour", Type: FieldSelect, Enabled: true,
		Rules: ValidationRules{ValidOptions: []ValidOption{{Label: "Red", Key: "r"}, {Label: "Blue"}}}}
	box := CustomField{Name: "Terms", Type: FieldCheckbox, Enabled: true, Required: true}
	cases := []struct {
		name string
		f    CustomField
		v    string
		kind errs.Kind
	}{
		{"text ok", text, `"abc"`, ok},
		{"text regex fails", text, `"ABC"`, errs.KindUnprocessable},
		{"text empty skips regex", text, `""`, ok},
		{"text null clears", text, `null`, ok},
		{"text number", text, `12`, errs.KindUnprocessable},
		{"text object", text, `{"a":1}`, errs.KindUnprocessable},
		{"text too long", CustomField{Name: "x", Type: FieldText}, `"` + strings.Repeat("a", 1025) + `"`, errs.KindUnprocessable},
		{"required cleared", reqText, `""`, errs.KindUnprocessable},
		{"required null", reqText, `null`, errs.KindUnprocessable},
		{"required blank", reqText, `"   "`, errs.KindUnprocessable},
		{"required set", reqText, `"bob"`, ok},
		{"disabled required cleared", disabledReq, `null`, ok},
		{"select label", sel, `"Red"`, ok},
		{"select key", sel, `"r"`, ok},
		{"select other", sel, `"Green"`, errs.KindUnprocessable},
		{"select case", sel, `"red"`, errs.KindUnprocessable},
		{"select empty", sel, `""`, ok},
		{"select bool", sel, `true`, errs.KindUnprocessable},
		{"checkbox true", box, `true`, ok},
		{"checkbox list", box, `["Terms"]`, ok},
		{"checkbox required unchecked", box, `false`, errs.KindUnprocessable},
		{"checkbox required empty list", box, `[]`, errs.KindUnprocessable},
		{"checkbox string", box, `"yes"`, errs.KindUnprocessable},
		{"checkbox long list", box, `[` + strings.Repeat(`"a",`, 16) + `"a"]`, errs.KindUnprocessable},
	}
	for _, c := range cases {
		err := checkValue(c.f, json.RawMessage(c.v))
		code := ""
		if c.kind != ok {
			code = "invalid_metadata_value"
		}
		wantErr(t, c.name, err, c.kind, code, "metadata."+c.f.Name)
	}
}

func TestMergeMetadata(t *testing.T) {
	fields := []CustomField{{ID: "f1", Name: "Handle", Type: FieldText, Rules: ValidationRules{Unique: true}},
		{ID: "f2", Name: "Colour", Type: FieldSelect, Rules: ValidationRules{ValidOptions: []ValidOption{{Label: "Red"}}}}}
	cur := json.RawMessage(`{"keep":1,"drop":2,"Handle":"old"}`)
	got, err := mergeMetadata(cur, map[string]json.RawMessage{"drop": json.RawMessage("null"),
		"Handle": json.RawMessage(`" Bob "`), "new": json.RawMessage(`[1,2]`)}, fields)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"Handle":" Bob ","keep":1,"new":[1,2]}` {
		t.Errorf("merged = %s", got)
	}
	if u := uniqueValues(got, fields); len(u) != 1 || u[0] != (UniqueValue{FieldID: "f1", FieldName: "Handle", Value: "bob"}) {
		t.Errorf("unique values = %+v", u)
	}
	_, err = mergeMetadata(cur, map[string]json.RawMessage{"Colour": json.RawMessage(`"Blue"`)}, fields)
	wantErr(t, "bad select", err, errs.KindUnprocessable, "invalid_metadata_value", "metadata.Colour")

	big := map[string]json.RawMessage{"blob": json.RawMessage(`"` + strings.Repeat("a", MaxMetadataBytes) + `"`)}
	_, err = mergeMetadata(cur, big, fields)
	wantErr(t, "too big", err, errs.KindUnprocessable, "metadata_size_exceeded", "metadata")

	edge := map[string]json.RawMessage{"b": json.RawMessage(`"` + strings.Repeat("a", MaxMetadataBytes-len(`{"b":""}`)) + `"`)}
	if m, err := mergeMetadata(nil, edge, nil); err != nil || len(m) != MaxMetadataBytes {
		t.Errorf("exactly the cap: %v (%d bytes)", err, len(m))
	}
	if m, err := mergeMetadata(json.RawMessage(`[1]`), nil, nil); err != nil || string(m) != `{}` {
		t.Errorf("non-object metadata reads as empty: %s %v", m, err)
	}
	wantErr(t, "empty key", checkMetadataKeys(map[string]json.RawMessage{"": nil}), errs.KindInvalid, "", "metadata")
}

func TestMissingFields(t *testing.T) {
	kyc := []KycEntry{
		{Name: "email", Enabled: true, Required: true},
		{Name: "alias", Enabled: true, Required: false},
		{Name: "team", Enabled: false, Required: true},
		{Name: "policiesConsent", Enabled: true, Required: true}, // not stored: never reported
		{Name: "username", Enabled: true, Required: true},
	}
	fields := []CustomField{
		{Name: "Nick", Type: FieldText, Enabled: true, Required: true},
		{Name: "Terms", Type: FieldCheckbox, Enabled: true, Required: true},
		{Name: "Off", Type: FieldText, Enabled: false, Required: true},
		{Name: "Opt", Type: FieldText, Enabled: true},
	}
	names := func(es []KycEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Name)
		}
		return strings.Join(out, ",")
	}
	u := &User{Username: "bob", Metadata: json.RawMessage(`{"Terms":false}`)}
	if got := names(missingFields(kyc, fields, u)); got != "email,Nick,Terms" {
		t.Errorf("missing = %s", got)
	}
	u = &User{Email: "a@b.co", Username: "bob", Metadata: json.RawMessage(`{"Nick":"x","Terms":["I agree"]}`)}
	if got := missingFields(kyc, fields, u); len(got) != 0 {
		t.Errorf("missing = %s", names(got))
	}
	if p := (&Profile{Missing: []KycEntry{{}}}); p.Scope() != ScopeUserDataForm {
		t.Errorf("scope with missing fields = %q", p.Scope())
	}
}

// TestFieldsCap: the field past MaxCustomFields is refused as the other
// caps are (422 with a code), the fields left as they were.
func TestFieldsCap(t *testing.T) {
	cur := make([]CustomField, MaxCustomFields)
	for i := range cur {
		cur[i] = CustomField{ID: "f" + strconv.Itoa(i), Name: "F" + strconv.Itoa(i)}
	}
	renumber(cur)
	_, err := insertField(cur[:MaxCustomFields-1], CustomField{ID: "last", Name: "Last"}, nil)
	wantErr(t, "the last field under the cap", err, ok, "", "")
	_, err = insertField(cur, CustomField{ID: "more", Name: "More"}, nil)
	wantErr(t, "a field past the cap", err, errs.KindUnprocessable, "", "custom fields")
}
