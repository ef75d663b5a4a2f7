package users

// Account merges: the fields two users filled in differently, and the
// profile the staying user keeps once each conflict is resolved.

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// MergeConflict is a profile field both users filled in differently.
type MergeConflict struct {
	Field       KycEntry
	FromUser    MergeValue
	CurrentUser MergeValue
}

// MergeValue is one user's value of a conflicting field.
type MergeValue struct {
	UserID string
	Value  string
}

// MergeResolution picks whose value a conflicting field keeps
// (MergeUserConflictResolution).
type MergeResolution struct {
	UserID   string
	FieldKey string
	Type     string // standard | custom
}

// KycStandard is the type of a standard (column) profile field in a
// merge resolution; custom fields are KycCustom.
const KycStandard = "standard"

// CodeMergeInvalid refuses a merge (UnprocessableEntityErrorCode).
const CodeMergeInvalid = "merge_accounts_invalid"

// standardFieldNames are the profile columns a merge compares
// (UserFields names).
var standardFieldNames = []string{"email", "alias", "firstName", "lastName", "jobTitle", "phoneNumber", "tShirtSize",
	"team", "country", "username"}

// standardEntry is a standard field as the settings list it, or a
// disabled entry for one they do not list.
func standardEntry(kyc []KycEntry, name string) KycEntry {
	for _, e := range kyc {
		if e.Name == name && e.Type != KycCustom {
			e.Type = KycStandard
			return e
		}
	}
	return KycEntry{Name: name, Type: KycStandard, Unique: name == "email" || name == "username"}
}

func sameStandard(name, a, b string) bool {
	if name == "email" || name == "username" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// metadataObject reads metadata; anything but an object reads as empty.
func metadataObject(raw json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// emptyValue reports whether a custom field's value leaves it unfilled:
// absent, null, "", blank, false or an empty list.
func emptyValue(v json.RawMessage) bool {
	t := string(bytes.TrimSpace(v))
	switch t {
	case "", "null", `""`, "false", "[]":
		return true
	}
	var s string
	return json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) == ""
}

func sameJSON(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// displayValue is a metadata value as MergeUser.value: a string as is,
// anything else as compact JSON.
func displayValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return string(v)
	}
	return b.String()
}

// MergeConflictsOf lists the standard fields, then the custom fields (in display
// order), that both users filled in with different values.
func MergeConflictsOf(into, from *User, kyc []KycEntry, fields []CustomField) []MergeConflict {
	out := []MergeConflict{}
	for _, name := range standardFieldNames {
		a, b := *into.profileField(name), *from.profileField(name)
		if a != "" && b != "" && !sameStandard(name, a, b) {
			out = append(out, MergeConflict{Field: standardEntry(kyc, name),
				FromUser: MergeValue{UserID: from.ID, Value: b}, CurrentUser: MergeValue{UserID: into.ID, Value: a}})
		}
	}
	ma, mb := metadataObject(into.Metadata), metadataObject(from.Metadata)
	entries := SettingsEntries(fields)
	for i, f := range fields {
		a, b := ma[f.Name], mb[f.Name]
		if !emptyValue(a) && !emptyValue(b) && !sameJSON(a, b) {
			out = append(out, MergeConflict{Field: entries[i],
				FromUser: MergeValue{UserID: from.ID, Value: displayValue(b)}, CurrentUser: MergeValue{UserID: into.ID, Value: displayValue(a)}})
		}
	}
	return out
}

// chooser answers whose value a conflicting field keeps.
type chooser struct {
	into, from string
	picks      map[string]string // type + "\x00" + key -> user id
	bad        []string
}

func newChooser(into, from string, rs []MergeResolution) *chooser {
	c := &chooser{into: into, from: from, picks: map[string]string{}}
	for i, r := range rs {
		if r.UserID != into && r.UserID != from {
			c.bad = append(c.bad, "mergeUserResolutions["+strconv.Itoa(i)+"].userId")
			continue
		}
		c.picks[r.Type+"\x00"+r.FieldKey] = r.UserID
	}
	return c
}

// pick returns the chosen user for a field known under any of keys.
func (c *chooser) pick(typ string, keys ...string) (string, bool) {
	for _, k := range keys {
		if id, ok := c.picks[typ+"\x00"+k]; ok {
			return id, true
		}
	}
	return "", false
}

// ApplyMerge computes the staying user's profile: each conflicting field
// takes the value of the user its resolution names, fields only the other
// user filled in come over, and the caller's values stay otherwise.
// Unresolved conflicts refuse the merge.
func ApplyMerge(into, from *User, kyc []KycEntry, fields []CustomField, rs []MergeResolution, now time.Time) (*ProfileChange, error) {
	c := newChooser(into.ID, from.ID, rs)
	if len(c.bad) > 0 {
		return nil, errs.Unprocessable(CodeMergeInvalid, strings.Join(c.bad, ", ")+": must name one of the two accounts", nil)
	}
	next := *into
	var unresolved []string
	for _, name := range standardFieldNames {
		a, b := next.profileField(name), *from.profileField(name)
		switch {
		case b == "":
		case *a == "":
			*a = b
		case !sameStandard(name, *a, b):
			id, ok := c.pick(KycStandard, name)
			if !ok {
				unresolved = append(unresolved, name)
			} else if id == from.ID {
				*a = b
			}
		}
	}
	ma, mb := metadataObject(into.Metadata), metadataObject(from.Metadata)
	custom := map[string]*CustomField{}
	for i := range fields {
		custom[fields[i].Name] = &fields[i]
	}
	for _, k := range slices.Sorted(maps.Keys(mb)) {
		a, b := ma[k], mb[k]
		f := custom[k]
		switch {
		case f == nil: // not a profile field: the caller's key stays
			if _, ok := ma[k]; !ok || string(bytes.TrimSpace(a)) == "null" {
				ma[k] = b
			}
		case emptyValue(b):
		case emptyValue(a):
			ma[k] = b
		case !sameJSON(a, b):
			id, ok := c.pick(KycCustom, f.Name, f.Key)
			if !ok {
				unresolved = append(unresolved, "metadata."+f.Name)
			} else if id == from.ID {
				ma[k] = b
			}
		}
	}
	if len(unresolved) > 0 {
		return nil, errs.Unprocessable(CodeMergeInvalid,
			"unresolved merge conflicts: "+strings.Join(unresolved, ", ")+"; send a mergeUserResolutions entry for each",
			map[string]any{"additionalMessages": unresolved})
	}
	meta, err := json.Marshal(ma)
	if err != nil {
		return nil, errs.Internal("merge metadata", err)
	}
	if len(meta) > MaxMetadataBytes {
		return nil, errs.Unprocessable("metadata_size_exceeded",
			"metadata: the merged metadata would exceed "+strconv.Itoa(MaxMetadataBytes)+" bytes", nil)
	}
	next.Metadata, next.UpdatedAt, next.Credentials = meta, now, nil
	return &ProfileChange{User: &next, Unique: AdminUniqueValues(&next, fields)}, nil
}
