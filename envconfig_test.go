package dynamicauth_test

import (
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/envconfig"
)

// TestExchangesFromGo: an application manages an environment's
// exchanges through the facade (EnvConfig): only the contract's, added
// enabled, each once, disabled, removed.
func TestExchangesFromGo(t *testing.T) {
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env, ec := t.Context(), app.IDs.EnvironmentID, app.EnvConfig()
		if _, err := ec.AddExchange(ctx, env, envconfig.ExchangeInput{Exchange: "ftx"}); err == nil {
			t.Fatal("an exchange the contract does not name was added")
		}
		e, err := ec.AddExchange(ctx, env, envconfig.ExchangeInput{Exchange: "kraken"})
		if err != nil || e.EnabledAt == nil {
			t.Fatalf("add: %+v %v", e, err)
		}
		if _, err := ec.AddExchange(ctx, env, envconfig.ExchangeInput{Exchange: "kraken"}); !errors.Is(err, envconfig.ErrExchangeExists) {
			t.Fatalf("a second kraken: %v", err)
		}
		off, err := ec.SetExchangeEnabled(ctx, e.ID, false)
		if err != nil || off.EnabledAt != nil {
			t.Fatalf("disable: %+v %v", off, err)
		}
		if err := ec.DeleteExchange(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := ec.Exchanges(ctx, env); err != nil || len(list) != 0 {
			t.Fatalf("after delete: %+v %v", list, err)
		}
	})
}
