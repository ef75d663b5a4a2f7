package users

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/dynamicauth/dynamicauth/claims"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
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

// ErrTooManyFields refuses a custom field past MaxCustomFields (counted in
// the change's transaction, under the environment's lock).
var ErrTooManyFields = errs.Unprocessable("",
	fmt.Sprintf("customFields: an environment has at most %d custom fields", MaxCustomFields), nil)

// Limits on custom field definitions. MaxCustomFields bounds what every
// profile write checks and the SDK settings carry.
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
	if _, err := s.adminEnvironment(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	return s.store.ListCustomFields(ctx, envID)
}

// GetCustomField returns one field the principal reaches.
func (s *Profiles) GetCustomField(ctx context.Context, p *tenant.Principal, id string) (*CustomField, error) {
	return s.fieldInReach(ctx, p, id, tenant.Read)
}

// CreateCustomField adds a field to an environment.
func (s *Profiles) CreateCustomField(ctx context.Context, p *tenant.Principal, envID string, in FieldInput) (*CustomField, error) {
	if _, err := s.adminEnvironment(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	def, err := in.definition()
	if err != nil {
		return nil, err
	}
	now := s.now()
	def.ID, def.EnvironmentID, def.CreatedAt, def.UpdatedAt = ids.New(), envID, now, now
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
	f, err := s.fieldInReach(ctx, p, id, tenant.Write)
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
	f, err := s.fieldInReach(ctx, p, id, tenant.Write)
	if err != nil {
		return err
	}
	return s.store.ChangeCustomFields(ctx, f.EnvironmentID, func(cur []CustomField) (*FieldsChange, error) {
		i := slices.IndexFunc(cur, func(c CustomField) bool { return c.ID == id })
		if i < 0 {
			return nil, ErrCustomFieldNotFound
		}
		return &FieldsChange{Fields: renumber(slices.Delete(slices.Clone(cur), i, i+1)), DeletedID: id, At: s.now()}, nil
	})
}

// adminEnvironment applies the reach rules of an environment's settings.
func (s *Profiles) adminEnvironment(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) (*tenant.Environment, error) {
	return tenant.UseEnvironment(ctx, s.envs, p, envID, acc.Settings())
}

// fieldInReach loads a field; one in an environment the principal does
// not see is not found, as tenant answers for origins.
func (s *Profiles) fieldInReach(ctx context.Context, p *tenant.Principal, id string, acc tenant.Access) (*CustomField, error) {
	f, err := s.store.GetCustomField(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := tenant.ReachRecord(ctx, s.envs, p, f.EnvironmentID, acc.Settings(), ErrCustomFieldNotFound); err != nil {
		return nil, err
	}
	return f, nil
}
