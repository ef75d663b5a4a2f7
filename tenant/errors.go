package tenant

import "github.com/dynamicauth/dynamicauth/errs"

// The refusals a tenant Store reports.
var (
	ErrEnvironmentNotFound   = errs.NotFound("environment_not_found", "environment not found")
	ErrOrganizationNotFound  = errs.NotFound("organization_not_found", "organization not found")
	ErrProjectNotFound       = errs.NotFound("project_not_found", "project not found")
	ErrMemberNotFound        = errs.NotFound("member_not_found", "member not found")
	ErrInviteNotFound        = errs.NotFound("invite_not_found", "invite not found")
	ErrOriginNotFound        = errs.NotFound("origin_not_found", "origin not found")
	ErrTokenNotFound         = errs.NotFound("token_not_found", "token not found")
	ErrSSOProviderNotFound   = errs.NotFound("sso_provider_not_found", "SSO provider not found")
	ErrBootstrapNotFound     = errs.NotFound("bootstrap_not_found", "bootstrap not found")
	ErrAlreadyMember         = errs.Unprocessable("", "already a member of this organization", nil)
	ErrInviteNotPending      = errs.Unprocessable("", "invite was accepted or rejected already; an organization admin can reopen a rejected one", nil)
	ErrDashboardUserNotFound = errs.NotFound("user_not_found", "user not found")
)
