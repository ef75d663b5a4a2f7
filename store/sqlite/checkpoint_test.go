package sqlite_test

import (
	"context"
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
// would have checkpointed them itself. Read from the WAL index (-shm):
// mxFrame, the WAL's last frame (offset 16), and nBackfill, the frames
// copied back (offset 96), in the machine's byte order.
func TestCheckpointsInBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	st := open(t, path, sqlite.Options{Synchronous: "NORMAL"})
	keys, _ := secrets.New(make([]byte, 32))
	if _, _, _, err := tenant.NewService(st, keys, nil).Init(ctx); err != nil {
		t.Fatal(err)
	}
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
