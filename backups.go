package dynamicauth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// BackupsConfig schedules backups of an SQLite store (Backup) while the
// Auth is started. Off when Dir is empty.
type BackupsConfig struct {
	// Dir receives the copies, named dynamicauth-<UTC time>.db.
	Dir string
	// Every is the time between copies (default 24h). A start takes one at
	// once when the newest copy in Dir is older than that (or none is
	// there), so restarts neither skip nor repeat them.
	Every time.Duration
	// Keep is how many of the newest copies stay in Dir (default 7): older
	// ones are deleted after each new copy is written. Other files in Dir
	// are never touched.
	Keep int
}

const (
	defaultBackupEvery = 24 * time.Hour
	defaultBackupKeep  = 7
	backupPrefix       = "dynamicauth-"
	backupSuffix       = ".db"
	// backupStamp sorts as it ages, so a name's order is its age's.
	backupStamp = "20060102T150405.000Z"
	// backupRetry is the wait after a failed copy, when shorter than Every.
	backupRetry = 5 * time.Minute
)

func (c *BackupsConfig) normalize() error {
	if c.Dir == "" {
		return nil
	}
	if c.Every < 0 || c.Keep < 0 {
		return errors.New("dynamicauth: Backups.Every and Backups.Keep must not be negative")
	}
	if c.Every == 0 {
		c.Every = defaultBackupEvery
	}
	if c.Keep == 0 {
		c.Keep = defaultBackupKeep
	}
	return nil
}

// runBackups copies the store into Backups.Dir on schedule until ctx
// ends. It keeps wall-clock time (Config.Now is the services' clock).
func (a *Auth) runBackups(ctx context.Context) {
	c := a.cfg.Backups
	wait := time.Duration(0)
	if newest, ok := newestBackup(c.Dir); ok {
		wait = max(0, c.Every-time.Since(newest))
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = c.Every
		if err := a.scheduledBackup(ctx, c); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.log.Error("scheduled backup failed; retrying", "dir", c.Dir, "err", err)
			wait = min(c.Every, backupRetry)
		}
	}
}

// scheduledBackup writes one copy and prunes the oldest beyond Keep.
func (a *Auth) scheduledBackup(ctx context.Context, c BackupsConfig) error {
	name := filepath.Join(c.Dir, backupPrefix+time.Now().UTC().Format(backupStamp)+backupSuffix)
	if err := a.Backup(ctx, name); err != nil {
		return err
	}
	copies := backupCopies(c.Dir)
	for _, old := range copies[:max(0, len(copies)-c.Keep)] {
		if err := os.Remove(filepath.Join(c.Dir, old)); err != nil {
			return fmt.Errorf("prune %s: %w", old, err)
		}
		a.log.Info("old backup deleted", "file", old)
	}
	return nil
}

// backupCopies lists the names of the scheduled copies in dir, oldest first.
func backupCopies(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if _, ok := backupTime(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}

// newestBackup is when the newest scheduled copy in dir was taken.
func newestBackup(dir string) (time.Time, bool) {
	copies := backupCopies(dir)
	if len(copies) == 0 {
		return time.Time{}, false
	}
	return backupTime(copies[len(copies)-1])
}

// backupTime reads a scheduled copy's time from its name.
func backupTime(name string) (time.Time, bool) {
	stamp, ok := strings.CutPrefix(name, backupPrefix)
	if !ok {
		return time.Time{}, false
	}
	if stamp, ok = strings.CutSuffix(stamp, backupSuffix); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(backupStamp, stamp)
	return t, err == nil
}
