package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

// backupCmd writes a consistent copy of the SQLite database, while a
// server may be serving from it:
//
//	dynamicauth backup -o FILE
//	dynamicauth backup -o - | gzip > backup.db.gz
//
// It neither migrates the database nor reads or creates the master
// secret (a backup changes nothing); it names the secret file, which the
// copy needs and does not hold. With "-o -" the copy goes to standard
// output (through a private temporary file beside the database) and the
// messages to standard error.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out string
	o, _, err := command("backup", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "file to write the copy to (must not exist), or - for standard output")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return errors.New("usage: dynamicauth backup -o FILE")
	}
	if postgres.IsURL(o.db) {
		return errors.New("--db is a PostgreSQL database: back it up with pg_dump (or a base backup)")
	}
	if !strings.HasPrefix(o.db, "file:") { // opening would create a missing file
		if _, err := os.Stat(o.db); err != nil {
			return fmt.Errorf("--db %s: %w", o.db, err)
		}
	}
	st, err := o.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	msgs, dest := stdout, out
	if out == "-" {
		msgs = stderr
		tmpDir := ""
		if !strings.HasPrefix(o.db, "file:") {
			tmpDir = filepath.Dir(o.db) // room for a copy of the database
		}
		dir, err := os.MkdirTemp(tmpDir, ".dynamicauth-backup-*") // 0700
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dest = filepath.Join(dir, "copy.db")
	}
	start := time.Now()
	if err := st.Backup(ctx, dest); err != nil {
		return err
	}
	size, err := writeOut(dest, out, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(msgs, "backed up %s to %s (%d bytes, %s)\n", o.db, out, size, time.Since(start).Round(time.Millisecond))
	if o.secret == "" {
		fmt.Fprintf(msgs, "the copy's keys and secrets open only with the master secret in %s: keep a copy of it too, stored apart from this one\n", o.secretPath())
	}
	return nil
}

// writeOut copies the backup at dest to stdout when out is "-", and
// returns its size.
func writeOut(dest, out string, stdout io.Writer) (int64, error) {
	f, err := os.Open(dest)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if out != "-" {
		fi, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return fi.Size(), nil
	}
	n, err := io.Copy(stdout, f)
	if err != nil {
		return n, fmt.Errorf("write the copy to standard output: %w", err)
	}
	return n, nil
}

// restoreCmd puts a backup in place of the SQLite database, which no
// server or command may have open:
//
//	dynamicauth restore --from FILE
//
// The master secret (--secret, or --secret-file, default <db>.secret)
// must open the backup's keys, or nothing is changed: it is read, never
// created. The replaced database is kept beside it (sqlite.Restore). A
// damaged database is replaced only with --damaged: whether a process
// still has such a file open cannot be told for sure.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var from string
	var damaged bool
	o, log, err := command("restore", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup to restore (dynamicauth backup's file)")
		fs.BoolVar(&damaged, "damaged", false, "replace the database even though it is damaged (not readable as one): stop every server and command on it first")
	})
	if err != nil {
		return err
	}
	if from == "" {
		return errors.New("usage: dynamicauth restore --from FILE")
	}
	if postgres.IsURL(o.db) {
		return errors.New("--db is a PostgreSQL database: restore it with pg_restore or psql")
	}
	master, err := o.existingMasterSecret()
	if err != nil {
		return err
	}
	previous, err := o.previousMasterSecrets()
	if err != nil {
		return err
	}
	kept, err := sqlite.Restore(ctx, o.db, from, sqlite.RestoreOptions{Damaged: damaged, Check: func(ctx context.Context, copyPath string) error {
		st, err := sqlite.Open(ctx, copyPath, sqlite.Options{SkipMigrate: true})
		if err != nil {
			return err
		}
		defer st.Close()
		auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: master, PreviousMasterSecrets: previous, Logger: log})
		if err != nil {
			return err
		}
		return auth.CheckMasterSecret(ctx)
	}})
	if errors.Is(err, sqlite.ErrDamaged) {
		return fmt.Errorf("%w\nstop every server and command on it, then run restore again with --damaged (the damaged file is kept as it is, with its -wal and -shm)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", o.db, from)
	if kept != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", kept)
	}
	return nil
}

// backupFlags are serve's scheduled backups (dynamicauth.BackupsConfig).
type backupFlags struct {
	dir   string
	every time.Duration
	keep  int
}

func (f *backupFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dir, "backup-dir", "", "directory receiving a copy of the SQLite database every --backup-every (off when empty)")
	fs.DurationVar(&f.every, "backup-every", 24*time.Hour, "time between scheduled backups")
	fs.IntVar(&f.keep, "backup-keep", 7, "how many of the newest scheduled backups to keep")
}

func (f *backupFlags) config(o *options) (dynamicauth.BackupsConfig, error) {
	if f.dir == "" {
		return dynamicauth.BackupsConfig{}, nil
	}
	if postgres.IsURL(o.db) {
		return dynamicauth.BackupsConfig{}, errors.New("--backup-dir backs up SQLite; back PostgreSQL up with pg_dump")
	}
	if f.every <= 0 || f.keep <= 0 {
		return dynamicauth.BackupsConfig{}, errors.New("--backup-every and --backup-keep must be positive")
	}
	fi, err := os.Stat(f.dir)
	if err != nil {
		return dynamicauth.BackupsConfig{}, fmt.Errorf("--backup-dir: %w", err)
	}
	if !fi.IsDir() {
		return dynamicauth.BackupsConfig{}, fmt.Errorf("--backup-dir %s is not a directory", f.dir)
	}
	return dynamicauth.BackupsConfig{Dir: f.dir, Every: f.every, Keep: f.keep}, nil
}
