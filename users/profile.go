package users

import (
	"context"
	"encoding/json"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/claims"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// KycEntry is a ProjectSettingsKyc: one profile field as an environment's
// settings list it (`kyc` for the standard fields, `customFields` for the
// custom ones), and as missingFields reports it.
type KycEntry = claims.KycEntry

// KycCustom is the type of a custom field's settings entry.
const KycCustom = "custom"

// ScopeUserDataForm joins a user's scope while required profile fields
// are missing (Dynamic's JwtScope `userDataForm`).
const ScopeUserDataForm = "userDataForm"

// SettingsEntries renders custom fields as the settings' customFields.
func SettingsEntries(fields []CustomField) []KycEntry {
	out := make([]KycEntry, 0, len(fields))
	for _, f := range fields {
		out = append(out, customEntry(f))
	}
	return out
}

// SettingsWithFields returns an environment's settings (a JSON object;
// anything else counts as empty) with customFields rendered from fields:
// what GET /sdk/{env}/settings serves.
func SettingsWithFields(settings []byte, fields []CustomField) ([]byte, error) {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(settings, &m); err != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	entries, err := json.Marshal(SettingsEntries(fields))
	if err != nil {
		return nil, err
	}
	m["customFields"] = entries
	return json.Marshal(m)
}

func customEntry(f CustomField) KycEntry {
	pos := f.Position
	e := KycEntry{Name: f.Name, Required: f.Required, Enabled: f.Enabled, Unique: f.Rules.Unique, Type: KycCustom,
		ValidationType: f.Type, Position: &pos}
	if !f.Rules.IsZero() {
		r := f.Rules
		e.ValidationRules = &r
	}
	return e
}

// Environments is what profiles read about an environment.
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
}

// ProfileStore is the persistence of custom fields and user profiles.
type ProfileStore interface {
	FieldsStore
	// UpdateProfile runs change on the user and their environment's
	// custom fields inside one transaction and stores its outcome,
	// refusing an email or username another user of the environment has
	// (ErrEmailTaken, ErrUsernameTaken) and a unique value another user
	// holds (ErrValueNotUnique). The change's Proof is spent first, in
	// the same transaction: none serving refuses the change
	// (mfa.ErrProofRefused), and a change refused otherwise leaves it
	// unspent; its Verification is stored with it. It returns the stored
	// user.
	UpdateProfile(ctx context.Context, userID string, change func(cur *User, fields []CustomField) (*ProfileChange, error)) (*User, error)
	// DeleteUser deletes a user with their credentials and sessions and
	// records the user.deleted event (shared with users.AdminStore).
	DeleteUser(ctx context.Context, userID string, at time.Time) error
	// StandardValueTaken reports whether another user of the environment
	// has this email or username (field), ignoring case.
	StandardValueTaken(ctx context.Context, envID, field, value, exceptUserID string) (bool, error)
	// CustomValueTaken reports whether another user holds a unique value
	// (in UniqueForm) of a field.
	CustomValueTaken(ctx context.Context, fieldID, value, exceptUserID string) (bool, error)
}

// ProfileChange is what one profile update writes.
type ProfileChange struct {
	User   *User         // every profile column and the metadata
	Unique []UniqueValue // the user's values of unique fields, replacing theirs
	// BackupCodeAck, if set, is the recovery codes' acknowledgement
	// (User.MfaBackupCodeAcknowledgement) written with the profile.
	BackupCodeAck *string
	// Proof, if set, is the step-up proof the change takes, and
	// Verification the verification it starts (Alongside).
	Proof        *mfa.TokenUse
	Verification *otp.Verification
}

// Alongside is what a user's own profile change spends besides the
// profile, in its transaction (package signin decides it for PUT /users):
// a change refused leaves it as it was.
type Alongside struct {
	// Proof, if set, is the step-up proof the change takes: a single-use
	// token is consumed with the change, and the change is refused
	// (mfa.ErrProofRefused) when no live token serves.
	Proof *mfa.TokenUse
	// Verification, if set, is stored with the change: the verification
	// of a new sign-in address the change names instead of storing it,
	// whose code the caller sends once the change is committed.
	Verification *otp.Verification
}

