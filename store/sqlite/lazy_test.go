package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/dynamicauth/dynamicauth/store/sqlstore"
)

// TestWriteLazyRestoresSynchronous: a lazy transaction commits with
// synchronous=NORMAL (1) and leaves the writer's one connection at FULL
// (2) again, whether it commits or fails, so the sign-ins committed on
// that connection after it still wait for the disk; Sync then answers.
func TestWriteLazyRestoresSynchronous(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := driver{s}
	if _, err := d.Exec(ctx, `CREATE TABLE lazy_probe (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	writerMode := func() int {
		var mode int
		if err := s.w.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return mode
	}
	for _, fail := range []error{nil, errors.New("refused")} {
		var inside int
		err := d.WriteLazy(ctx, func(tx sqlstore.Tx) error {
			if err := tx.QueryRow(ctx, `PRAGMA synchronous`).Scan(&inside); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO lazy_probe (id) VALUES ($1)`, "lazy-"+errString(fail)); err != nil {
				return err
			}
			return fail
		})
		if !errors.Is(err, fail) {
			t.Fatalf("WriteLazy (fail %v): %v", fail, err)
		}
		if inside != 1 {
			t.Errorf("synchronous inside the lazy transaction = %d, want 1 (NORMAL)", inside)
		}
		if got := writerMode(); got != 2 {
			t.Errorf("writer's synchronous after a lazy transaction (fail %v) = %d, want 2 (FULL)", fail, got)
		}
	}
	if err := d.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
