package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	sqlite3 "modernc.org/sqlite/lib"
)

// ErrDamaged: a restore found the database it would replace damaged (not
// a database SQLite can read), and was not told to replace it anyway
// (RestoreOptions.Damaged).
var ErrDamaged = errors.New("the database is damaged")

// isDamage reports SQLITE_NOTADB or SQLITE_CORRUPT: a file SQLite cannot
// read as a database, whoever has it open.
func isDamage(err error) bool {
	code := primaryCode(err)
	return code == sqlite3.SQLITE_NOTADB || code == sqlite3.SQLITE_CORRUPT
}

// readable reads the schema of the file at path alone, as an immutable
// database: no lock taken, no -wal beside it replayed into it, nothing
// written. A damaged file is then still as it was found when it is kept,
// and its WAL with it (SQLite opening it otherwise would fold that WAL
// into it, over the damage).
func readable(ctx context.Context, path string) error {
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&immutable=1"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	return db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&n)
}

// keepDamaged keeps the damaged database at file, and the -wal and -shm
// files beside it, as they are under the name kept (kept-wal, kept-shm:
// the names SQLite pairs, should the file be repaired): a damaged file
// cannot be locked as a database, nor its WAL folded in, and they may
// be needed to find out what happened. Only with allow, and only while
// no process on this machine holds a lock on them (a server, a command:
// SQLite's locks sit at fixed offsets whatever the file holds).
func keepDamaged(file, kept string, allow bool, damage error) error {
	if !allow {
		return fmt.Errorf("%w: %s (%v); replace it only once no server or command has it open, which a damaged file cannot be locked to prove (RestoreOptions.Damaged)", ErrDamaged, file, damage)
	}
	files := []string{file, file + "-wal", file + "-shm"}
	pid, err := lockHolder(files)
	if err != nil {
		return fmt.Errorf("%s: look for its locks: %w", file, err)
	}
	if pid != 0 {
		who := "a process"
		if pid > 0 {
			who = fmt.Sprintf("process %d", pid)
		}
		return fmt.Errorf("%w (%s holds a lock on %s)", ErrInUse, who, file)
	}
	var moved []string
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := linkNew(file+suffix, kept+suffix); errors.Is(err, fs.ErrNotExist) && suffix != "" {
			continue
		} else if err != nil {
			return fmt.Errorf("keep the damaged database: %w", err)
		}
		moved = append(moved, file+suffix)
	}
	// The old WAL must not stay beside the backup: SQLite would replay
	// it onto it. The main file is replaced by the rename that follows.
	for _, name := range moved[1:] {
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("keep the damaged database: %w", err)
		}
	}
	return nil
}
