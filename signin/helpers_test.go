package signin_test

import (
	"context"
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
