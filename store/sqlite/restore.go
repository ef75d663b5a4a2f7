package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	sqlitelib "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrInUse: a restore found the database open in another connection or
// process (a server, a command).
var ErrInUse = errors.New("the database is in use: stop the server and any dynamicauth command on it first")

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Check, if set, is run on the checked copy (a file of its own beside
	// the database) before it takes the database's place; its error
	// stops the restore with nothing changed. The command checks there
	// that the master secret opens the copy's keys.
	Check func(ctx context.Context, copyPath string) error
	// Now names the file the replaced database is kept as; time.Now if nil.
	Now func() time.Time
	// Damaged lets Restore replace a database SQLite cannot read (a
	// garbage header, a corrupt first page), which it otherwise refuses
	// with ErrDamaged: such a file cannot be locked to prove that no
	// server or command has it open, so the caller says it has stopped
	// them. Restore still answers ErrInUse when a process on this
	// machine holds a lock on it (read from /proc/locks, on Linux). The
	// file is kept as it is, its -wal and -shm beside it under the kept
	// name (<kept>-wal, <kept>-shm), neither folded in nor removed.
	Damaged bool
}

// Restore puts the backup at from (Backup's output, or any copy of a
// database of this schema) in place of the database at dbPath, which no
// connection may have open: a server or command on it makes Restore
// answer ErrInUse and change nothing.
//
// The backup is copied beside the database as SQLite reads it (a WAL
// beside it folded in) and the copy checked (integrity_check; made by a
// dynamicauth whose migrations this one knows). The
// database it replaces, with its WAL folded in, is kept as
// <dbPath>.before-restore-<UTC time, ms>, whose path Restore returns ("" when
// there was none); the -wal and -shm files are removed, so that SQLite
// never replays the old database's log onto the backup. A damaged
// database (one SQLite cannot read) is refused with ErrDamaged, or,
// with RestoreOptions.Damaged, kept as it is, -wal and -shm included
// (keepDamaged). An exclusive
// lock on the old database, held until the swap, keeps any other
// connection from writing it meanwhile: a store opened then waits for
// the lock, and after the swap fails with ErrReplaced (SQLite will not
// write the kept file it holds) instead of serving the old database.
func Restore(ctx context.Context, dbPath, from string, opt RestoreOptions) (kept string, err error) {
	loc, err := locate(dbPath)
	if err != nil {
		return "", err
	}
	if loc.file == "" {
		return "", errors.New("sqlite: restore: the database is in memory")
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	if from, err = filepath.Abs(from); err != nil {
		return "", fmt.Errorf("sqlite: restore: %w", err)
	}
	if _, err := os.Stat(from); err != nil {
		return "", fmt.Errorf("sqlite: restore: %w", err)
	}
	staged, err := stageCopy(ctx, from, loc.file)
	if err != nil {
		return "", fmt.Errorf("sqlite: restore: %s: %w", from, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(staged)
		}
	}()
	// The checks read the staged copy, which is what takes the
	// database's place.
	if err := checkCopy(ctx, staged, checkSchema); err != nil {
		return "", fmt.Errorf("sqlite: restore: %s: %w", from, err)
	}
	if opt.Check != nil {
		if err := opt.Check(ctx, staged); err != nil {
			return "", err
		}
	}
	kept = loc.file + ".before-restore-" + now().UTC().Format("20060102T150405.000Z")
	old, err := setAside(ctx, loc.file, kept, opt.Damaged)
	if err != nil {
		return "", fmt.Errorf("sqlite: restore: %w", err)
	}
	if old == nil {
		kept = "" // there was no database
	} else {
		defer old.Close() // the lock, held until the swap is done
	}
	if err := os.Rename(staged, loc.file); err != nil {
		return "", fmt.Errorf("sqlite: restore: %w", err)
	}
	return kept, syncPath(filepath.Dir(loc.file))
}

// checkSchema refuses a file that is not a dynamicauth database, or one
// migrated by a newer dynamicauth than this one.
func checkSchema(ctx context.Context, db *sql.DB) error {
	var newest sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("not a dynamicauth database: %w", err)
	}
	known, err := migrations()
	if err != nil {
		return err
	}
	if len(known) > 0 && newest.Int64 > int64(known[len(known)-1].Version) {
		return fmt.Errorf("migrated by a newer dynamicauth (migration %d; this one knows up to %d)", newest.Int64, known[len(known)-1].Version)
	}
	return nil
}

