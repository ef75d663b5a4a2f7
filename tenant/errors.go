package tenant

import "github.com/dynamicauth/dynamicauth/errs"

// The refusals a tenant Store reports.
var (
	ErrEnvironmentNotFound = errs.NotFound("environment_not_found", "environment not found")
)
