package access

import (
	"context"
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// Sentinel errors the store returns.
var (
	ErrListNotFound  = errs.NotFound("allowlist_not_found", "allowlist not found")
	ErrEntryNotFound = errs.NotFound("allowlist_entry_not_found", "allowlist entry not found")
	ErrGateNotFound  = errs.NotFound("gate_not_found", "gate not found")
	ErrListExists    = errs.Unprocessable("allowlist_already_exists", "an allowlist with this name already exists", nil)
	ErrEntryExists   = errs.Unprocessable("allowlist_entry_already_exists", "this identity is already on the allowlist", nil)
	ErrGateExists    = errs.Unprocessable("gate_exists", "a gate with this name already exists", nil)
	ErrTooManyLists  = errs.Unprocessable("", fmt.Sprintf("an environment has at most %d allowlists", MaxAllowlists), nil)
	ErrTooManyGates  = errs.Unprocessable("invalid_gate", fmt.Sprintf("an environment has at most %d gates", MaxGates), nil)
)

// Caps per environment, counted in the creating transaction. A decision
// (every sign-in, link, transfer and refresh) reads the enabled lists and
// gates and evaluates each gate's rules, which may read balances over
// RPC; disabled ones are kept and listed on every settings read. An app
// uses a handful of each; the caps leave room for ten times that and stop
// a script (or a leaked admin token) from making the hot path unbounded.
//
// An allowlist's entries are not capped: a sign-in reads them by index
// (one lookup per enabled list, whatever its size), lists of hundreds of
// thousands of wallets are real (an airdrop's), and they are data like
// users, not configuration read whole.
const (
	MaxGates      = 50
	MaxAllowlists = 100
)

// EntryQuery pages an allowlist's entries.
type EntryQuery struct {
	Query  string // substring of the identifier or alias
	Offset int
	Limit  int
}

// Rules are an environment's enabled lists and gates: what a decision reads.
type Rules struct {
	Lists []Allowlist
	Gates []Gate
	// Screening is whether sanctions screening is on.
	Screening bool
}

// Screening is an environment's sanctions screening switch.
type Screening struct {
	Enabled              bool
	CreatedAt, UpdatedAt *time.Time // nil: never configured
}

// Store is access control's persistence.
type Store interface {
	// CreateAllowlist stores l, or refuses with ErrTooManyLists when its
	// environment has max lists already (counted in the same transaction).
	CreateAllowlist(ctx context.Context, l *Allowlist, max int) error
	GetAllowlist(ctx context.Context, id string) (*Allowlist, error)
	ListAllowlists(ctx context.Context, envID string) ([]Allowlist, error)
	// UpdateAllowlist stores name, scope and outcome.
	UpdateAllowlist(ctx context.Context, l *Allowlist) error
	// SetAllowlistEnabled sets enabled_at (nil: disabled) and returns the list.
	SetAllowlistEnabled(ctx context.Context, id string, at *time.Time) (*Allowlist, error)
	DeleteAllowlist(ctx context.Context, id string) error

	AddEntry(ctx context.Context, e *Entry) error
	GetEntry(ctx context.Context, id string) (*Entry, error)
	ListEntries(ctx context.Context, listID string, q EntryQuery) ([]Entry, int, error)
	DeleteEntry(ctx context.Context, id string) error

	// CreateGate stores g, or refuses with ErrTooManyGates when its
	// environment has max gates already (counted in the same transaction).
	CreateGate(ctx context.Context, g *Gate, max int) error
	GetGate(ctx context.Context, id string) (*Gate, error)
	ListGates(ctx context.Context, envID string) ([]Gate, error)
	UpdateGate(ctx context.Context, g *Gate) error
	SetGateEnabled(ctx context.Context, id string, at *time.Time) (*Gate, error)
	DeleteGate(ctx context.Context, id string) error

	SetScreening(ctx context.Context, envID string, enabled bool, now time.Time) error
	// GetScreening reads the switch; never configured: the zero value.
	GetScreening(ctx context.Context, envID string) (*Screening, error)

	// AccessRules reads the enabled lists and gates of an environment.
	AccessRules(ctx context.Context, envID string) (*Rules, error)
	// MatchingLists returns the ids of the enabled lists of envID having
	// an entry with one of keys.
	MatchingLists(ctx context.Context, envID string, keys []string) ([]string, error)
}
