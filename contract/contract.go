// Package contract holds Dynamic's API contract as data (the OpenAPI document
// derived from @dynamic-labs/sdk-api) and checks JSON against its schemas, so
// that wire names, types and enum values cannot drift from the official client.
package contract

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed dynamic-openapi.yaml
var document []byte

// Contract is the parsed document.
type Contract struct {
	Doc *openapi3.T
}

// Load parses the embedded document. It takes about 0.1 s, so callers load
// it once and share it.
func Load() (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("contract: load openapi document: %w", err)
	}
	return &Contract{Doc: doc}, nil
}

// Validate checks a decoded JSON value (maps, slices, float64, string, bool,
// nil, as encoding/json produces) against the named component schema. The
// error is an errs.Invalid naming the first offending field.
func (c *Contract) Validate(schemaName string, value any) error {
	ref, ok := c.Doc.Components.Schemas[schemaName]
	if !ok || ref.Value == nil {
		return errs.Internal("contract.Validate", fmt.Errorf("unknown schema %q", schemaName))
	}
	err := ref.Value.VisitJSON(value, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	return errs.Invalid("%s", describe(err))
}

// describe turns kin-openapi's verbose error into "field: reason".
func describe(err error) string {
	var multi openapi3.MultiError
	if errors.As(err, &multi) && len(multi) > 0 {
		return describe(multi[0])
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		field := strings.Join(se.JSONPointer(), ".")
		if field == "" {
			field = "body"
		}
		return field + ": " + se.Reason
	}
	return err.Error()
}
