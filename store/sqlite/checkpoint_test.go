package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// TestCheckpointsInBackground: commits are copied from the WAL into the
// database file soon after, by the store's background checkpointer, long
// before the WAL reaches the 1000 pages at which the committing writer
// would have checkpointed them itself.
func TestCheckpointsInBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	st := open(t, path, sqlite.Options{Synchronous: "NORMAL"})
	keys, _ := secrets.New(make([]byte, 32))
	if _, _, _, err := tenant.NewService(st, keys, nil).Init(ctx); err != nil {
		t.Fatal(err)
	}
	waitBackfilled(t, path)
}

// TestCheckpointAfterAReaderLeaves: a checkpoint cannot copy the commits
// made after the oldest open read began; once that reader ends, the rest
// is copied without waiting for another commit to ask for it. (Before,
// the checkpointer ran only after commits, so after a burst that met a
// long read, say the users-list anchors built at start, the WAL kept its
// tail until the next write.)
func TestCheckpointAfterAReaderLeaves(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	st := open(t, path, sqlite.Options{Synchronous: "NORMAL"})
	keys, _ := secrets.New(make([]byte, 32))
	svc := tenant.NewService(st, keys, nil)
	if _, _, _, err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	waitBackfilled(t, path) // the start's commits are copied

	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM organizations`).Scan(&n); err != nil {
		t.Fatal(err) // the snapshot begins here
	}
	if _, _, _, err := svc.Init(ctx); err != nil { // commits while the reader holds its snapshot
		t.Fatal(err)
	}
	time.Sleep(3 * checkpointWait) // the commit's checkpoint runs and stops at the reader's mark
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	waitBackfilled(t, path)
}

// checkpointWait is longer than the checkpointer's spacing (100 ms).
const checkpointWait = 200 * time.Millisecond

// waitBackfilled waits up to 5 s until every WAL frame is copied into the
// database file: mxFrame, the WAL's last frame (offset 16 of the WAL index,
// -shm), equals nBackfill, the frames copied back (offset 96), both in the
// machine's byte order.
func waitBackfilled(t *testing.T, path string) {
	t.Helper()
	var frames, backfilled uint32
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		shm, err := os.ReadFile(path + "-shm")
		if err != nil {
			t.Fatal(err)
		}
		frames, backfilled = binary.NativeEndian.Uint32(shm[16:]), binary.NativeEndian.Uint32(shm[96:])
		if frames > 0 && backfilled == frames {
			return
		}
	}
	t.Fatalf("WAL of %d frames, %d copied into the database file after 5 s", frames, backfilled)
}
