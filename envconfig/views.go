package envconfig

import (
	"context"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The contract's enums (SdkViewType, SdkViewSectionType,
// SdkViewSectionAlignment).
var (
	ViewTypes         = []string{"login"}
	SectionTypes      = []string{"email", "emailAndPhone", "phone", "separator", "social", "text", "wallet", "passkey"}
	SectionAlignments = []string{"center", "left", "right"}
)

// Limits on a view: enough for any login screen, bounded so a settings
// document served to every visitor stays small.
const (
	maxSections     = 32
	maxLabel        = 200
	maxDefaultItem  = 100
	maxItemsToShown = 100
)

// ValidateView checks a view against the contract's shapes.
func ValidateView(v *View) error {
	if !slices.Contains(ViewTypes, v.Type) {
		return errs.Invalid("sdkViewType must be one of %v", ViewTypes)
	}
	if len(v.Sections) > maxSections {
		return errs.Invalid("a view has at most %d sections", maxSections)
	}
	for i, sec := range v.Sections {
		switch {
		case !slices.Contains(SectionTypes, sec.Type):
			return errs.Invalid("sections[%d].type must be one of %v", i, SectionTypes)
		case sec.Alignment != "" && !slices.Contains(SectionAlignments, sec.Alignment):
			return errs.Invalid("sections[%d].alignment must be one of %v", i, SectionAlignments)
		case utf8.RuneCountInString(sec.Label) > maxLabel:
			return errs.Invalid("sections[%d].label is longer than %d characters", i, maxLabel)
		case utf8.RuneCountInString(sec.DefaultItem) > maxDefaultItem:
			return errs.Invalid("sections[%d].defaultItem is longer than %d characters", i, maxDefaultItem)
		case sec.NumOfItemsToDisplay != nil && (*sec.NumOfItemsToDisplay < 0 || *sec.NumOfItemsToDisplay > maxItemsToShown ||
			*sec.NumOfItemsToDisplay != math.Trunc(*sec.NumOfItemsToDisplay)):
			return errs.Invalid("sections[%d].numOfItemsToDisplay must be a whole number from 0 to %d", i, maxItemsToShown)
		}
	}
	return nil
}

// PutView validates and stores a view, replacing the one of its type.
func (s *Service) PutView(ctx context.Context, envID string, v View) (*View, error) {
	if v.Sections == nil {
		v.Sections = []Section{}
	}
	if err := ValidateView(&v); err != nil {
		return nil, err
	}
	if err := s.d.Store.PutSdkView(ctx, envID, &v, s.now()); err != nil {
		return nil, err
	}
	return &v, nil
}

// Views lists an environment's views: every view type, an unset one with
// no sections.
func (s *Service) Views(ctx context.Context, envID string) ([]View, error) {
	stored, err := s.d.Store.SdkViews(ctx, envID)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(ViewTypes))
	for _, t := range ViewTypes {
		v := View{Type: t, Sections: []Section{}}
		for _, st := range stored {
			if st.Type == t {
				v = st
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// View is one view by type.
func (s *Service) View(ctx context.Context, envID, typ string) (*View, error) {
	if !slices.Contains(ViewTypes, typ) {
		return nil, errs.Invalid("sdkViewType must be one of %v", ViewTypes)
	}
	views, err := s.Views(ctx, envID)
	if err != nil {
		return nil, err
	}
	for i := range views {
		if views[i].Type == typ {
			return &views[i], nil
		}
	}
	return nil, errs.Internal("sdk view", nil)
}

// StoredViews are the views an operator has set (what the SDK's settings
// carry: an unset view leaves the SDK's own default).
func (s *Service) StoredViews(ctx context.Context, envID string) ([]View, error) {
	return s.d.Store.SdkViews(ctx, envID)
}

// AdminPutView is PutView for an operator.
func (s *Service) AdminPutView(ctx context.Context, p *tenant.Principal, envID string, v View) (*View, error) {
	if err := s.Env(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	return s.PutView(ctx, envID, v)
}

// AdminViews is Views for an operator.
func (s *Service) AdminViews(ctx context.Context, p *tenant.Principal, envID string) ([]View, error) {
	if err := s.Env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	return s.Views(ctx, envID)
}

// AdminView is View for an operator.
func (s *Service) AdminView(ctx context.Context, p *tenant.Principal, envID, typ string) (*View, error) {
	if err := s.Env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	return s.View(ctx, envID, typ)
}
