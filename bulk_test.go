package dynamicauth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

func bulkRows(prefix string, n int) []users.NewUser {
	rows := make([]users.NewUser, n)
	for i := range rows {
		rows[i] = users.NewUser{Email: fmt.Sprintf("%s%d@example.com", prefix, i)}
	}
	return rows
}

func listTotal(t *testing.T, app *dynamicauthtest.App) int {
	t.Helper()
	l, err := app.Users().ListUsers(t.Context(), app.System, app.IDs.EnvironmentID, users.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return l.Total
}

// TestBulkCreateBatches: an import larger than a batch creates every new
// row; a row whose email is taken, by an earlier user or by an earlier row
// of the same request in another batch or the same one, fails alone, and
// failures are reported in row order.
func TestBulkCreateBatches(t *testing.T) {
	app := dynamicauthtest.New(t)
	ctx, env, p := t.Context(), app.IDs.EnvironmentID, app.System
	if _, err := app.Users().CreateUser(ctx, p, env, users.NewUser{Email: "taken@example.com"}); err != nil {
		t.Fatal(err)
	}
	n := 2*users.BulkBatch + 7
	rows := bulkRows("a", n)
	dups := map[int]bool{3: true, users.BulkBatch + 1: true, n - 1: true, n - 2: true}
	rows[3].Email = "TAKEN@example.com"                     // an existing user's
	rows[users.BulkBatch+1].Email = rows[0].Email           // a row of an earlier batch
	rows[n-1].Email, rows[n-2].Email = "z@x.org", "z@x.org" // two rows of one batch: the first wins
	dups[n-2] = false
	res, err := app.Users().BulkCreate(ctx, p, env, rows, users.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var failed []int
	for _, f := range res.Failed {
		failed = append(failed, f.Index)
		if !errs.Is(f.Err, errs.KindConflict) {
			t.Errorf("row %d: %v, want a conflict", f.Index, f.Err)
		}
	}
	if fmt.Sprint(failed) != fmt.Sprint([]int{3, users.BulkBatch + 1, n - 1}) {
		t.Errorf("failed rows %v", failed)
	}
	if len(res.Created) != n-3 || res.Total != n {
		t.Errorf("created %d of %d (total %d)", len(res.Created), n-3, res.Total)
	}
	if got := listTotal(t, app); got != n-3+1 {
		t.Errorf("%d users, want %d", got, n-3+1)
	}
}

// TestBulkCreateStopsBetweenBatches: when the request ends (the client
// went away) during an import, the batch being written is written whole,
// the rows after it are reported as not imported and nothing of them is
// written, and the import answers instead of failing.
func TestBulkCreateStopsBetweenBatches(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	app := dynamicauthtest.New(t, func(c *dynamicauth.Config) {
		c.Hooks.AfterChange = func(context.Context, dynamicauth.Change) error {
			once.Do(cancel) // the client leaves while the first batch is written
			return nil
		}
	})
	n := 3 * users.BulkBatch
	res, err := app.Users().BulkCreate(ctx, app.System, app.IDs.EnvironmentID, bulkRows("b", n), users.BulkOptions{})
	if err != nil {
		t.Fatalf("BulkCreate: %v", err)
	}
	if len(res.Created) != users.BulkBatch || len(res.Failed) != n-users.BulkBatch {
		t.Fatalf("created %d, failed %d; want the first batch whole, the rest not reached", len(res.Created), len(res.Failed))
	}
	for i, f := range res.Failed {
		if f.Index != users.BulkBatch+i || f.Err != users.ErrBulkNotReached {
			t.Fatalf("failure %d: row %d %v", i, f.Index, f.Err)
		}
	}
	if got := listTotal(t, app); got != users.BulkBatch {
		t.Errorf("%d users stored, want the first batch's %d", got, users.BulkBatch)
	}

	// A spent budget stops the import the same way.
	res, err = app.Users().BulkCreate(t.Context(), app.System, app.IDs.EnvironmentID, bulkRows("c", 5),
		users.BulkOptions{Budget: 1})
	if err != nil || len(res.Created) != 0 || len(res.Failed) != 5 {
		t.Fatalf("with a spent budget: %+v %v", res, err)
	}
}
