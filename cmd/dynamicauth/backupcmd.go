package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
//
// It neither migrates the database nor reads or creates the master
// secret (a backup changes nothing); it names the secret file, which the
// copy needs and does not hold.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out string
	o, _, err := command("backup", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "file to write the copy to (must not exist)")
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
	start := time.Now()
	if err := st.Backup(ctx, out); err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, %s)\n", o.db, out, fi.Size(), time.Since(start).Round(time.Millisecond))
	if o.secret == "" {
		secretFile := o.secretFile
		if secretFile == "" {
			secretFile = o.db + ".secret"
		}
		fmt.Fprintf(stdout, "the copy's keys and secrets open only with the master secret in %s: keep a copy of it too, stored apart from this one\n", secretFile)
	}
	return nil
}

// restoreCmd puts a backup in place of the SQLite database, which no
// server or command may have open:
//
//	dynamicauth restore --from FILE
//
// The master secret (--secret, or --secret-file, default <db>.secret)
// must open the backup's keys, or nothing is changed: it is read, never
// created. The replaced database is kept beside it (sqlite.Restore).
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var from string
	o, log, err := command("restore", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup to restore (dynamicauth backup's file)")
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
	kept, err := sqlite.Restore(ctx, o.db, from, sqlite.RestoreOptions{Check: func(ctx context.Context, copyPath string) error {
		st, err := sqlite.Open(ctx, copyPath, sqlite.Options{SkipMigrate: true})
		if err != nil {
			return err
		}
		defer st.Close()
		auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: master, Logger: log})
		if err != nil {
			return err
		}
		return auth.CheckMasterSecret(ctx)
	}})
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
