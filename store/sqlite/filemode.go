package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// createPrivate creates the database file, when missing, readable and
// writable by its owner only. SQLite gives the -wal and -shm files it
// creates the database file's permissions, so those follow.
func createPrivate(dbPath string) error {
	f, err := os.OpenFile(dbPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", dbPath, err)
	}
	return f.Close()
}

// ReadableByOthers lists those of the database, WAL and shared-memory
// files that exist and are readable by the group or by everyone, for a
// warning at start: they hold token hashes, sealed keys and users' data.
// dbPath is what Open takes; a database in memory has no files.
func ReadableByOthers(dbPath string) []string {
	loc, err := locate(dbPath)
	if err != nil || loc.file == "" {
		return nil
	}
	var loose []string
	for _, p := range []string{loc.file, loc.file + "-wal", loc.file + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o044 != 0 {
			loose = append(loose, fmt.Sprintf("%s (%04o)", p, fi.Mode().Perm()))
		}
	}
	return loose
}