// UniqueValue is a user's value of a unique field, in UniqueForm.
type UniqueValue struct {
	FieldID, FieldName, Value string
}

// Profiles runs custom fields and the signed-in user's own profile.
type Profiles struct {
	store ProfileStore
	envs  Environments
	now   func() time.Time
	kycs  tenant.SettingsMemo[[]KycEntry] // each settings document's kyc, parsed once
}

// NewProfiles builds the service; now may be nil for the wall clock.
func NewProfiles(store ProfileStore, envs Environments, now func() time.Time) *Profiles {
	if now == nil {
		now = time.Now
	}
	return &Profiles{store: store, envs: envs, now: func() time.Time { return now().UTC().Truncate(time.Millisecond) }}
}

// Profile is a user with the required fields they have not filled in.
type Profile struct {
	User    *User
	Missing []KycEntry
}

// Scope is the user's scope beyond user:basic: userDataForm while
// required fields are missing.
func (p *Profile) Scope() string {
	if len(p.Missing) > 0 {
		return ScopeUserDataForm
	}
	return ""
}

// Profile returns a user's profile.
func (s *Profiles) Profile(ctx context.Context, u *User) (*Profile, error) {
	kyc, err := s.kyc(ctx, u.EnvironmentID)
	if err != nil {
		return nil, err
	}
	fields, err := s.store.ListCustomFields(ctx, u.EnvironmentID)
	if err != nil {
		return nil, err
	}
	return &Profile{User: u, Missing: missingFields(kyc, fields, u)}, nil
}

// ProfileInput is a UserFields update: standard fields by name (nil
// clears one) and a shallow patch of the metadata (JSON null removes a
// key; keys not named stay as they are).
//
// BackupCodeAck, if set, is the recovery codes' acknowledgement, stored
// in the same transaction (its value checked by the caller,
// signin.UpdateSelf, with package mfa).
type ProfileInput struct {
	Fields        map[string]*string
	Metadata      map[string]json.RawMessage
	BackupCodeAck *string
}

// CheckProfile refuses an update UpdateProfile would refuse for its
// input, writing nothing: the fields' rules and the custom fields' as
// they are now. What only the write can tell (a value another user
// holds, a custom field changed meanwhile) is still refused there. It
// lets a caller check the input before what it spends for the change.
func (s *Profiles) CheckProfile(ctx context.Context, u *User, in ProfileInput) error {
	_, std, err := s.checkInput(ctx, u, in)
	if err != nil {
		return err
	}
	fields, err := s.store.ListCustomFields(ctx, u.EnvironmentID)
	if err != nil {
		return err
	}
	_, err = applyProfile(u, std, in, fields, s.now())
	return err
}

