package envconfig

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Section is one block of an SDK view, in the contract's shape (it is
// stored as this JSON).
type Section struct {
	Type                string   `json:"type"`
	Label               string   `json:"label,omitempty"`
	NumOfItemsToDisplay *float64 `json:"numOfItemsToDisplay,omitempty"`
	DefaultItem         string   `json:"defaultItem,omitempty"`
	Alignment           string   `json:"alignment,omitempty"`
}

// View is an SDK view of an environment.
type View struct {
	Type     string    `json:"type"`
	Sections []Section `json:"sections"`
}

// Hostname statuses: a hostname is pending until an operator verifies it.
const (
	HostnamePending = "pending"
	HostnameActive  = "active"
	HostnameError   = "error"
)

// Hostname is a custom hostname of an environment.
type Hostname struct {
	ID            string
	EnvironmentID string
	Hostname      string // lower case, no port
	Usage         string // cookies | globalWallet
	Status        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Deeplink is an allowed mobile redirect URL of an environment.
type Deeplink struct {
	ID            string
	EnvironmentID string
	URL           string
	CreatedAt     time.Time
}

// Sentinel errors the store returns.
var (
	ErrHostnameNotFound = errs.NotFound("custom_hostname_not_found", "custom hostname not found")
	ErrHostnameExists   = errs.Unprocessable("duplicate_exists", "this hostname is already configured", nil)
	ErrHostnameLimit    = errs.Unprocessable("invalid_custom_hostname", fmt.Sprintf("an environment has at most %d custom hostnames", MaxHostnames), nil)
	ErrDeeplinkNotFound = errs.NotFound("deeplink_url_not_found", "deeplink url not found")
	ErrDeeplinkExists   = errs.Unprocessable("duplicate_exists", "this deeplink url is already configured", nil)
	ErrDeeplinkLimit    = errs.Unprocessable("invalid_mobile_deeplink_urls", fmt.Sprintf("an environment has at most %d deeplink urls", MaxDeeplinks), nil)
)

// ErrDeeplinkRefused is the answer of a flow given a mobile redirect URL
// that is none of the environment's deeplink URLs (see DeeplinkAllowed).
var ErrDeeplinkRefused = errs.Unprocessable("unauthorized_mobile_deeplink_url", "this redirect url is not one of the environment's deeplink urls", nil)

// Limits per environment: a handful is what an app uses; the lists are
// read whole on every check.
const (
	MaxHostnames = 20
	MaxDeeplinks = 50
)

// Store keeps the records. Every change writes its event (package events)
// in its own transaction. Creates fail with the Exists sentinels on a
// duplicate within the environment, with the Limit sentinels when the
// environment has max records already (counted in the creating
// transaction), and with tenant.ErrEnvironmentNotFound for a missing
// environment.
type Store interface {
	// PutSdkView creates or replaces the view of its type.
	PutSdkView(ctx context.Context, envID string, v *View, now time.Time) error
	// SdkViews lists the stored views by type.
	SdkViews(ctx context.Context, envID string) ([]View, error)

	CreateHostname(ctx context.Context, h *Hostname, max int) error
	ListHostnames(ctx context.Context, envID string) ([]Hostname, error)
	// SetHostnameStatus sets the status of envID's hostname id.
	SetHostnameStatus(ctx context.Context, envID, id, status string, now time.Time) (*Hostname, error)
	DeleteHostname(ctx context.Context, envID, id string, now time.Time) error
	// ActiveHostnames lists envID's hostnames whose status is active.
	ActiveHostnames(ctx context.Context, envID string) ([]string, error)

	AddDeeplink(ctx context.Context, d *Deeplink, max int) error
	GetDeeplink(ctx context.Context, id string) (*Deeplink, error)
	ListDeeplinks(ctx context.Context, envID string) ([]Deeplink, error)
	DeleteDeeplink(ctx context.Context, id string, now time.Time) error

	// CreateExchange fails with ErrExchangeExists when the environment
	// has that exchange already.
	CreateExchange(ctx context.Context, e *Exchange) error
	GetExchange(ctx context.Context, id string) (*Exchange, error)
	ListExchanges(ctx context.Context, envID string) ([]Exchange, error)
	// SetExchangeEnabled sets enabled_at to at (nil: disabled), keeping
	// an earlier one when both are set, and returns the exchange.
	SetExchangeEnabled(ctx context.Context, id string, at *time.Time, now time.Time) (*Exchange, error)
	DeleteExchange(ctx context.Context, id string, now time.Time) error
}

// Environments finds an environment (the principal's reach is checked here).
type Environments interface {
	GetEnvironment(ctx context.Context, id string) (*tenant.Environment, error)
}

// Deps build a Service.
type Deps struct {
	Store        Store
	Environments Environments
	Now          func() time.Time
	// HostnameTTL is how long an environment's active hostnames are
	// reused by HostnameActive (0: 30 s; negative: read every time).
	// Changes through this Service apply at once; another replica's
	// within the TTL.
	HostnameTTL time.Duration
}

// Service is the environment configuration API; the methods taking a
// principal are the operators', the others the trusted Go API's.
type Service struct {
	d Deps

	mu     sync.Mutex
	active map[string]activeHosts // by environment id
}

type activeHosts struct {
	hosts   []string
	expires time.Time
}

// New builds the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HostnameTTL == 0 {
		d.HostnameTTL = 30 * time.Second
	}
	return &Service{d: d, active: map[string]activeHosts{}}
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Millisecond) }

// Env checks p may use envID (read or write its settings).
func (s *Service) Env(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) error {
	_, err := tenant.UseEnvironment(ctx, s.d.Environments, p, envID, acc.Settings())
	return err
}

// recordEnv checks p may use envID, the environment of a record found by
// its id alone (tenant.ReachRecord).
func (s *Service) recordEnv(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access, notFound error) error {
	return tenant.ReachRecord(ctx, s.d.Environments, p, envID, acc.Settings(), notFound)
}
