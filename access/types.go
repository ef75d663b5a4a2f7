package access

import (
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Outcome is AccessOutcomeEnum: what a matching list or gate does.
type Outcome string

const (
	OutcomeScope      Outcome = "scope"
	OutcomeSiteAccess Outcome = "siteAccess"
	OutcomeBlock      Outcome = "block"
)

func (o Outcome) valid() bool {
	return o == OutcomeScope || o == OutcomeSiteAccess || o == OutcomeBlock
}

// Allowlist is a named list of identities of one environment.
type Allowlist struct {
	ID            string
	EnvironmentID string
	Name          string
	Scope         string
	Outcome       Outcome // "" reads as siteAccess
	EnabledAt     *time.Time
	CreatedAt     time.Time
}

// effective is the outcome the decision applies: a list without one
// admits only its members, and a scope outcome without a scope string
// grants nothing, so it gates like siteAccess (as the Gate docs say).
func effective(o Outcome, scope string) Outcome {
	if o == "" || (o == OutcomeScope && scope == "") {
		return OutcomeSiteAccess
	}
	return o
}

// Entry is one identity on an allowlist: exactly one of the identifier
// fields is set (Alias is only a label).
type Entry struct {
	ID                string
	AllowlistID       string
	EnvironmentID     string
	WalletPublicKey   string
	Email             string
	EmailDomain       string
	PhoneNumber       string
	DiscordUsername   string
	TwitterUsername   string
	FarcasterUsername string
	FarcasterFID      int64
	Alias             string
	ExternalUserID    string
	// Key is the normalised identifier the decision looks up
	// ("wallet:0xabc…", "email:a@b.c", …); set by Normalize.
	Key       string
	CreatedAt time.Time
}

// Limits on what an operator may send.
const (
	maxName       = 255
	maxIdentifier = 320
	maxRules      = 20
)

// validateList checks a list's fields for create and update.
func validateList(name, scope string, o Outcome) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errs.Invalid("name: required")
	case len(name) > maxName:
		return errs.Invalid("name: must be at most %d characters", maxName)
	case len(scope) > maxName:
		return errs.Invalid("scope: must be at most %d characters", maxName)
	case strings.ContainsAny(scope, " \t\n"):
		return errs.Invalid("scope: must be one word (scopes are space-separated in the JWT)")
	case o != "" && !o.valid():
		return errs.Invalid("outcome: must be one of scope, siteAccess, block")
	}
	return nil
}