// UpdateProfile applies a user's own update, all or nothing, with what
// it spends alongside (with) in the same transaction.
func (s *Profiles) UpdateProfile(ctx context.Context, u *User, in ProfileInput, with Alongside) (*Profile, error) {
	kyc, std, err := s.checkInput(ctx, u, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var fields []CustomField
	next, err := s.store.UpdateProfile(ctx, u.ID, func(cur *User, fs []CustomField) (*ProfileChange, error) {
		fields = fs
		ch, err := applyProfile(cur, std, in, fs, now)
		if ch != nil {
			ch.Proof, ch.Verification = with.Proof, with.Verification
		}
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	return &Profile{User: next, Missing: missingFields(kyc, fields, next)}, nil
}

// checkInput validates an update's standard fields (returning the values
// to store) and its metadata keys, against the environment's kyc.
func (s *Profiles) checkInput(ctx context.Context, u *User, in ProfileInput) ([]KycEntry, map[string]string, error) {
	kyc, err := s.kyc(ctx, u.EnvironmentID)
	if err != nil {
		return nil, nil, err
	}
	std, err := checkStandardFields(in.Fields, kyc)
	if err != nil {
		return nil, nil, err
	}
	return kyc, std, checkMetadataKeys(in.Metadata)
}

// applyProfile computes a user's next profile from a validated update
// (std, its standard fields' values).
func applyProfile(cur *User, std map[string]string, in ProfileInput, fields []CustomField, now time.Time) (*ProfileChange, error) {
	next := *cur
	for name, v := range std {
		*next.profileField(name) = v
	}
	meta, err := mergeMetadata(cur.Metadata, in.Metadata, fields)
	if err != nil {
		return nil, err
	}
	next.Metadata, next.UpdatedAt = meta, now
	if in.BackupCodeAck != nil {
		next.MfaBackupCodeAcknowledgement = *in.BackupCodeAck
	}
	return &ProfileChange{User: &next, Unique: uniqueValues(meta, fields), BackupCodeAck: in.BackupCodeAck}, nil
}

// DeleteUser deletes the user for good; their sessions stop at once.
func (s *Profiles) DeleteUser(ctx context.Context, u *User) error {
	return s.store.DeleteUser(ctx, u.ID, s.now())
}

// Check fields that are not values of a custom field.
const (
	CheckEmail    = "email"
	CheckUsername = "username"
	checkHandle   = "name-service-subdomain-handle"
)

// maxCheckValue bounds the value CheckAvailable looks up, refused before
// it reaches the store.
const maxCheckValue = 1024

// CheckAvailable reports whether value is free for the user: an email, a
// username, or a value of a unique custom field (named by field). The
// user's own value counts as free. Both are required; value is at most
// maxCheckValue bytes.
func (s *Profiles) CheckAvailable(ctx context.Context, u *User, field, value string) (bool, error) {
	if field == "" || value == "" {
		return false, errs.Invalid("filter[field] and filter[value] are required")
	}
	if len(value) > maxCheckValue {
		return false, errs.Invalid("filter[value]: must be at most 1024 bytes")
	}
	switch field {
	case CheckEmail, CheckUsername:
		v, err := CheckStandard(field, value)
		if err != nil || v == "" {
			return false, err
		}
		return negate(s.store.StandardValueTaken(ctx, u.EnvironmentID, field, v, u.ID))
	case checkHandle:
		return false, errs.Invalid("filter[field]: name service subdomain handles are not supported")
	}
	fields, err := s.store.ListCustomFields(ctx, u.EnvironmentID)
	if err != nil {
		return false, err
	}
	for _, f := range fields {
		if f.Name == field && f.Rules.Unique {
			v := UniqueForm(value)
			if v == "" {
				return false, errs.Invalid("filter[value]: must not be empty")
			}
			return negate(s.store.CustomValueTaken(ctx, f.ID, v, u.ID))
		}
	}
	return false, errs.Invalid("filter[field]: must be email, username or the name of a unique custom field")
}

func negate(taken bool, err error) (bool, error) { return !taken && err == nil, err }

// kyc reads the standard profile fields of an environment's settings.
func (s *Profiles) kyc(ctx context.Context, envID string) ([]KycEntry, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	return slices.Clone(s.kycs.Get(env.Settings, kycOf)), nil
}

func kycOf(settings []byte) []KycEntry {
	var st struct {
		Kyc []KycEntry `json:"kyc"`
	}
	_ = json.Unmarshal(settings, &st) // settings were validated when written; bad ones have no kyc
	return st.Kyc
}

// missingFields lists the enabled, required fields the user left empty:
// standard ones from the settings' kyc, then custom ones.
func missingFields(kyc []KycEntry, fields []CustomField, u *User) []KycEntry {
	out := []KycEntry{}
	for _, e := range kyc {
		if p := u.profileField(e.Name); p != nil && e.Enabled && e.Required && e.Type != KycCustom && *p == "" {
			out = append(out, e)
		}
	}
	meta := metadataMap(u.Metadata)
	for _, f := range fields {
		if f.Enabled && f.Required && valueEmpty(f, meta[f.Name]) {
			out = append(out, customEntry(f))
		}
	}
	return out
}

// profileField addresses a standard profile field by its UserFields
// name; nil for names that are not one.
func (u *User) profileField(name string) *string {
	switch name {
	case "email":
		return &u.Email
	case "alias":
		return &u.Alias
	case "firstName":
		return &u.FirstName
	case "lastName":
		return &u.LastName
	case "jobTitle":
		return &u.JobTitle
	case "phoneNumber":
		return &u.PhoneNumber
	case "tShirtSize":
		return &u.TShirtSize
	case "team":
		return &u.Team
	case "country":
		return &u.Country
	case "username":
		return &u.Username
	}
	return nil
}

// Standard-field rules (UserFields).
var (
	// usernameRE: 3 to 64 ASCII letters, digits, '_', '.' or '-'.
	usernameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,64}$`)
	// phoneRE: E.164 after spaces, dots, dashes and parentheses are removed.
	phoneRE   = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
	// freeTextRE: Dynamic's pattern for alias, names, job title, team and
	// t-shirt size: letters, digits, spaces and _.,:!?&%@/+-'|.
	freeTextRE = regexp.MustCompile(`^[\p{L}\p{M}\p{N} _.,:!?&%@/+'|-]*$`)
)

const maxStandardLen = 255

// checkStandardFields validates every standard field of an update and
// returns the values to store; clearing a field the environment requires
// is refused.
func checkStandardFields(in map[string]*string, kyc []KycEntry) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for _, name := range slices.Sorted(maps.Keys(in)) {
		var raw string
		if in[name] != nil {
			raw = *in[name]
		}
		v, err := CheckStandard(name, raw)
		if err != nil {
			return nil, err
		}
		if v == "" && requiredStandard(kyc, name) {
			if name == "email" {
				return nil, errs.Unprocessable("email_cannot_be_null", "email: is required in this environment", nil)
			}
			return nil, errs.Invalid("%s: is required in this environment", name)
		}
		out[name] = v
	}
	return out, nil
}

func requiredStandard(kyc []KycEntry, name string) bool {
	for _, e := range kyc {
		if e.Name == name && e.Type != KycCustom && e.Enabled && e.Required {
			return true
		}
	}
	return false
}

// CheckStandard normalises one standard field's value ("" clears it):
// a profile update's, or one an identity provider's claims bring.
func CheckStandard(name, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxStandardLen {
		return "", errs.Invalid("%s: must be at most %d characters of valid UTF-8", name, maxStandardLen)
	}
	if v == "" {
		return "", nil
	}
	switch name {
	case "email":
		return checkEmail(v)
	case "phoneNumber":
		return checkPhone(v)
	case "username":
		if !usernameRE.MatchString(v) {
			return "", errs.Unprocessable("invalid_username", "username: must be 3 to 64 letters, digits, '_', '.' or '-'", nil)
		}
		return v, nil
	case "country":
		if v = strings.ToUpper(v); !countryRE.MatchString(v) {
			return "", errs.Invalid("country: must be an ISO 3166-1 alpha-2 code such as US")
		}
		return v, nil
	case "alias", "firstName", "lastName", "jobTitle", "tShirtSize", "team":
		if !freeTextRE.MatchString(v) {
			return "", errs.Invalid("%s: may hold only letters, digits, spaces and _.,:!?&%%@/+-'|", name)
		}
		return v, nil
	}
	return "", errs.Invalid("%s: is not a profile field", name)
}

// checkEmail accepts a bare address (no display name) whose domain has a dot.
func checkEmail(v string) (string, error) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		return "", errs.Unprocessable("invalid_email", "email: must be an email address such as name@example.com", nil)
	}
	return emailForm(v), nil
}

// emailForm is an email as stored: its non-ASCII letters in lower case.
// Emails are unique ignoring case through an index on lower(email), and
// SQLite's lower() folds ASCII letters only: "éve@…" and "ÉVE@…" would
// otherwise belong to two users.
func emailForm(v string) string {
	return strings.Map(func(r rune) rune {
		if r >= utf8.RuneSelf {
			return unicode.ToLower(r)
		}
		return r
	}, v)
}

// checkPhone accepts an E.164 number, with or without its '+', written
// with spaces, dots, dashes or parentheses; it stores "+<digits>".
func checkPhone(v string) (string, error) {
	digits := strings.Map(func(r rune) rune {
		if strings.ContainsRune(" .-()", r) {
			return -1
		}
		return r
	}, v)
	if !strings.HasPrefix(digits, "+") {
		digits = "+" + digits
	}
	if !phoneRE.MatchString(digits) {
		return "", errs.Unprocessable("invalid_phone", "phoneNumber: must be an international number such as +14155550100", nil)
	}
	return digits, nil
}
