package exports_test

import (
	"context"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/exports"
)

// TestPurgeExpired: background maintenance deletes the exports that
// finished more than the retention ago, files included; younger ones and
// pending ones stay.
func TestPurgeExpired(t *testing.T) {
	f := newFixture(t)
	f.seed(t, 30)
	ctx := context.Background()
	var done []string
	for range 2 {
		e, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exports.NewRunner(exports.RunnerDeps{Store: f.store}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		done = append(done, e.ID)
	}
	pending, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := f.store.ReadChunk(ctx, done[0], 0); err != nil || len(b) == 0 {
		t.Fatalf("a finished export's file: %d bytes, %v", len(b), err)
	}
	at := func(d time.Duration) *exports.Service {
		return exports.New(exports.Deps{Store: f.store, Retention: 24 * time.Hour, Now: func() time.Time { return time.Now().Add(d) }})
	}
	if n, err := at(23 * time.Hour).PurgeExpired(ctx); err != nil || n != 0 {
		t.Fatalf("inside the retention: purged %d, %v", n, err)
	}
	if n, err := at(25 * time.Hour).PurgeExpired(ctx); err != nil || n != 2 {
		t.Fatalf("past the retention: purged %d, %v; want the 2 finished", n, err)
	}
	list, err := f.store.ListExports(ctx, f.env, "", 100)
	if err != nil || len(list) != 1 || list[0].ID != pending.ID {
		t.Fatalf("left: %+v, %v; want only the pending export", list, err)
	}
	for _, id := range done {
		if b, err := f.store.ReadChunk(ctx, id, 0); err != nil || b != nil {
			t.Fatalf("purged export %s still has a file chunk (%d bytes, %v)", id, len(b), err)
		}
	}
}
