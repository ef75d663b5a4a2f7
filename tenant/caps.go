package tenant

import (
	"fmt"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Caps on what an admin (or a leaked admin token) can create, counted in
// the creating transaction so that concurrent creates cannot pass them.
const (
	// MaxOrigins bounds an environment's allowed origins: CORS and the
	// sign-in's domain check read the whole list (cached, but re-read at
	// every change). An app has a few domains and a few preview hosts.
	MaxOrigins = 100
	// MaxTokens bounds an organization's API tokens (over all its
	// environments): a token is found by its hash, so this bounds storage
	// and the token lists rather than a hot path; one token per service
	// and per CI job of every project still fits.
	MaxTokens = 500
	// MaxPendingInvites bounds an organization's invites waiting for an
	// answer: each invitee's dashboard reads the invites addressed to them,
	// and an admin's list reads them all.
	MaxPendingInvites = 200
	// MaxProjects bounds an organization's projects, each of which makes
	// a sandbox and a live environment with their settings and signing
	// keys: the project list reads every project's environments, a member's
	// environment list and the retention's sweep read every environment.
	// An organization has a few apps, each a project; ten times that fits.
	MaxProjects = 100
	// uncapped is a store's "no cap": a token the operator's init makes on
	// the machine, which must give back access even at MaxTokens.
	uncapped = 0
)

// The refusals of a create past a cap: 422 with the contract's code where
// one fits (UnprocessableEntityErrorCode has too_many_api_tokens,
// too_many_projects_for_organization and a resource's invalid_* codes),
// else none, the contract's body allowing that; the text names the cap.
var (
	ErrTooManyProjects = errs.Unprocessable("too_many_projects_for_organization",
		fmt.Sprintf("an organization has at most %d projects; delete one first", MaxProjects), nil)
	ErrTooManyOrigins = errs.Unprocessable("invalid_cors_origins",
		fmt.Sprintf("an environment has at most %d allowed origins", MaxOrigins), nil)
	ErrTooManyTokens = errs.Unprocessable("too_many_api_tokens",
		fmt.Sprintf("an organization has at most %d API tokens; delete one first", MaxTokens), nil)
	ErrTooManyInvites = errs.Unprocessable("",
		fmt.Sprintf("an organization has at most %d pending invites; revoke one first", MaxPendingInvites), nil)
)
