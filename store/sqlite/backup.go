package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to dest, a file that
// must not exist yet, while the store goes on serving.
//
// SQLite's VACUUM INTO reads one snapshot on a connection of its own, so
// writers are not held up (the WAL is checkpointed past the snapshot once
// the copy ends). The copy goes to a private (0600) temporary file beside
// dest, is synced (VACUUM INTO does not sync its output), passes
// integrity_check, and only then takes dest's name (a link: never over
// a file): a failed, cancelled or interrupted backup leaves nothing at
// dest. The copy is an ordinary rollback-journal database; the server
// turns it to WAL when it opens it.
func (s *Store) Backup(ctx context.Context, dest string) (err error) {
	if s.plainDSN == "" {
		return errors.New("sqlite: backup: the database is in memory")
	}
	if dest == "" {
		return errors.New("sqlite: backup: no destination file")
	}
	// Absolute, so that VACUUM INTO never reads a name starting with
	// "file:" as a URI.
	if dest, err = filepath.Abs(dest); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := refuseExisting(dest); err != nil {
		return err
	}
	// VACUUM INTO writes into an empty existing file: creating it here
	// gives it the owner-only mode SQLite would not.
	tmp, err := os.CreateTemp(filepath.Dir(dest), filepath.Base(dest)+".partial-*")
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	partial := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(partial)
		}
	}()
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	if err := s.vacuumInto(ctx, partial); err != nil {
		return err
	}
	if err := syncPath(partial); err != nil {
		return err
	}
	if err := checkCopy(ctx, partial); err != nil {
		return fmt.Errorf("sqlite: backup: the copy: %w", err)
	}
	if err := linkNew(partial, dest); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	_ = os.Remove(partial)
	return syncPath(filepath.Dir(dest)) // the new name itself
}

// linkNew gives the file at from the name to, unless to exists: a link,
// not a rename, so that a file made there meanwhile is kept.
func linkNew(from, to string) error {
	if err := os.Link(from, to); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists (never overwritten)", to)
		}
		return err
	}
	return nil
}

func refuseExisting(dest string) error {
	_, err := os.Lstat(dest)
	if err == nil {
		return fmt.Errorf("sqlite: backup: %s already exists (never overwritten)", dest)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}

// vacuumInto copies the database into the empty file at path on a
// connection of its own: the reader pool's are query_only, which VACUUM
// INTO counts as writing, and the single writer must stay free for
// sign-ins.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", s.plainDSN)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("sqlite: backup: vacuum into %s: %w", path, err)
	}
	return nil
}

// checkCopy opens the copy read-only and runs integrity_check on it;
// with more checks, those too, on the same connection.
func checkCopy(ctx context.Context, path string, more ...func(context.Context, *sql.DB) error) error {
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := integrityCheck(ctx, db); err != nil {
		return err
	}
	for _, check := range more {
		if err := check(ctx, db); err != nil {
			return err
		}
	}
	return nil
}

// integrityCheck fails unless PRAGMA integrity_check answers ok.
func integrityCheck(ctx context.Context, db *sql.DB) error {
	var verdict string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&verdict); err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	if verdict != "ok" {
		return fmt.Errorf("integrity_check failed: %s", verdict)
	}
	return nil
}

// readOnlyDSN opens the file at the absolute path read-only.
func readOnlyDSN(path string) string {
	return (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro"}).String()
}

// syncPath flushes a file, or a directory's entries, to the disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sqlite: backup: sync %s: %w", path, err)
	}
	return nil
}
