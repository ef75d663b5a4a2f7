package contract

import (
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
)

func TestValidateNamesTheField(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	base := func() map[string]any {
		return map[string]any{"chains": []any{}, "kyc": []any{}, "design": map[string]any{},
			"general": map[string]any{}, "privacy": map[string]any{}, "sdk": map[string]any{}, "security": map[string]any{}}
	}
	if err := c.Validate("ProjectSettings", base()); err != nil {
		t.Fatalf("minimal settings rejected: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(m map[string]any)
		field string
	}{
		{"unknown enum", func(m map[string]any) { m["environmentName"] = "prod" }, "environmentName"},
		{"wrong type", func(m map[string]any) { m["chains"] = "evm" }, "chains"},
		{"nested enum", func(m map[string]any) {
			m["security"] = map[string]any{"jwtDuration": map[string]any{"amount": 2.0, "unit": "weeks"}}
		}, "security.jwtDuration.unit"},
		{"missing required", func(m map[string]any) { delete(m, "kyc") }, "kyc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			err := c.Validate("ProjectSettings", m)
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("want invalid error, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %q", err, tc.field)
			}
		})
	}
}
