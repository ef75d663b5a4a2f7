package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
)

const exchangeColumns = `id, environment_id, exchange, social_provider, onramp_provider, enabled_at, created_at, updated_at`

func exchangeFields(e *envconfig.Exchange) []any {
	return []any{&e.ID, &e.EnvironmentID, &e.Exchange, &e.SocialProvider, &e.OnRampProvider, &e.EnabledAt, &e.CreatedAt,
		&e.UpdatedAt}
}

var scanExchange = scanner(exchangeFields)

func exchangeEvent(e *envconfig.Exchange) map[string]any {
	return map[string]any{"exchangeId": e.ID, "exchange": e.Exchange, "enabled": e.EnabledAt != nil}
}

// CreateExchange implements envconfig.Store.
func (s *Store) CreateExchange(ctx context.Context, e *envconfig.Exchange) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, insertSQL("exchanges", exchangeColumns), values(exchangeFields(e))...); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, e.EnvironmentID, events.ExchangeCreated, "", exchangeEvent(e), e.CreatedAt)
	})
	return s.nameTaken("create exchange", envconfig.ErrExchangeExists, tenant.ErrEnvironmentNotFound, err)
}

// GetExchange implements envconfig.Store.
func (s *Store) GetExchange(ctx context.Context, id string) (*envconfig.Exchange, error) {
	return get(ctx, s, "get exchange", envconfig.ErrExchangeNotFound, scanExchange,
		`SELECT `+exchangeColumns+` FROM exchanges WHERE id = $1`, id)
}

// ListExchanges implements envconfig.Store.
func (s *Store) ListExchanges(ctx context.Context, envID string) ([]envconfig.Exchange, error) {
	return nonNil(list(ctx, s, s.db.Reader(), "list exchanges", scanExchange,
		`SELECT `+exchangeColumns+` FROM exchanges WHERE environment_id = $1 ORDER BY exchange`+s.d.Binary, envID))
}

// SetExchangeEnabled implements envconfig.Store.
func (s *Store) SetExchangeEnabled(ctx context.Context, id string, at *time.Time, now time.Time) (*envconfig.Exchange, error) {
	var e envconfig.Exchange
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		since := now
		if at != nil {
			since = *at
		}
		e, err = scanExchange(tx.QueryRow(ctx, `UPDATE exchanges SET updated_at = $4,
			enabled_at = CASE WHEN $2 THEN coalesce(enabled_at, $3) END
			WHERE id = $1 RETURNING `+exchangeColumns, id, at != nil, since, now))
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, e.EnvironmentID, events.ExchangeUpdated, "", exchangeEvent(&e), now)
	})
	if err != nil {
		return nil, s.fail("set exchange enabled", envconfig.ErrExchangeNotFound, err)
	}
	return &e, nil
}

// DeleteExchange implements envconfig.Store.
func (s *Store) DeleteExchange(ctx context.Context, id string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		e, err := scanExchange(tx.QueryRow(ctx, `DELETE FROM exchanges WHERE id = $1 RETURNING `+exchangeColumns, id))
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, e.EnvironmentID, events.ExchangeDeleted, "", exchangeEvent(&e), now)
	})
	return s.fail("delete exchange", envconfig.ErrExchangeNotFound, err)
}
