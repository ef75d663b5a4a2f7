package envconfig

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Exchange is a centralized exchange an environment offers its users (the
// contract's Exchange): the exchange, the social provider its users sign
// in to it with and the on-ramp provider that funds through it. It is
// configuration: kept, listed, enabled and disabled here; moving funds
// through an exchange (the transfer and on-ramp routes) is not served.
type Exchange struct {
	ID             string
	EnvironmentID  string
	Exchange       string // one of ExchangeKeys
	SocialProvider string // "" for none
	OnRampProvider string // "" for none
	EnabledAt      *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ExchangeKeys are the exchanges the contract names (ExchangeKeyEnum).
var ExchangeKeys = []string{"coinbase", "kraken"}

// Errors of exchanges.
var (
	ErrExchangeNotFound = errs.NotFound("exchange_not_found", "exchange not found")
	ErrExchangeExists   = errs.Conflict("duplicate_exists", "this environment already has this exchange")
)

// ExchangeInput is what a create names.
type ExchangeInput struct {
	Exchange       string
	SocialProvider string
	OnRampProvider string
}

// providerName is a provider of the contract's ProviderEnum in form: the
// HTTP route checks the value against the enum itself.
var providerName = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

func (in ExchangeInput) check() error {
	if !slices.Contains(ExchangeKeys, in.Exchange) {
		return errs.Invalid("exchange: must be one of %s", strings.Join(ExchangeKeys, ", "))
	}
	for name, v := range map[string]string{"socialProvider": in.SocialProvider, "onRampProvider": in.OnRampProvider} {
		if v != "" && !providerName.MatchString(v) {
			return errs.Invalid("%s: must be a provider name (letters and digits)", name)
		}
	}
	return nil
}

// AddExchange adds an exchange to envID, enabled; an environment has each
// exchange once (ErrExchangeExists).
func (s *Service) AddExchange(ctx context.Context, envID string, in ExchangeInput) (*Exchange, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	now := s.now()
	e := &Exchange{ID: ids.New(), EnvironmentID: envID, Exchange: in.Exchange, SocialProvider: in.SocialProvider,
		OnRampProvider: in.OnRampProvider, EnabledAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := s.d.Store.CreateExchange(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Exchanges lists envID's exchanges by name.
func (s *Service) Exchanges(ctx context.Context, envID string) ([]Exchange, error) {
	return s.d.Store.ListExchanges(ctx, envID)
}

// SetExchangeEnabled enables or disables an exchange; it keeps the time
// it was first enabled while it stays enabled.
func (s *Service) SetExchangeEnabled(ctx context.Context, id string, enabled bool) (*Exchange, error) {
	var at *time.Time
	if enabled {
		now := s.now()
		at = &now
	}
	return s.d.Store.SetExchangeEnabled(ctx, id, at, s.now())
}

// DeleteExchange removes an exchange.
func (s *Service) DeleteExchange(ctx context.Context, id string) error {
	return s.d.Store.DeleteExchange(ctx, id, s.now())
}

// AdminAddExchange is AddExchange for an operator.
func (s *Service) AdminAddExchange(ctx context.Context, p *tenant.Principal, envID string, in ExchangeInput) (*Exchange, error) {
	if err := s.Env(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	return s.AddExchange(ctx, envID, in)
}

// AdminExchanges is Exchanges for an operator.
func (s *Service) AdminExchanges(ctx context.Context, p *tenant.Principal, envID string) ([]Exchange, error) {
	if err := s.Env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	return s.Exchanges(ctx, envID)
}

// AdminExchange is an exchange the operator reaches; another
// organization's is not found.
func (s *Service) AdminExchange(ctx context.Context, p *tenant.Principal, id string, acc tenant.Access) (*Exchange, error) {
	e, err := s.d.Store.GetExchange(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.recordEnv(ctx, p, e.EnvironmentID, acc, ErrExchangeNotFound); err != nil {
		return nil, err
	}
	return e, nil
}

// AdminSetExchangeEnabled is SetExchangeEnabled for an operator.
func (s *Service) AdminSetExchangeEnabled(ctx context.Context, p *tenant.Principal, id string, enabled bool) (*Exchange, error) {
	if _, err := s.AdminExchange(ctx, p, id, tenant.Write); err != nil {
		return nil, err
	}
	return s.SetExchangeEnabled(ctx, id, enabled)
}

// AdminDeleteExchange is DeleteExchange for an operator.
func (s *Service) AdminDeleteExchange(ctx context.Context, p *tenant.Principal, id string) error {
	if _, err := s.AdminExchange(ctx, p, id, tenant.Write); err != nil {
		return err
	}
	return s.DeleteExchange(ctx, id)
}