// stageCopy copies the database at from into a private file beside db,
// as SQLite reads it: through VACUUM INTO on a read-only connection, one
// snapshot of the file with the WAL beside it (a copy of a serving
// database's directory has one) folded in. A copy of the main file's
// bytes alone would lose the commits only the WAL holds, or be torn by a
// checkpoint in progress when the copy was taken.
func stageCopy(ctx context.Context, from, db string) (_ string, err error) {
	// VACUUM INTO writes into an empty existing file: creating it here
	// gives it the owner-only mode SQLite would not.
	tmp, err := os.CreateTemp(filepath.Dir(db), filepath.Base(db)+".restore-*")
	if err != nil {
		return "", err
	}
	staged := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(staged)
		}
	}()
	if err := tmp.Close(); err != nil {
		return "", err
	}
	src, err := sql.Open("sqlite", readOnlyDSN(from))
	if err != nil {
		return "", err
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO $1`, staged); err != nil {
		return "", fmt.Errorf("copy: %w", err)
	}
	return staged, syncPath(staged)
}

// setAside keeps the database at file as kept, and returns what holds
// it until the swap is done (nil when there is no database). A sound
// database is locked (lockOld) and linked to kept, its -wal and -shm
// removed; a damaged one is kept as it is, with them (keepDamaged).
func setAside(ctx context.Context, file, kept string, damagedOK bool) (io.Closer, error) {
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	// Read before SQLite opens it to lock it: that would fold a -wal
	// beside it into a damaged file.
	err := readable(ctx, file)
	var old *sql.DB
	if !isDamage(err) {
		old, err = lockOld(ctx, file) // damage past the first page shows here
	}
	if isDamage(err) {
		if err := keepDamaged(file, kept, damagedOK, err); err != nil {
			return nil, err
		}
		return io.NopCloser(nil), nil // nothing to hold
	}
	if err != nil {
		return nil, err
	}
	if err := linkNew(file, kept); err != nil {
		old.Close()
		return nil, fmt.Errorf("keep the old database: %w", err)
	}
	for _, stale := range []string{file + "-wal", file + "-shm"} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
			old.Close()
			return nil, err
		}
	}
	return old, nil
}

// lockOld takes an exclusive lock on the database at path, which fails
// with ErrInUse while any other connection has it open (in WAL mode each
// holds a lock for as long as it is open), and folds its WAL into it.
func lockOld(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(1000)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	// Leaving WAL needs every other connection gone, and checkpoints the
	// WAL into the file; in exclusive locking mode the lock the write
	// takes stays until the connection closes.
	var mode string
	err = db.QueryRowContext(ctx, `PRAGMA journal_mode=DELETE`).Scan(&mode)
	if err == nil && mode != "delete" {
		err = ErrInUse
	}
	if err == nil {
		_, err = db.ExecContext(ctx, `BEGIN EXCLUSIVE; COMMIT`)
	}
	if err != nil {
		db.Close()
		if isBusy(err) {
			return nil, ErrInUse
		}
		return nil, err
	}
	return db, nil
}

// ErrReplaced: the database file was put in another's place (a Restore)
// while Open waited for its lock; SQLite then refuses to write the file
// the connection holds, which is no longer the database. Opening again
// opens the new one.
var ErrReplaced = errors.New("the database file was replaced while it was being opened (a restore); open it again")

// replaced turns SQLITE_READONLY_DBMOVED (the file a connection opened is
// no longer at its path) into ErrReplaced.
func replaced(err error) error {
	var se *sqlitelib.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_READONLY_DBMOVED {
		return fmt.Errorf("%w (%v)", ErrReplaced, err)
	}
	return err
}

// isBusy reports SQLITE_BUSY or SQLITE_LOCKED (another connection's lock).
func isBusy(err error) bool {
	code := primaryCode(err)
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

// primaryCode is the primary result code of SQLite's error in err (of an
// extended one too), 0 when err holds none.
func primaryCode(err error) int {
	var se *sqlitelib.Error
	if !errors.As(err, &se) {
		return 0
	}
	return se.Code() & 0xff
}
