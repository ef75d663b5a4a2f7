package signin_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
)

func errorsAs(err error, e **errs.E) bool { return errors.As(err, e) }

// assertCounts checks how many users and sessions the environment has.
func assertCounts(t *testing.T, f *fixture, users, sessions int) {
	t.Helper()
	u, s, err := f.store.CountUsersAndSessions(context.Background(), f.ids.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	if u != users || s != sessions {
		t.Fatalf("environment has %d users and %d sessions, want %d and %d", u, s, users, sessions)
	}
}

// setSecurity sets one member of the environment's security settings.
func (f *fixture) setSecurity(t *testing.T, member string, value any) {
	t.Helper()
	ctx := context.Background()
	env, err := f.store.GetEnvironment(ctx, f.ids.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	var settings map[string]any
	if err := json.Unmarshal(env.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	sec, _ := settings["security"].(map[string]any)
	if sec == nil {
		sec = map[string]any{}
	}
	sec[member] = value
	settings["security"] = sec
	b, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpdateEnvironmentSettings(ctx, env.ID, b, f.clock.now()); err != nil {
		t.Fatal(err)
	}
}
